package sqlite

import (
	"context"
	"database/sql"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

func (s *Store) NotifySystem(ctx context.Context, n model.Notice) error {
	if err := store.CheckSystemNotice(n); err != nil {
		return err
	}
	// Outside any holder's transaction. Logged in notice_log like every notice (its id's one
	// index), about account "": SentNotice never finds it, so no customer can dispute it.
	return s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return insertNotice(ctx, tx, nil, n)
	})
}

package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

func (s *Store) NotifySystem(ctx context.Context, n model.Notice) (err error) {
	defer mapped(&err)
	if err := store.CheckSystemNotice(n); err != nil {
		return err
	}
	body, err := json.Marshal(n)
	if err != nil {
		return fmt.Errorf("notice: %w", err)
	}
	// One statement, committed alone. Logged in notice_log like every notice, so its id stays
	// taken once it is delivered (as in the SQLite store, where the log is the ids' one index),
	// about account '': SentNotice never finds it, so no customer can dispute it.
	if _, err := s.pool.Exec(ctx, `WITH o AS (INSERT INTO outbox (id, type, account_id, notice, created_at, since, next_at)
			VALUES ($1, $2, '', $3, $4, $4, $4) RETURNING id)
		INSERT INTO notice_log (id, type, account_id, holder_id, created_at) SELECT id, $2, '', '', $4 FROM o`,
		n.ID, string(n.Type), body, n.Time); err != nil {
		return fmt.Errorf("write notice: %w", err)
	}
	return nil
}

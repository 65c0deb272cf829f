package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

func (s *Store) NotifySystem(ctx context.Context, n model.Notice) error {
	if err := store.CheckSystemNotice(n); err != nil {
		return err
	}
	body, err := json.Marshal(n)
	if err != nil {
		return fmt.Errorf("notice: %w", err)
	}
	// Outside any holder's transaction, and not in notice_log: nothing a customer could dispute.
	return s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, sqlInsertNotice, n.ID, string(n.Type), "", string(body), nanos(n.Time), nil); err != nil {
			return fmt.Errorf("write notice: %w", mapErr(err))
		}
		return nil
	})
}

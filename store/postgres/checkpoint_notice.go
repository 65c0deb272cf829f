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
	// One statement, committed alone; not in notice_log: nothing a customer could dispute.
	if _, err := s.pool.Exec(ctx, `INSERT INTO outbox (id, type, account_id, notice, created_at, since, next_at)
		VALUES ($1, $2, '', $3, $4, $4, $4)`, n.ID, string(n.Type), body, n.Time); err != nil {
		return fmt.Errorf("write notice: %w", err)
	}
	return nil
}

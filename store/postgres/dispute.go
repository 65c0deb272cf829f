package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// logNotice records n's id by account in notice_log (see store.Disputes), in the transaction that
// writes it to the outbox.
func logNotice(ctx context.Context, tx dbtx, n model.Notice) error {
	if _, err := tx.Exec(ctx, `INSERT INTO notice_log (id, type, account_id, holder_id, created_at) VALUES ($1, $2, $3, $4, $5)`,
		n.ID, string(n.Type), n.AccountID, n.Holder, n.Time); err != nil {
		return fmt.Errorf("log notice: %w", err)
	}
	return nil
}

func (s *Store) SentNotice(ctx context.Context, accountID, id string) (_ store.SentNotice, err error) {
	defer mapped(&err)
	none := fmt.Errorf("%w: account %s was sent no notice %q", model.ErrInvalidInput, accountID, id)
	if accountID == "" || !storable(accountID, id) { // "": a system notice's, sent to no customer
		return store.SentNotice{}, none
	}
	n := store.SentNotice{ID: id, AccountID: accountID}
	err = s.pool.QueryRow(ctx, `SELECT type, holder_id, created_at FROM notice_log WHERE id = $1 AND account_id = $2`,
		id, accountID).Scan(&n.Type, &n.Holder, &n.Time)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.SentNotice{}, none
	}
	if err != nil {
		return store.SentNotice{}, fmt.Errorf("notice %s: %w", id, err)
	}
	n.Time = n.Time.UTC()
	return n, nil
}

// Dispute takes the account's holder rows' locks in a fixed order, as ResetAccount does, so it
// never deadlocks with a verification or a reset, and a verification in flight finishes first.
func (s *Store) Dispute(ctx context.Context, d store.NewDispute) (_ int, err error) {
	defer mapped(&err)
	var revoked int
	a, h := d.AccountID, d.Holder
	if !storable(a, h, d.EventID, d.Text) {
		return 0, fmt.Errorf("%w: account %s was sent no notice %q", model.ErrInvalidInput, a, d.EventID)
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		revoked = 0
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM accounts WHERE id = $1 FOR SHARE)`, a).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return fmt.Errorf("%w: %s", model.ErrUnknownAccount, a)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO holders (account_id, holder_id)
			SELECT $1, $2 WHERE $2 = 'account' OR EXISTS (SELECT 1 FROM contacts WHERE account_id = $1 AND id = $2)
			ON CONFLICT DO NOTHING`, a, h); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT 1 FROM holders WHERE account_id = $1 ORDER BY holder_id FOR UPDATE`, a); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM disputes WHERE event_id = $1`, d.EventID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("%w: notice %s is already disputed", model.ErrConflict, d.EventID)
		}
		tag, err := tx.Exec(ctx, `UPDATE holders SET hard_locked_at = coalesce(hard_locked_at, $1),
			locked_at = coalesce(locked_at, $1) WHERE account_id = $2 AND holder_id = $3`, d.Time, a, h)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("%w: the notice was about %q, who is no longer on account %s", model.ErrUnknownHolder, h, a)
		}
		kinds := make([]string, len(d.Revoke))
		for i, k := range d.Revoke {
			kinds[i] = string(k)
		}
		tag, err = tx.Exec(ctx, `UPDATE pins SET previous = sealed, sealed = NULL
			WHERE account_id = $1 AND kind = ANY($2) AND sealed IS NOT NULL`, a, kinds)
		if err != nil {
			return err
		}
		revoked = int(tag.RowsAffected())
		// A replay after the dispute would report PINs and locks that no longer hold.
		if _, err := tx.Exec(ctx, `DELETE FROM idempotency WHERE account_id = $1`, a); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO disputes (id, account_id, holder_id, event_id, event_type, text, operator, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, d.ID, a, h, d.EventID, string(d.EventType), d.Text, d.Operator, d.Time)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == codeUnique && pe.ConstraintName == "disputes_event_id_key" {
			// Another server recorded a dispute of the same notice since the check above.
			return fmt.Errorf("%w: notice %s is already disputed", model.ErrConflict, d.EventID)
		}
		if err != nil {
			return fmt.Errorf("record dispute: %w", err)
		}
		if err := insertNotice(ctx, tx, d.Notice); err != nil {
			return err
		}
		return s.appendEndingSessions(ctx, tx, d.Audit) // so does a dispute
	})
	if err != nil {
		return 0, fmt.Errorf("dispute %s: %w", d.EventID, err)
	}
	return revoked, nil
}

func (s *Store) OpenDisputes(ctx context.Context, accountID string) (_ []model.Dispute, err error) {
	defer mapped(&err)
	out := []model.Dispute{}
	if !storable(accountID) {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT id, holder_id, event_id, event_type, created_at FROM disputes
		WHERE account_id = $1 AND cleared_at IS NULL ORDER BY created_at, id COLLATE "C"`, accountID)
	if err != nil {
		return nil, fmt.Errorf("disputes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		d := model.Dispute{AccountID: accountID}
		if err := rows.Scan(&d.ID, &d.Holder, &d.EventID, &d.EventType, &d.Time); err != nil {
			return nil, fmt.Errorf("disputes: %w", err)
		}
		d.Time = d.Time.UTC()
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("disputes: %w", err)
	}
	return out, nil
}

func (s *Store) ClearDispute(ctx context.Context, c store.ClearedDispute) (err error) {
	defer mapped(&err)
	none := fmt.Errorf("%w: account %s has no dispute %q", model.ErrInvalidInput, c.AccountID, c.ID)
	if !storable(c.AccountID, c.ID, c.By, c.Reason) {
		return none
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var cleared *time.Time
		err := tx.QueryRow(ctx, `SELECT cleared_at FROM disputes WHERE id = $1 AND account_id = $2 FOR UPDATE`, c.ID, c.AccountID).Scan(&cleared)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return none
		case err != nil:
			return err
		case cleared != nil:
			return fmt.Errorf("%w: dispute %s was cleared already", model.ErrConflict, c.ID)
		}
		if _, err := tx.Exec(ctx, `UPDATE disputes SET cleared_at = $1, cleared_by = $2, clear_reason = $3 WHERE id = $4`,
			c.At, c.By, c.Reason, c.ID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, c.Audit)
	})
	if err != nil {
		return fmt.Errorf("clear dispute: %w", err)
	}
	return nil
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// logNotice records n's id by account in notice_log (see store.Disputes), with seq, its outbox
// row, in the transaction that writes it to the outbox. A system notice (account "") is logged
// too: the log is where a notice id is unique and finds its outbox row (migration 0014).
const sqlLogNotice = `INSERT INTO notice_log (id, type, account_id, holder_id, created_at, outbox_seq) VALUES (?, ?, ?, ?, ?, ?)`

func logNotice(ctx context.Context, tx *sql.Tx, ws stmts, n model.Notice, seq int64) error {
	if _, err := ws.txExec(ctx, tx, sqlLogNotice,
		n.ID, string(n.Type), n.AccountID, n.Holder, nanos(n.Time), seq); err != nil {
		return fmt.Errorf("log notice: %w", mapErr(err))
	}
	return nil
}

func (s *Store) SentNotice(ctx context.Context, accountID, id string) (store.SentNotice, error) {
	if err := s.guard.err(); err != nil {
		return store.SentNotice{}, err
	}
	if accountID == "" { // a system notice's: about no account, sent to no customer
		return store.SentNotice{}, fmt.Errorf("%w: no account was named for notice %q", model.ErrInvalidInput, id)
	}
	n := store.SentNotice{ID: id, AccountID: accountID}
	var at int64
	err := s.r.QueryRowContext(ctx, `SELECT type, holder_id, created_at FROM notice_log WHERE id = ? AND account_id = ?`,
		id, accountID).Scan(&n.Type, &n.Holder, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return store.SentNotice{}, fmt.Errorf("%w: account %s was sent no notice %q", model.ErrInvalidInput, accountID, id)
	}
	if err != nil {
		return store.SentNotice{}, fmt.Errorf("notice %s: %w", id, mapErr(err))
	}
	n.Time = fromNanos(at)
	return n, nil
}

func (s *Store) Dispute(ctx context.Context, d store.NewDispute) (int, error) {
	var revoked int
	err := s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		revoked = 0
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM disputes WHERE event_id = ?`, d.EventID).Scan(&n); err != nil {
			return mapErr(err)
		}
		if n > 0 {
			return fmt.Errorf("%w: notice %s is already disputed", model.ErrConflict, d.EventID)
		}
		a, h, at := d.AccountID, d.Holder, nanos(d.Time)
		if _, err := tx.ExecContext(ctx, sqlInsertHolder, a, h); err != nil {
			return mapErr(err)
		}
		r, err := tx.ExecContext(ctx, `UPDATE holders SET hard_locked_at = coalesce(hard_locked_at, ?1),
			locked_at = coalesce(locked_at, ?1) WHERE account_id = ?2 AND holder_id = ?3`, at, a, h)
		if err != nil {
			return mapErr(err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: the notice was about %q, who is no longer on account %s", model.ErrUnknownHolder, h, a)
		}
		for _, k := range d.Revoke {
			r, err := tx.ExecContext(ctx, `UPDATE pins SET previous = sealed, sealed = NULL
				WHERE account_id = ? AND kind = ? AND sealed IS NOT NULL`, a, string(k))
			if err != nil {
				return mapErr(err)
			}
			n, _ := r.RowsAffected()
			revoked += int(n)
		}
		// A replay after the dispute would report PINs and locks that no longer hold.
		if _, err := tx.ExecContext(ctx, `DELETE FROM idempotency WHERE account_id = ?`, a); err != nil {
			return mapErr(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO disputes (id, account_id, holder_id, event_id, event_type, text, operator, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, d.ID, a, h, d.EventID, string(d.EventType), d.Text, d.Operator, at); err != nil {
			return fmt.Errorf("record dispute: %w", mapErr(err))
		}
		if err := insertNotice(ctx, tx, nil, d.Notice); err != nil {
			return err
		}
		return s.appendEndingSessions(ctx, tx, d.Audit) // so does a dispute
	})
	if err != nil {
		return 0, fmt.Errorf("dispute %s: %w", d.EventID, err)
	}
	return revoked, nil
}

func (s *Store) OpenDisputes(ctx context.Context, accountID string) ([]model.Dispute, error) {
	if err := s.guard.err(); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, holder_id, event_id, event_type, created_at FROM disputes
		WHERE account_id = ? AND cleared_at IS NULL ORDER BY created_at, id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("disputes: %w", mapErr(err))
	}
	defer rows.Close()
	out := []model.Dispute{}
	for rows.Next() {
		d := model.Dispute{AccountID: accountID}
		var at int64
		if err := rows.Scan(&d.ID, &d.Holder, &d.EventID, &d.EventType, &at); err != nil {
			return nil, fmt.Errorf("disputes: %w", mapErr(err))
		}
		d.Time = fromNanos(at)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("disputes: %w", mapErr(err))
	}
	return out, nil
}

func (s *Store) ClearDispute(ctx context.Context, c store.ClearedDispute) error {
	err := s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var cleared sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT cleared_at FROM disputes WHERE id = ? AND account_id = ?`, c.ID, c.AccountID).Scan(&cleared)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("%w: account %s has no dispute %q", model.ErrInvalidInput, c.AccountID, c.ID)
		case err != nil:
			return mapErr(err)
		case cleared.Valid:
			return fmt.Errorf("%w: dispute %s was cleared already", model.ErrConflict, c.ID)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE disputes SET cleared_at = ?, cleared_by = ?, clear_reason = ? WHERE id = ?`,
			nanos(c.At), c.By, c.Reason, c.ID); err != nil {
			return mapErr(err)
		}
		return s.appendAudit(ctx, tx, c.Audit)
	})
	if err != nil {
		return fmt.Errorf("clear dispute: %w", err)
	}
	return nil
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// Anomaly alerts (store.DeskTx, store.Alerts). Every write runs under the database's one write
// lock, so a desk's count and its slot need no lock of their own.

const (
	// Every verification looks for its desk's open alert: the prepared set keeps it cheap.
	sqlDeskAlert    = `SELECT id, next_verify_at FROM desk_alerts WHERE desk = ? AND cleared_at IS NULL`
	sqlTakeDeskSlot = `UPDATE desk_alerts SET next_verify_at = ? WHERE id = ?`
	sqlForgetDesk   = `DELETE FROM desk_failures WHERE desk = ? AND at <= ?`
	sqlNoteDesk     = `INSERT INTO desk_failures (desk, at, account_id) VALUES (?, ?, ?)`
	sqlCountDesk    = `SELECT count(*), count(DISTINCT account_id) FROM desk_failures WHERE desk = ?`
	sqlRaiseAlert   = `INSERT INTO desk_alerts (id, desk, operator, role, raised_at, failures, accounts, next_verify_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`
	alertColumns = `id, desk, operator, role, raised_at, failures, accounts, next_verify_at`
)

func init() {
	writerQueries = append(writerQueries, sqlDeskAlert, sqlTakeDeskSlot, sqlForgetDesk, sqlNoteDesk, sqlCountDesk, sqlRaiseAlert)
}

func (t *holderTx) TakeDeskSlot(ctx context.Context, desk string, now time.Time, every time.Duration) (store.DeskSlot, error) {
	ctx = nocancel(ctx)
	var slot store.DeskSlot
	var next int64
	err := t.ws.txQueryRow(ctx, t.tx, sqlDeskAlert, desk).Scan(&slot.Alert, &next)
	if errors.Is(err, sql.ErrNoRows) {
		return store.DeskSlot{}, nil
	}
	if err != nil {
		return slot, fmt.Errorf("desk alert: %w", mapErr(err))
	}
	slot.Open, slot.Next = true, fromNanos(next)
	if now.Before(slot.Next) {
		return slot, nil
	}
	slot.Taken, slot.Next = true, now.Add(every).UTC()
	if _, err := t.ws.txExec(ctx, t.tx, sqlTakeDeskSlot, nanos(slot.Next), slot.Alert); err != nil {
		return slot, fmt.Errorf("desk alert: %w", mapErr(err))
	}
	return slot, nil
}

func (t *holderTx) CountDeskFailure(ctx context.Context, f store.DeskFailure) (bool, int, int, error) {
	ctx = nocancel(ctx)
	if _, err := t.ws.txExec(ctx, t.tx, sqlForgetDesk, f.Desk, nanos(f.At.Add(-f.Window))); err != nil {
		return false, 0, 0, fmt.Errorf("desk failures: %w", mapErr(err))
	}
	if _, err := t.ws.txExec(ctx, t.tx, sqlNoteDesk, f.Desk, nanos(f.At), f.AccountID); err != nil {
		return false, 0, 0, fmt.Errorf("desk failures: %w", mapErr(err))
	}
	var failures, accounts int
	if err := t.ws.txQueryRow(ctx, t.tx, sqlCountDesk, f.Desk).Scan(&failures, &accounts); err != nil {
		return false, 0, 0, fmt.Errorf("desk failures: %w", mapErr(err))
	}
	if failures < f.Failures || accounts < f.Accounts {
		return false, failures, accounts, nil
	}
	a := f.Alert
	// ON CONFLICT DO NOTHING: the desk already has an open alert (the unique index on open ones).
	res, err := t.ws.txExec(ctx, t.tx, sqlRaiseAlert, a.ID, f.Desk, a.Operator, string(a.Role), nanos(a.RaisedAt),
		failures, accounts, nanos(a.NextVerifyAt))
	if err != nil {
		return false, failures, accounts, fmt.Errorf("raise alert: %w", mapErr(err))
	}
	n, err := res.RowsAffected()
	return n == 1, failures, accounts, mapErr(err)
}

func (s *Store) OpenAlerts(ctx context.Context) ([]model.Alert, error) {
	if err := s.guard.err(); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+alertColumns+` FROM desk_alerts WHERE cleared_at IS NULL ORDER BY raised_at, id`)
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", mapErr(err))
	}
	defer rows.Close()
	out := []model.Alert{}
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("alerts: %w", mapErr(err))
	}
	return out, nil
}

func scanAlert(row interface{ Scan(...any) error }) (model.Alert, error) {
	var a model.Alert
	var raised, next int64
	if err := row.Scan(&a.ID, &a.Desk, &a.Operator, &a.Role, &raised, &a.Failures, &a.Accounts, &next); err != nil {
		return a, fmt.Errorf("alert: %w", mapErr(err))
	}
	a.RaisedAt, a.NextVerifyAt = fromNanos(raised), fromNanos(next)
	return a, nil
}

func (s *Store) ClearAlert(ctx context.Context, c store.ClearedAlert) error {
	err := s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var cleared sql.NullInt64
		var a model.Alert
		var raised, next int64
		err := tx.QueryRowContext(ctx, `SELECT `+alertColumns+`, cleared_at FROM desk_alerts WHERE id = ?`, c.ID).
			Scan(&a.ID, &a.Desk, &a.Operator, &a.Role, &raised, &a.Failures, &a.Accounts, &next, &cleared)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("%w: there is no alert %q", model.ErrInvalidInput, c.ID)
		case err != nil:
			return mapErr(err)
		case cleared.Valid:
			return fmt.Errorf("%w: alert %s was cleared already", model.ErrConflict, c.ID)
		}
		a.RaisedAt, a.NextVerifyAt = fromNanos(raised), fromNanos(next)
		if _, err := tx.ExecContext(ctx, `UPDATE desk_alerts SET cleared_at = ?, cleared_by = ?, clear_reason = ? WHERE id = ?`,
			nanos(c.At), c.By, c.Reason, c.ID); err != nil {
			return mapErr(err)
		}
		// The failures that raised it would raise it again at the desk's next wrong PIN.
		if _, err := tx.ExecContext(ctx, `DELETE FROM desk_failures WHERE desk = ?`, a.Desk); err != nil {
			return mapErr(err)
		}
		return s.appendAudit(ctx, tx, c.Audit(a))
	})
	if err != nil {
		return fmt.Errorf("clear alert: %w", err)
	}
	return nil
}

func (s *Store) AlertCounts(ctx context.Context) (open, raised int, err error) {
	if err := s.guard.err(); err != nil {
		return 0, 0, err
	}
	err = s.r.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE cleared_at IS NULL), count(*) FROM desk_alerts`).Scan(&open, &raised)
	if err != nil {
		return 0, 0, fmt.Errorf("alerts: %w", mapErr(err))
	}
	return open, raised, nil
}

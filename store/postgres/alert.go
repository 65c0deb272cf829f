package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// Anomaly alerts (store.DeskTx, store.Alerts), shared by every server on the database.
//
// Locks, in the order every transaction takes them, so none waits for another in a circle: a
// verification takes its holders' rows, then either its desk's open alert row (a slot, when the
// desk has an alert) or its desk's row in desks (counting a failure, when it has none), then its
// audit chain's head. Clearing an alert takes the desk's row, then the alert's row, then chain 0's
// head.

const alertColumns = `id, desk, operator, role, raised_at, failures, accounts, next_verify_at`

func (t *holderTx) TakeDeskSlot(ctx context.Context, desk string, now time.Time, every time.Duration) (store.DeskSlot, error) {
	var slot store.DeskSlot
	// FOR UPDATE: two servers' verifications of one slowed desk take its slot one after the other,
	// the second seeing the first's next_verify_at (READ COMMITTED re-reads the locked row).
	err := t.tx.QueryRow(ctx, `SELECT id, next_verify_at FROM desk_alerts WHERE desk = $1 AND cleared_at IS NULL FOR UPDATE`,
		desk).Scan(&slot.Alert, &slot.Next)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.DeskSlot{}, nil
	}
	if err != nil {
		return slot, fmt.Errorf("desk alert: %w", err)
	}
	slot.Open, slot.Next = true, slot.Next.UTC()
	if now.Before(slot.Next) {
		return slot, nil
	}
	slot.Taken, slot.Next = true, now.Add(every).UTC()
	if _, err := t.tx.Exec(ctx, `UPDATE desk_alerts SET next_verify_at = $1 WHERE id = $2`, slot.Next, slot.Alert); err != nil {
		return slot, fmt.Errorf("desk alert: %w", err)
	}
	return slot, nil
}

func (t *holderTx) CountDeskFailure(ctx context.Context, f store.DeskFailure) (bool, int, int, error) {
	if !storable(f.Desk, f.AccountID) {
		return false, 0, 0, fmt.Errorf("%w: desk %q", model.ErrInvalidInput, f.Desk)
	}
	// One round trip: lock the desk's row (created on its first failure), forget what left the
	// window, note this failure, count.
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO desks (desk) VALUES ($1) ON CONFLICT (desk) DO UPDATE SET desk = EXCLUDED.desk`, f.Desk)
	b.Queue(`DELETE FROM desk_failures WHERE desk = $1 AND at <= $2`, f.Desk, f.At.Add(-f.Window))
	b.Queue(`INSERT INTO desk_failures (desk, at, account_id) VALUES ($1, $2, $3)`, f.Desk, f.At, f.AccountID)
	b.Queue(`SELECT count(*), count(DISTINCT account_id) FROM desk_failures WHERE desk = $1`, f.Desk)
	br := t.tx.SendBatch(ctx, b)
	var failures, accounts int
	err := func() error {
		defer br.Close()
		for range 3 {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		if err := br.QueryRow().Scan(&failures, &accounts); err != nil {
			return err
		}
		return br.Close()
	}()
	if err != nil {
		return false, 0, 0, fmt.Errorf("desk failures: %w", err)
	}
	if failures < f.Failures || accounts < f.Accounts {
		return false, failures, accounts, nil
	}
	a := f.Alert
	// The desk's row lock is held: no other transaction is raising an alert on this desk, so
	// ON CONFLICT only ever meets an alert already open (and committed).
	tag, err := t.tx.Exec(ctx, `INSERT INTO desk_alerts (`+alertColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (desk) WHERE cleared_at IS NULL DO NOTHING`,
		a.ID, f.Desk, a.Operator, string(a.Role), a.RaisedAt, failures, accounts, a.NextVerifyAt)
	if err != nil {
		return false, failures, accounts, fmt.Errorf("raise alert: %w", err)
	}
	return tag.RowsAffected() == 1, failures, accounts, nil
}

func scanAlert(row pgx.CollectableRow) (model.Alert, error) {
	var a model.Alert
	var role string
	if err := row.Scan(&a.ID, &a.Desk, &a.Operator, &role, &a.RaisedAt, &a.Failures, &a.Accounts, &a.NextVerifyAt); err != nil {
		return a, err
	}
	a.Role, a.RaisedAt, a.NextVerifyAt = model.OperatorRole(role), a.RaisedAt.UTC(), a.NextVerifyAt.UTC()
	return a, nil
}

func (s *Store) OpenAlerts(ctx context.Context) (_ []model.Alert, err error) {
	defer mapped(&err)
	rows, err := s.pool.Query(ctx, `SELECT `+alertColumns+` FROM desk_alerts WHERE cleared_at IS NULL ORDER BY raised_at, id`)
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanAlert)
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	if out == nil {
		out = []model.Alert{}
	}
	return out, nil
}

func (s *Store) ClearAlert(ctx context.Context, c store.ClearedAlert) (err error) {
	defer mapped(&err)
	unknown := fmt.Errorf("%w: there is no alert %q", model.ErrInvalidInput, c.ID)
	if !storable(c.ID, c.By, c.Reason) {
		return unknown
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var desk string
		err := tx.QueryRow(ctx, `SELECT desk FROM desk_alerts WHERE id = $1`, c.ID).Scan(&desk)
		if errors.Is(err, pgx.ErrNoRows) {
			return unknown
		}
		if err != nil {
			return err
		}
		// The desk's row first, as a verification counting its failures takes it (see above).
		if _, err := tx.Exec(ctx, `INSERT INTO desks (desk) VALUES ($1) ON CONFLICT (desk) DO UPDATE SET desk = EXCLUDED.desk`, desk); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+alertColumns+`, cleared_at IS NOT NULL FROM desk_alerts WHERE id = $1 FOR UPDATE`, c.ID)
		if err != nil {
			return err
		}
		var cleared bool
		a, err := pgx.CollectExactlyOneRow(rows, func(row pgx.CollectableRow) (model.Alert, error) {
			var a model.Alert
			var role string
			if err := row.Scan(&a.ID, &a.Desk, &a.Operator, &role, &a.RaisedAt, &a.Failures, &a.Accounts, &a.NextVerifyAt, &cleared); err != nil {
				return a, err
			}
			a.Role, a.RaisedAt, a.NextVerifyAt = model.OperatorRole(role), a.RaisedAt.UTC(), a.NextVerifyAt.UTC()
			return a, nil
		})
		if err != nil {
			return err
		}
		if cleared {
			return fmt.Errorf("%w: alert %s was cleared already", model.ErrConflict, c.ID)
		}
		if _, err := tx.Exec(ctx, `UPDATE desk_alerts SET cleared_at = $1, cleared_by = $2, clear_reason = $3 WHERE id = $4`,
			c.At, c.By, c.Reason, c.ID); err != nil {
			return err
		}
		// The failures that raised it would raise it again at the desk's next wrong PIN.
		if _, err := tx.Exec(ctx, `DELETE FROM desk_failures WHERE desk = $1`, desk); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, c.Audit(a))
	})
	if err != nil {
		return fmt.Errorf("clear alert: %w", err)
	}
	return nil
}

func (s *Store) AlertCounts(ctx context.Context) (open, raised int, err error) {
	defer mapped(&err)
	err = s.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE cleared_at IS NULL), count(*) FROM desk_alerts`).Scan(&open, &raised)
	if err != nil {
		return 0, 0, fmt.Errorf("alerts: %w", err)
	}
	return open, raised, nil
}

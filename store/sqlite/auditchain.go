package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// SetAuditChain gives the store the function every audit append chains with.
func (s *Store) SetAuditChain(f store.ChainFunc) {
	if f == nil {
		s.chain.Store(nil)
		return
	}
	s.chain.Store(&f)
}

func (s *Store) chainFunc() store.ChainFunc {
	if p := s.chain.Load(); p != nil {
		return *p
	}
	return nil
}

// historyBatch is how many unchained rows chainHistory reads before it writes them: SQLite must
// not update a table a cursor of the same transaction is still walking, and a million rows must
// not be held in memory at once.
const historyBatch = 1000

// ChainAuditHistory chains the rows written before the chain existed, in one write transaction of
// its own.
func (s *Store) ChainAuditHistory(ctx context.Context) (int, error) {
	f := s.chainFunc()
	if f == nil {
		return 0, store.ErrNoAuditChain
	}
	n := 0
	err := s.writeTxAlone(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		_, n, err = chainHistory(ctx, tx, f)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("chain the audit history: %w", err)
	}
	return n, nil
}

// chainHistory begins the chain if the head has none yet: from the genesis value, it chains every
// row without a seq in id order, and sets the head. It returns the head and how many rows it
// chained (none when the chain had begun).
func chainHistory(ctx context.Context, tx *sql.Tx, f store.ChainFunc) (store.AuditHead, int, error) {
	var head store.AuditHead
	var t sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT seq, chain, time FROM audit_head WHERE id = 1`).Scan(&head.Seq, &head.Chain, &t); err != nil {
		return head, 0, fmt.Errorf("read the chain head: %w", mapErr(err))
	}
	if head.Chain != nil {
		return head, 0, nil
	}
	head.Seq, head.Chain = 0, f(nil, store.AuditGenesis)
	n, after := 0, int64(0)
	for {
		rows, err := tx.QueryContext(ctx, `SELECT `+chainColumns+` FROM audit WHERE seq IS NULL AND id > ? ORDER BY id LIMIT ?`, after, historyBatch)
		if err != nil {
			return head, n, mapErr(err)
		}
		var batch []store.ChainedEvent
		for rows.Next() {
			ce, err := scanChained(rows)
			if err != nil {
				rows.Close()
				return head, n, err
			}
			batch = append(batch, ce)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return head, n, mapErr(err)
		}
		if len(batch) == 0 {
			break
		}
		for _, ce := range batch {
			head.Seq++
			head.Chain = f(head.Chain, store.CanonicalAudit(nil, head.Seq, ce.AuditEvent))
			head.Time = ce.Time
			if _, err := tx.ExecContext(ctx, `UPDATE audit SET seq = ?, chain = ? WHERE id = ?`, head.Seq, head.Chain, ce.ID); err != nil {
				return head, n, mapErr(err)
			}
			n++
			after = ce.ID
		}
	}
	var at any
	if head.Seq > 0 {
		at = nanos(head.Time)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET seq = ?, chain = ?, time = ? WHERE id = 1`, head.Seq, head.Chain, at); err != nil {
		return head, n, mapErr(err)
	}
	return head, n, nil
}

// AuditHead returns the chain head.
func (s *Store) AuditHead(ctx context.Context) (store.AuditHead, error) {
	var head store.AuditHead
	if err := s.guard.err(); err != nil {
		return head, err
	}
	var t sql.NullInt64
	if err := s.r.QueryRowContext(ctx, `SELECT seq, chain, time FROM audit_head WHERE id = 1`).Scan(&head.Seq, &head.Chain, &t); err != nil {
		return head, fmt.Errorf("read the audit chain head: %w", mapErr(err))
	}
	if t.Valid {
		head.Time = fromNanos(t.Int64)
	}
	return head, nil
}

// chainColumns are what scanChained reads.
const chainColumns = `id, time, operator, role, channel, account_id, holder, caller, action, kind, outcome, attempts_left, reason, replay_of, seq, chain`

func scanChained(rows *sql.Rows) (store.ChainedEvent, error) {
	var ce store.ChainedEvent
	e := &ce.AuditEvent
	var t int64
	var left, replayOf, seq sql.NullInt64
	if err := rows.Scan(&e.ID, &t, &e.Operator, &e.Role, &e.Channel, &e.AccountID, &e.Holder, &e.Caller,
		&e.Action, &e.Kind, &e.Outcome, &left, &e.Reason, &replayOf, &seq, &ce.Chain); err != nil {
		return ce, fmt.Errorf("read audit: %w", mapErr(err))
	}
	e.Time = fromNanos(t)
	if left.Valid {
		n := int(left.Int64)
		e.AttemptsLeft = &n
	}
	if replayOf.Valid {
		e.ReplayOf = &replayOf.Int64
	}
	ce.Seq = seq.Int64
	return ce, nil
}

// ScanAudit walks the audit table in id order on one read connection: one snapshot (a WAL read
// transaction), one row in memory at a time.
func (s *Store) ScanAudit(ctx context.Context, from int64, fn func(store.ChainedEvent) error) error {
	if err := s.guard.err(); err != nil {
		return err
	}
	q, args := `SELECT `+chainColumns+` FROM audit ORDER BY id`, []any{}
	if from > 1 {
		q = `SELECT ` + chainColumns + ` FROM audit WHERE id >= (SELECT coalesce(min(id), 9223372036854775807) FROM audit WHERE seq >= ?) ORDER BY id`
		args = append(args, from)
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("read audit: %w", mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		ce, err := scanChained(rows)
		if err != nil {
			return err
		}
		if err := fn(ce); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read audit: %w", mapErr(err))
	}
	return nil
}

// rechainAudit re-chains every event under next, checking each against cur first (a history that
// does not verify is refused, not laundered under the new key), and moves the head.
func rechainAudit(ctx context.Context, tx *sql.Tx, cur, next store.ChainFunc) error {
	head, _, err := chainHistory(ctx, tx, cur)
	if err != nil {
		return err
	}
	r := store.NewRechain(cur, next)
	for after := int64(0); ; {
		rows, err := tx.QueryContext(ctx, `SELECT `+chainColumns+` FROM audit WHERE id > ? ORDER BY id LIMIT ?`, after, historyBatch)
		if err != nil {
			return mapErr(err)
		}
		var batch []store.ChainedEvent
		for rows.Next() {
			ce, err := scanChained(rows)
			if err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, ce)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return mapErr(err)
		}
		if len(batch) == 0 {
			break
		}
		for _, ce := range batch {
			c, err := r.Next(ce)
			if err != nil {
				return fmt.Errorf("%w: %w", model.ErrConflict, err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE audit SET chain = ? WHERE id = ?`, c, ce.ID); err != nil {
				return mapErr(err)
			}
			after = ce.ID
		}
	}
	if r.Seq != head.Seq {
		return fmt.Errorf("%w: %w: the head records #%d, the events end at #%d", model.ErrConflict, store.ErrChainBroken, head.Seq, r.Seq)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET chain = ? WHERE id = 1`, r.Head()); err != nil {
		return mapErr(err)
	}
	return nil
}

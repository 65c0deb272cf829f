package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

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

// historyBatch is how many unchained rows chainHistory reads, then writes in one round trip: a
// connection cannot write while it still reads, and a million rows must not be held at once.
const historyBatch = 1000

// ChainAuditHistory chains the rows written before the chain existed, in one transaction. Servers
// starting together queue on the head's lock; the first chains, the others find the chain begun.
func (s *Store) ChainAuditHistory(ctx context.Context) (n int, err error) {
	defer mapped(&err)
	f := s.chainFunc()
	if f == nil {
		return 0, store.ErrNoAuditChain
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var prev []byte
		if err := tx.QueryRow(ctx, `SELECT chain FROM audit_head WHERE id = 1 FOR UPDATE`).Scan(&prev); err != nil {
			return fmt.Errorf("lock the chain head: %w", err)
		}
		var err error
		_, n, err = chainHistory(ctx, tx, f)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("chain the audit history: %w", err)
	}
	return n, nil
}

// chainHistory begins the chain if the head (which the caller has locked) has none yet: from the
// genesis value, it chains every row without a seq in id order, and sets the head. It returns the
// head and how many rows it chained (none when the chain had begun).
func chainHistory(ctx context.Context, db dbtx, f store.ChainFunc) (store.AuditHead, int, error) {
	var head store.AuditHead
	if err := db.QueryRow(ctx, `SELECT seq, chain FROM audit_head WHERE id = 1`).Scan(&head.Seq, &head.Chain); err != nil {
		return head, 0, fmt.Errorf("read the chain head: %w", err)
	}
	if head.Chain != nil {
		return head, 0, nil
	}
	head.Seq, head.Chain = 0, f(nil, store.AuditGenesis)
	n, after := 0, int64(0)
	for {
		rows, err := db.Query(ctx, `SELECT `+chainColumns+` FROM audit WHERE seq IS NULL AND id > $1 ORDER BY id LIMIT $2`, after, historyBatch)
		if err != nil {
			return head, n, fmt.Errorf("read audit: %w", err)
		}
		batch, err := pgx.CollectRows(rows, scanChained)
		if err != nil {
			return head, n, fmt.Errorf("read audit: %w", err)
		}
		if len(batch) == 0 {
			break
		}
		b := &pgx.Batch{}
		for _, ce := range batch {
			head.Seq++
			head.Chain = f(head.Chain, store.CanonicalAudit(nil, head.Seq, ce.AuditEvent))
			head.Time = ce.Time
			b.Queue(`UPDATE audit SET seq = $1, chain = $2 WHERE id = $3`, head.Seq, head.Chain, ce.ID)
			after = ce.ID
		}
		if err := db.SendBatch(ctx, b).Close(); err != nil {
			return head, n, fmt.Errorf("chain audit: %w", err)
		}
		n += len(batch)
	}
	var at any
	if head.Seq > 0 {
		at = head.Time
	}
	if _, err := db.Exec(ctx, `UPDATE audit_head SET seq = $1, chain = $2, time = $3 WHERE id = 1`, head.Seq, head.Chain, at); err != nil {
		return head, n, fmt.Errorf("move the chain head: %w", err)
	}
	return head, n, nil
}

// AuditHead returns the chain head.
func (s *Store) AuditHead(ctx context.Context) (head store.AuditHead, err error) {
	defer mapped(&err)
	var t *time.Time
	if err := s.pool.QueryRow(ctx, `SELECT seq, chain, time FROM audit_head WHERE id = 1`).Scan(&head.Seq, &head.Chain, &t); err != nil {
		return head, fmt.Errorf("read the audit chain head: %w", err)
	}
	if t != nil {
		head.Time = t.UTC()
	}
	return head, nil
}

// chainColumns are what scanChained reads.
const chainColumns = `id, time, operator, role, channel, account_id, holder, caller, action, kind, outcome, attempts_left, reason, replay_of, seq, chain`

func scanChained(row pgx.CollectableRow) (store.ChainedEvent, error) {
	var ce store.ChainedEvent
	e := &ce.AuditEvent
	var role, channel, action, kind string
	var left *int32
	var seq *int64
	if err := row.Scan(&e.ID, &e.Time, &e.Operator, &role, &channel, &e.AccountID, &e.Holder, &e.Caller, &action, &kind,
		&e.Outcome, &left, &e.Reason, &e.ReplayOf, &seq, &ce.Chain); err != nil {
		return ce, err
	}
	e.Time = e.Time.UTC()
	e.Role, e.Channel, e.Action, e.Kind = model.OperatorRole(role), model.Channel(channel), model.Action(action), model.Kind(kind)
	if left != nil {
		v := int(*left)
		e.AttemptsLeft = &v
	}
	if seq != nil {
		ce.Seq = *seq
	}
	return ce, nil
}

// ScanAudit walks the audit table in id order in one REPEATABLE READ, read-only transaction (one
// snapshot), streaming the rows: one in memory at a time.
func (s *Store) ScanAudit(ctx context.Context, from int64, fn func(store.ChainedEvent) error) (err error) {
	defer mapped(&err)
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // read only
	q, args := `SELECT `+chainColumns+` FROM audit ORDER BY id`, []any{}
	if from > 1 {
		q = `SELECT ` + chainColumns + ` FROM audit WHERE id >= (SELECT coalesce(min(id), 9223372036854775807) FROM audit WHERE seq >= $1) ORDER BY id`
		args = append(args, from)
	}
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("read audit: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		ce, err := scanChained(rows)
		if err != nil {
			return fmt.Errorf("read audit: %w", err)
		}
		if err := fn(ce); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read audit: %w", err)
	}
	return nil
}

// rechainAudit re-chains every event under next, checking each against cur first (a history that
// does not verify is refused, not laundered under the new key), and moves the head, which it locks.
func rechainAudit(ctx context.Context, db dbtx, cur, next store.ChainFunc) error {
	if _, err := db.Exec(ctx, `SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE`); err != nil {
		return fmt.Errorf("lock the chain head: %w", err)
	}
	head, _, err := chainHistory(ctx, db, cur)
	if err != nil {
		return err
	}
	r := store.NewRechain(cur, next)
	for after := int64(0); ; {
		rows, err := db.Query(ctx, `SELECT `+chainColumns+` FROM audit WHERE id > $1 ORDER BY id LIMIT $2`, after, historyBatch)
		if err != nil {
			return fmt.Errorf("read audit: %w", err)
		}
		batch, err := pgx.CollectRows(rows, scanChained)
		if err != nil {
			return fmt.Errorf("read audit: %w", err)
		}
		if len(batch) == 0 {
			break
		}
		b := &pgx.Batch{}
		for _, ce := range batch {
			c, err := r.Next(ce)
			if err != nil {
				return fmt.Errorf("%w: %w", model.ErrConflict, err)
			}
			b.Queue(`UPDATE audit SET chain = $1 WHERE id = $2`, c, ce.ID)
			after = ce.ID
		}
		if err := db.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("re-chain audit: %w", err)
		}
	}
	if r.Seq != head.Seq {
		return fmt.Errorf("%w: %w: the head records #%d, the events end at #%d", model.ErrConflict, store.ErrChainBroken, head.Seq, r.Seq)
	}
	if _, err := db.Exec(ctx, `UPDATE audit_head SET chain = $1 WHERE id = 1`, r.Head()); err != nil {
		return fmt.Errorf("move the chain head: %w", err)
	}
	return nil
}

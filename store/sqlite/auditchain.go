package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// SetAuditChain gives the store the key every audit append chains under.
func (s *Store) SetAuditChain(k store.AuditKey) {
	if k.Func == nil {
		s.chain.Store(nil)
		return
	}
	s.chain.Store(&k)
}

func (s *Store) auditKey() store.AuditKey {
	if p := s.chain.Load(); p != nil {
		return *p
	}
	return store.AuditKey{}
}

// historyBatch is how many rows chainHistory and rechainAudit read before they write them: SQLite
// must not update a table a cursor of the same transaction is still walking, and a million rows
// must not be held in memory at once.
const historyBatch = 1000

// ChainAuditHistory chains the rows written before the chains existed, in one write transaction
// of its own.
func (s *Store) ChainAuditHistory(ctx context.Context) (int, error) {
	k := s.auditKey()
	if k.Func == nil {
		return 0, store.ErrNoAuditChain
	}
	n := 0
	err := s.writeTxAlone(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		_, n, err = chainHistory(ctx, tx, k)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("chain the audit history: %w", err)
	}
	return n, nil
}

// readHeads reads every head, in chain order.
func readHeads(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) ([]store.AuditHead, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, seq, chain, time, key_check FROM audit_head ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read the audit chain heads: %w", mapErr(err))
	}
	defer rows.Close()
	var heads []store.AuditHead
	for rows.Next() {
		var h store.AuditHead
		var t sql.NullInt64
		var check sql.NullString
		if err := rows.Scan(&h.Chain, &h.Seq, &h.Value, &t, &check); err != nil {
			return nil, fmt.Errorf("read the audit chain heads: %w", mapErr(err))
		}
		if t.Valid {
			h.Time = fromNanos(t.Int64)
		}
		h.KeyID = check.String
		heads = append(heads, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the audit chain heads: %w", mapErr(err))
	}
	if len(heads) != store.AuditChains {
		return nil, fmt.Errorf("read the audit chain heads: %d heads, want %d", len(heads), store.AuditChains)
	}
	return heads, nil
}

// batchAfter reads up to historyBatch rows with an id above after (only unchained ones when
// unchainedOnly), in id order.
func batchAfter(ctx context.Context, tx *sql.Tx, after int64, unchainedOnly bool) ([]store.ChainedEvent, error) {
	where := `id > ?`
	if unchainedOnly {
		where = `seq IS NULL AND id > ?`
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+chainColumns+` FROM audit WHERE `+where+` ORDER BY id LIMIT ?`, after, historyBatch)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var batch []store.ChainedEvent
	for rows.Next() {
		ce, err := scanChained(rows)
		if err != nil {
			return nil, err
		}
		batch = append(batch, ce)
	}
	return batch, mapErr(rows.Err())
}

// chainHistory begins the chains if they have not begun: from the genesis values, it chains every
// row without a seq, in id order, each to its account's chain, and sets every head under k. It
// returns the heads and how many rows it chained (none when the chains had begun).
func chainHistory(ctx context.Context, tx *sql.Tx, k store.AuditKey) ([]store.AuditHead, int, error) {
	heads, err := readHeads(ctx, tx)
	if err != nil {
		return nil, 0, err
	}
	if heads[0].Value != nil {
		return heads, 0, nil
	}
	for c := range heads {
		heads[c].Seq, heads[c].Value, heads[c].KeyID = 0, store.Genesis(k.Func, c), k.Check
	}
	n, after := 0, int64(0)
	for {
		batch, err := batchAfter(ctx, tx, after, true)
		if err != nil {
			return nil, n, err
		}
		if len(batch) == 0 {
			break
		}
		for _, ce := range batch {
			h := &heads[store.ChainOf(ce.AccountID)]
			h.Seq++
			h.Value = k.Func(h.Value, store.CanonicalAudit(nil, h.Chain, h.Seq, ce.AuditEvent))
			h.Time = ce.Time
			if _, err := tx.ExecContext(ctx, `UPDATE audit SET chain_id = ?, seq = ?, chain = ? WHERE id = ?`, h.Chain, h.Seq, h.Value, ce.ID); err != nil {
				return nil, n, mapErr(err)
			}
			n++
			after = ce.ID
		}
	}
	for _, h := range heads {
		var at any
		if h.Seq > 0 {
			at = nanos(h.Time)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET seq = ?, chain = ?, time = ?, key_check = ? WHERE id = ?`, h.Seq, h.Value, at, h.KeyID, h.Chain); err != nil {
			return nil, n, mapErr(err)
		}
	}
	return heads, n, nil
}

// AuditHeads returns every chain's head.
func (s *Store) AuditHeads(ctx context.Context) ([]store.AuditHead, error) {
	if err := s.guard.err(); err != nil {
		return nil, err
	}
	return readHeads(ctx, s.r)
}

// AuditAnchors returns each chain's last chained event below before, walking the chain's index
// (chain_id, seq) backwards from its end: seq and id rise together within a chain.
func (s *Store) AuditAnchors(ctx context.Context, before int64) ([]store.AuditHead, error) {
	if err := s.guard.err(); err != nil {
		return nil, err
	}
	out := make([]store.AuditHead, store.AuditChains)
	for c := range out {
		out[c].Chain = c
		err := s.r.QueryRowContext(ctx, `SELECT id, seq, chain FROM audit WHERE chain_id = ? AND seq IS NOT NULL AND id < ? ORDER BY seq DESC LIMIT 1`, c, before).
			Scan(&out[c].EventID, &out[c].Seq, &out[c].Value)
		if err != nil && err != sql.ErrNoRows {
			return nil, fmt.Errorf("read the audit chain anchors: %w", mapErr(err))
		}
	}
	return out, nil
}

// chainColumns are what scanChained reads.
const chainColumns = `id, time, operator, role, channel, account_id, holder, caller, action, kind, outcome, attempts_left, reason, replay_of, chain_id, seq, chain,
	approver, request_id, ticket, session`

func scanChained(rows *sql.Rows) (store.ChainedEvent, error) {
	var ce store.ChainedEvent
	e := &ce.AuditEvent
	var t int64
	var left, replayOf, chainID, seq, request sql.NullInt64
	if err := rows.Scan(&e.ID, &t, &e.Operator, &e.Role, &e.Channel, &e.AccountID, &e.Holder, &e.Caller,
		&e.Action, &e.Kind, &e.Outcome, &left, &e.Reason, &replayOf, &chainID, &seq, &ce.Chain, &e.Approver, &request, &e.Ticket, &e.Session); err != nil {
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
	ce.ChainID, ce.Seq = int(chainID.Int64), seq.Int64
	e.Request = request.Int64
	return ce, nil
}

// ScanAudit walks the audit table in id order on one read connection: one snapshot (a WAL read
// transaction), one row in memory at a time.
func (s *Store) ScanAudit(ctx context.Context, after int64, fn func(store.ChainedEvent) error) error {
	if err := s.guard.err(); err != nil {
		return err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+chainColumns+` FROM audit WHERE id > ? ORDER BY id`, after)
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
// does not verify is refused, not laundered under the new key), and moves every head, recording
// next's key.
func rechainAudit(ctx context.Context, tx *sql.Tx, cur, next store.AuditKey) error {
	heads, _, err := chainHistory(ctx, tx, cur)
	if err != nil {
		return err
	}
	r := store.NewRechain(cur.Func, next.Func)
	for after := int64(0); ; {
		batch, err := batchAfter(ctx, tx, after, false)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		for _, ce := range batch {
			v, err := r.Next(ce)
			if err != nil {
				return fmt.Errorf("%w: %w", model.ErrConflict, err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE audit SET chain = ? WHERE id = ?`, v, ce.ID); err != nil {
				return mapErr(err)
			}
			after = ce.ID
		}
	}
	if err := r.Check(heads); err != nil {
		return fmt.Errorf("%w: %w", model.ErrConflict, err)
	}
	for c := range heads {
		if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET chain = ?, key_check = ? WHERE id = ?`, r.Head(c), next.Check, c); err != nil {
			return mapErr(err)
		}
	}
	return nil
}

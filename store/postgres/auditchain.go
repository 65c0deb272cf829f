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

// historyBatch is how many rows chainHistory and rechainAudit read, then write in one round trip:
// a connection cannot write while it still reads, and a million rows must not be held at once.
const historyBatch = 1000

// ChainAuditHistory chains the rows written before the chains existed, in one transaction.
// Servers starting together queue on the heads' locks; the first chains, the others find the
// chains begun.
func (s *Store) ChainAuditHistory(ctx context.Context) (n int, err error) {
	defer mapped(&err)
	k := s.auditKey()
	if k.Func == nil {
		return 0, store.ErrNoAuditChain
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		_, n, err = chainHistory(ctx, tx, k)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("chain the audit history: %w", err)
	}
	return n, nil
}

// headsForUpdate locks and reads every head, in chain order.
func headsForUpdate(ctx context.Context, db dbtx) ([]store.AuditHead, error) {
	rows, err := db.Query(ctx, `SELECT id, seq, chain, time, key_check FROM audit_head ORDER BY id FOR UPDATE`)
	if err != nil {
		return nil, fmt.Errorf("lock the audit chain heads: %w", err)
	}
	return collectHeads(rows)
}

func collectHeads(rows pgx.Rows) ([]store.AuditHead, error) {
	heads, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.AuditHead, error) {
		var h store.AuditHead
		var t *time.Time
		var check *string
		if err := row.Scan(&h.Chain, &h.Seq, &h.Value, &t, &check); err != nil {
			return h, err
		}
		if t != nil {
			h.Time = t.UTC()
		}
		if check != nil {
			h.KeyID = *check
		}
		return h, nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the audit chain heads: %w", err)
	}
	if len(heads) != store.AuditChains {
		return nil, fmt.Errorf("read the audit chain heads: %d heads, want %d", len(heads), store.AuditChains)
	}
	return heads, nil
}

// batchAfter reads up to historyBatch rows with an id above after (only unchained ones when
// unchainedOnly), in id order.
func batchAfter(ctx context.Context, db dbtx, after int64, unchainedOnly bool) ([]store.ChainedEvent, error) {
	where := `id > $1`
	if unchainedOnly {
		where = `seq IS NULL AND id > $1`
	}
	rows, err := db.Query(ctx, `SELECT `+chainColumns+` FROM audit WHERE `+where+` ORDER BY id LIMIT $2`, after, historyBatch)
	if err != nil {
		return nil, fmt.Errorf("read audit: %w", err)
	}
	batch, err := pgx.CollectRows(rows, scanChained)
	if err != nil {
		return nil, fmt.Errorf("read audit: %w", err)
	}
	return batch, nil
}

// chainHistory locks every head and, if the chains have not begun, chains from the genesis values
// every row without a seq, in id order, each to its account's chain, and sets every head under k.
// It returns the heads and how many rows it chained (none when the chains had begun).
func chainHistory(ctx context.Context, db dbtx, k store.AuditKey) ([]store.AuditHead, int, error) {
	heads, err := headsForUpdate(ctx, db)
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
		batch, err := batchAfter(ctx, db, after, true)
		if err != nil {
			return nil, n, err
		}
		if len(batch) == 0 {
			break
		}
		b := &pgx.Batch{}
		for _, ce := range batch {
			h := &heads[store.ChainOf(ce.AccountID)]
			h.Seq++
			h.Value = k.Func(h.Value, store.CanonicalAudit(nil, h.Chain, h.Seq, ce.AuditEvent))
			h.Time = ce.Time
			b.Queue(`UPDATE audit SET chain_id = $1, seq = $2, chain = $3 WHERE id = $4`, h.Chain, h.Seq, h.Value, ce.ID)
			after = ce.ID
		}
		if err := db.SendBatch(ctx, b).Close(); err != nil {
			return nil, n, fmt.Errorf("chain audit: %w", err)
		}
		n += len(batch)
	}
	b := &pgx.Batch{}
	for _, h := range heads {
		var at any
		if h.Seq > 0 {
			at = h.Time
		}
		b.Queue(`UPDATE audit_head SET seq = $1, chain = $2, time = $3, key_check = $4 WHERE id = $5`, h.Seq, h.Value, at, h.KeyID, h.Chain)
	}
	if err := db.SendBatch(ctx, b).Close(); err != nil {
		return nil, n, fmt.Errorf("move the chain heads: %w", err)
	}
	return heads, n, nil
}

// AuditHeads returns every chain's head.
func (s *Store) AuditHeads(ctx context.Context) (heads []store.AuditHead, err error) {
	defer mapped(&err)
	rows, err := s.pool.Query(ctx, `SELECT id, seq, chain, time, key_check FROM audit_head ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read the audit chain heads: %w", err)
	}
	return collectHeads(rows)
}

// AuditAnchors returns each chain's last chained event below before, walking the chain's index
// (chain_id, seq) backwards from its end: seq and id rise together within a chain. One round trip.
func (s *Store) AuditAnchors(ctx context.Context, before int64) (_ []store.AuditHead, err error) {
	defer mapped(&err)
	out := make([]store.AuditHead, store.AuditChains)
	b := &pgx.Batch{}
	for c := range out {
		out[c].Chain = c
		b.Queue(`SELECT id, seq, chain FROM audit WHERE chain_id = $1 AND seq IS NOT NULL AND id < $2 ORDER BY seq DESC LIMIT 1`, c, before).
			QueryRow(func(row pgx.Row) error {
				err := row.Scan(&out[c].EventID, &out[c].Seq, &out[c].Value)
				if errors.Is(err, pgx.ErrNoRows) {
					return nil
				}
				return err
			})
	}
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("read the audit chain anchors: %w", err)
	}
	return out, nil
}

// chainColumns are what scanChained reads.
const chainColumns = `id, time, operator, role, channel, account_id, holder, caller, action, kind, outcome, attempts_left, reason, replay_of, chain_id, seq, chain,
	approver, request_id, ticket, session`

func scanChained(row pgx.CollectableRow) (store.ChainedEvent, error) {
	var ce store.ChainedEvent
	e := &ce.AuditEvent
	var role, channel, action, kind string
	var left *int32
	var chainID *int16
	var seq, request *int64
	if err := row.Scan(&e.ID, &e.Time, &e.Operator, &role, &channel, &e.AccountID, &e.Holder, &e.Caller, &action, &kind,
		&e.Outcome, &left, &e.Reason, &e.ReplayOf, &chainID, &seq, &ce.Chain, &e.Approver, &request, &e.Ticket, &e.Session); err != nil {
		return ce, err
	}
	if request != nil {
		e.Request = *request
	}
	e.Time = e.Time.UTC()
	e.Role, e.Channel, e.Action, e.Kind = model.OperatorRole(role), model.Channel(channel), model.Action(action), model.Kind(kind)
	if left != nil {
		v := int(*left)
		e.AttemptsLeft = &v
	}
	if chainID != nil {
		ce.ChainID = int(*chainID)
	}
	if seq != nil {
		ce.Seq = *seq
	}
	return ce, nil
}

// ScanAudit walks the audit table in id order in one REPEATABLE READ, read-only transaction (one
// snapshot), streaming the rows: one in memory at a time.
func (s *Store) ScanAudit(ctx context.Context, after int64, fn func(store.ChainedEvent) error) (err error) {
	defer mapped(&err)
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // read only
	rows, err := tx.Query(ctx, `SELECT `+chainColumns+` FROM audit WHERE id > $1 ORDER BY id`, after)
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
// does not verify is refused, not laundered under the new key), and moves every head, which it
// locks, recording next's key.
func rechainAudit(ctx context.Context, db dbtx, cur, next store.AuditKey) error {
	heads, _, err := chainHistory(ctx, db, cur)
	if err != nil {
		return err
	}
	r := store.NewRechain(cur.Func, next.Func)
	for after := int64(0); ; {
		batch, err := batchAfter(ctx, db, after, false)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		b := &pgx.Batch{}
		for _, ce := range batch {
			v, err := r.Next(ce)
			if err != nil {
				return fmt.Errorf("%w: %w", model.ErrConflict, err)
			}
			b.Queue(`UPDATE audit SET chain = $1 WHERE id = $2`, v, ce.ID)
			after = ce.ID
		}
		if err := db.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("re-chain audit: %w", err)
		}
	}
	if err := r.Check(heads); err != nil {
		return fmt.Errorf("%w: %w", model.ErrConflict, err)
	}
	b := &pgx.Batch{}
	for c := range heads {
		b.Queue(`UPDATE audit_head SET chain = $1, key_check = $2 WHERE id = $3`, r.Head(c), next.Check, c)
	}
	if err := db.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("move the chain heads: %w", err)
	}
	return nil
}

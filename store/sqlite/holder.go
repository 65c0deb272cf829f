package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// UpdateHolder runs fn with the database write lock held (BEGIN IMMEDIATE), so no other write of
// any process sharing the file runs beside it; it may share its transaction with the writes queued
// with it (group commit, see the package doc), inside a savepoint of its own, and returns after
// that transaction commits. The holder's row is created when absent; a holder that names no
// contact of the account is refused.
func (s *Store) UpdateHolder(ctx context.Context, ref model.HolderRef, fn func(store.HolderTx) error) error {
	return s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		h, err := lockHolder(ctx, tx, s.ws, ref)
		if err != nil {
			return err
		}
		return fn(&holderTx{s: s, tx: tx, ws: s.ws, h: h})
	})
}

// UpdateHolders is UpdateHolder for several holders in one write: the database write lock covers
// them all, so their order matters to no other write; they are still loaded in store.LockOrder.
func (s *Store) UpdateHolders(ctx context.Context, refs []model.HolderRef, fn func([]store.HolderTx) error) error {
	order, err := store.LockOrder(refs)
	if err != nil {
		return err
	}
	return s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		txs := make([]store.HolderTx, len(refs))
		for _, i := range order {
			h, err := lockHolder(ctx, tx, s.ws, refs[i])
			if err != nil {
				return err
			}
			txs[i] = &holderTx{s: s, tx: tx, ws: s.ws, h: h}
		}
		return fn(txs)
	})
}

// lockHolder loads the holder's row and its PIN rows, creating the row first when it is absent and
// the account and contact exist. The row is looked for before the insert is tried: almost every
// call finds it, and the write lock (held since BEGIN IMMEDIATE) means nobody can add it between.
func lockHolder(ctx context.Context, tx *sql.Tx, ws stmts, ref model.HolderRef) (store.Holder, error) {
	h := store.Holder{Ref: ref}
	var locked, hard sql.NullInt64
	err := ws.txQueryRow(ctx, tx, sqlSelectHolder, ref.AccountID, ref.ContactID).Scan(&h.Failures, &locked, &hard)
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := ws.txExec(ctx, tx, sqlInsertHolder, ref.AccountID, ref.ContactID); err != nil {
			return h, mapErr(err)
		}
		err = ws.txQueryRow(ctx, tx, sqlSelectHolder, ref.AccountID, ref.ContactID).Scan(&h.Failures, &locked, &hard)
	}
	if errors.Is(err, sql.ErrNoRows) {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM accounts WHERE id = ?`, ref.AccountID).Scan(&n); err != nil {
			return h, mapErr(err)
		}
		if n == 0 {
			return h, fmt.Errorf("%w: %q", model.ErrUnknownAccount, ref.AccountID)
		}
		return h, fmt.Errorf("%w: account %q has no contact %q", model.ErrUnknownHolder, ref.AccountID, ref.ContactID)
	}
	if err != nil {
		return h, mapErr(err)
	}
	h.LockedSince, h.HardLockedAt = fromNull(locked), fromNull(hard)
	rows, err := ws.txQuery(ctx, tx, sqlHolderPINs, ref.AccountID, ref.ContactID)
	if err != nil {
		return h, mapErr(err)
	}
	pins, err := scanPINs(rows)
	if err != nil {
		return h, err
	}
	h.PINs = pins[ref.ContactID]
	return h, nil
}

// scanPINs reads pin rows (holder_id, kind, sealed, previous, created_at, expires_at, spent_at),
// grouped by holder.
func scanPINs(rows *sql.Rows) (map[string][]store.SealedPIN, error) {
	defer rows.Close()
	out := map[string][]store.SealedPIN{}
	for rows.Next() {
		var holder string
		var p store.SealedPIN
		var created int64
		var expires, spent sql.NullInt64
		if err := rows.Scan(&holder, &p.Kind, &p.Sealed, &p.Previous, &created, &expires, &spent); err != nil {
			return nil, mapErr(err)
		}
		p.CreatedAt, p.ExpiresAt, p.SpentAt = fromNanos(created), fromNull(expires), fromNull(spent)
		out[holder] = append(out[holder], p)
	}
	return out, mapErr(rows.Err())
}

// holderTx is one holder's transaction. Every statement names the holder by its key, so nothing
// done through it can touch another holder.
type holderTx struct {
	s     *Store
	tx    *sql.Tx
	ws    stmts
	h     store.Holder
	claim *claim // the key this transaction claimed, written with its answer by SaveIdempotent
}

// claim is an idempotency key found free, held until its answer is saved.
type claim struct {
	key          store.IdempotencyKey
	fingerprint  []byte
	now, expires time.Time
}

func (t *holderTx) Holder() store.Holder { return t.h }

// AddFailure counts a failure in one statement: the increment and the lock are computed by SQLite
// from the row as it stands, never from a value read earlier. A lock already set keeps its time.
func (t *holderTx) AddFailure(ctx context.Context, max int, now time.Time) (int, *time.Time, error) {
	var failures int
	var locked sql.NullInt64
	err := t.ws.txQueryRow(nocancel(ctx), t.tx, sqlAddFailure,
		max, nanos(now), t.h.Ref.AccountID, t.h.Ref.ContactID).Scan(&failures, &locked)
	if err != nil {
		return 0, nil, fmt.Errorf("count failure: %w", mapErr(err))
	}
	return failures, fromNull(locked), nil
}

func (t *holderTx) ResetFailures(ctx context.Context) error {
	res, err := t.ws.txExec(nocancel(ctx), t.tx, sqlResetFailures, t.h.Ref.AccountID, t.h.Ref.ContactID)
	if err != nil {
		return fmt.Errorf("reset failures: %w", mapErr(err))
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("reset failures: %w", model.ErrLocked)
	}
	return nil
}

func (t *holderTx) Unlock(ctx context.Context) error {
	_, err := t.ws.txExec(nocancel(ctx), t.tx, sqlUnlock, t.h.Ref.AccountID, t.h.Ref.ContactID)
	if err != nil {
		return fmt.Errorf("unlock: %w", mapErr(err))
	}
	return nil
}

// RecordFailure keeps the rolling window as rows: forget those that aged out, note this one, count
// what is left. The write lock held since BEGIN IMMEDIATE makes the count exact.
func (t *holderTx) RecordFailure(ctx context.Context, now time.Time, window time.Duration, hardLockAt int) (int, *time.Time, *time.Time, error) {
	ctx = nocancel(ctx)
	a, c := t.h.Ref.AccountID, t.h.Ref.ContactID
	if _, err := t.ws.txExec(ctx, t.tx, sqlForgetFailures, a, c, nanos(now.Add(-window))); err != nil {
		return 0, nil, nil, fmt.Errorf("rolling window: %w", mapErr(err))
	}
	if _, err := t.ws.txExec(ctx, t.tx, sqlNoteFailure, a, c, nanos(now)); err != nil {
		return 0, nil, nil, fmt.Errorf("rolling window: %w", mapErr(err))
	}
	var recent int
	if err := t.ws.txQueryRow(ctx, t.tx, sqlCountFailures, a, c).Scan(&recent); err != nil {
		return 0, nil, nil, fmt.Errorf("rolling window: %w", mapErr(err))
	}
	var locked, hard sql.NullInt64
	if err := t.ws.txQueryRow(ctx, t.tx, sqlHardLock, recent >= hardLockAt, nanos(now), a, c).Scan(&locked, &hard); err != nil {
		return 0, nil, nil, fmt.Errorf("hard lock: %w", mapErr(err))
	}
	return recent, fromNull(locked), fromNull(hard), nil
}

func (t *holderTx) ClearHardLock(ctx context.Context) error {
	ctx = nocancel(ctx)
	a, c := t.h.Ref.AccountID, t.h.Ref.ContactID
	if _, err := t.ws.txExec(ctx, t.tx, sqlClearHardLock, a, c); err != nil {
		return fmt.Errorf("clear hard lock: %w", mapErr(err))
	}
	if _, err := t.ws.txExec(ctx, t.tx, sqlClearFailures, a, c); err != nil {
		return fmt.Errorf("clear hard lock: %w", mapErr(err))
	}
	return nil
}

// PutPIN replaces the kind's PIN. The one it replaces becomes previous; when the kind was cleared,
// the cleared PIN stays previous.
func (t *holderTx) PutPIN(ctx context.Context, p store.SealedPIN) error {
	if p.Sealed == nil {
		return fmt.Errorf("%w: store PIN: nothing sealed", model.ErrInvalidInput)
	}
	_, err := t.ws.txExec(nocancel(ctx), t.tx, sqlPutPIN,
		t.h.Ref.AccountID, t.h.Ref.ContactID, string(p.Kind), p.Sealed, nanos(p.CreatedAt), nullNanos(p.ExpiresAt), nullNanos(p.SpentAt))
	if err != nil {
		return fmt.Errorf("store PIN: %w", mapErr(err))
	}
	return nil
}

func (t *holderTx) ClearPIN(ctx context.Context, kind model.Kind) (bool, error) {
	res, err := t.ws.txExec(nocancel(ctx), t.tx, sqlClearPIN,
		t.h.Ref.AccountID, t.h.Ref.ContactID, string(kind))
	if err != nil {
		return false, fmt.Errorf("clear PIN: %w", mapErr(err))
	}
	n, err := res.RowsAffected()
	return n > 0, mapErr(err)
}

func (t *holderTx) SpendPIN(ctx context.Context, kind model.Kind, now time.Time) error {
	res, err := t.ws.txExec(nocancel(ctx), t.tx, sqlSpendPIN,
		nanos(now), t.h.Ref.AccountID, t.h.Ref.ContactID, string(kind))
	if err != nil {
		return fmt.Errorf("spend PIN: %w", mapErr(err))
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("spend PIN: %w: no unspent %s PIN", model.ErrNoSuchPIN, kind)
	}
	return nil
}

// ClaimIdempotent inserts the key unanswered, or takes over a row expired at now; a live row is
// read back instead. The database write lock is held, so no other claim runs between. Keys
// expired at now are swept on the way (an index range that is almost always empty).
// ClaimIdempotent reads the key. SQLite needs no claim row: the transaction holds the database's
// one write lock from before this read until after its commit, so no other request (in this
// process's batch, or another process) can claim the key in between; SaveIdempotent writes the
// key with its answer. One statement fewer per verification than inserting a claim and then
// updating it with the answer.
func (t *holderTx) ClaimIdempotent(ctx context.Context, key store.IdempotencyKey, fingerprint []byte, now, expires time.Time) (store.Idempotent, bool, error) {
	var v store.Idempotent
	var result sql.NullString
	var event sql.NullInt64
	err := t.ws.txQueryRow(nocancel(ctx), t.tx, sqlIdempotent, key.Scope, key.Key, nanos(now)).Scan(&v.Fingerprint, &result, &event)
	if errors.Is(err, sql.ErrNoRows) {
		t.claim = &claim{key: key, fingerprint: fingerprint, now: now, expires: expires}
		return v, false, nil
	}
	if err != nil {
		return v, false, fmt.Errorf("idempotency key: %w", mapErr(err))
	}
	if result.Valid {
		if err := json.Unmarshal([]byte(result.String), &v.Result); err != nil {
			return v, false, fmt.Errorf("idempotency key: stored answer: %w", err)
		}
		v.Answered, v.EventID = true, event.Int64
	}
	return v, true, nil
}

// SaveIdempotent writes the claimed key with its answer, forgetting expired keys on the way (an
// index range on expires_at; at most the keys that expired since the last save).
func (t *holderTx) SaveIdempotent(ctx context.Context, key store.IdempotencyKey, r model.VerifyResult, eventID int64) error {
	c := t.claim
	if c == nil || c.key != key {
		return fmt.Errorf("idempotency key %q: saved without being claimed in this transaction", key.Key)
	}
	result, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("idempotency key: %w", err)
	}
	ctx = nocancel(ctx)
	if _, err := t.ws.txExec(ctx, t.tx, sqlSweepIdempotent, nanos(c.now)); err != nil {
		return fmt.Errorf("idempotency key: %w", mapErr(err))
	}
	if _, err := t.ws.txExec(ctx, t.tx, sqlSaveIdempotent, key.Scope, key.Key, c.fingerprint,
		t.h.Ref.AccountID, t.h.Ref.ContactID, nanos(c.now), nanos(c.expires), string(result), eventID); err != nil {
		return fmt.Errorf("idempotency key: %w", mapErr(err))
	}
	return nil
}

func (t *holderTx) ForgetIdempotent(ctx context.Context, keep store.IdempotencyKey) error {
	_, err := t.ws.txExec(nocancel(ctx), t.tx, sqlForgetIdempotent, t.h.Ref.AccountID, t.h.Ref.ContactID, keep.Scope, keep.Key)
	if err != nil {
		return fmt.Errorf("forget idempotency keys: %w", mapErr(err))
	}
	return nil
}

func (t *holderTx) AppendAuditID(ctx context.Context, e model.AuditEvent) (int64, error) {
	return t.s.appendAuditID(nocancel(ctx), t.tx, e)
}

func (t *holderTx) AppendAudit(ctx context.Context, e model.AuditEvent) error {
	return t.s.appendAudit(nocancel(ctx), t.tx, e)
}

// nocancel drops the cancellation of the context a caller hands a HolderTx method: the statement
// runs inside a transaction shared by other writes (group commit), and an interrupted statement
// could make SQLite roll back all of it. The caller's write is already running and runs to its end.
func nocancel(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

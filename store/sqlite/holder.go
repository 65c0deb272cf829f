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

// IdempotencyTTL is how long an idempotency key is remembered. A client retries within seconds;
// a day bounds the table without ever forgetting a key a retry could still send.
const IdempotencyTTL = 24 * time.Hour

// UpdateHolder runs fn with the database write lock held (BEGIN IMMEDIATE), so no other write of
// any process sharing the file runs beside it; it may share its transaction with the writes queued
// with it (group commit, see the package doc), inside a savepoint of its own, and returns after
// that transaction commits. The holder's row is created when absent; a holder that names no
// contact of the account is refused.
func (s *Store) UpdateHolder(ctx context.Context, ref model.HolderRef, fn func(store.HolderTx) error) error {
	return s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		h, err := lockHolder(ctx, tx, ref)
		if err != nil {
			return err
		}
		return fn(&holderTx{tx: tx, h: h})
	})
}

// lockHolder creates the holder's row when the account and contact exist, then loads it and its
// PIN rows.
func lockHolder(ctx context.Context, tx *sql.Tx, ref model.HolderRef) (store.Holder, error) {
	_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO holders (account_id, holder_id)
		SELECT ?1, ?2 WHERE EXISTS (SELECT 1 FROM accounts WHERE id = ?1)
		AND (?2 = 'account' OR EXISTS (SELECT 1 FROM contacts WHERE account_id = ?1 AND id = ?2))`,
		ref.AccountID, ref.ContactID)
	if err != nil {
		return store.Holder{}, mapErr(err)
	}
	h := store.Holder{Ref: ref}
	var locked sql.NullInt64
	err = tx.QueryRowContext(ctx, `SELECT failures, locked_at FROM holders WHERE account_id = ? AND holder_id = ?`,
		ref.AccountID, ref.ContactID).Scan(&h.Failures, &locked)
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
	h.LockedSince = fromNull(locked)
	rows, err := tx.QueryContext(ctx, `SELECT holder_id, kind, sealed, previous, created_at, expires_at, spent_at
		FROM pins WHERE account_id = ? AND holder_id = ? ORDER BY kind`, ref.AccountID, ref.ContactID)
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
	tx *sql.Tx
	h  store.Holder
}

func (t *holderTx) Holder() store.Holder { return t.h }

// AddFailure counts a failure in one statement: the increment and the lock are computed by SQLite
// from the row as it stands, never from a value read earlier. A lock already set keeps its time.
func (t *holderTx) AddFailure(ctx context.Context, max int, now time.Time) (int, *time.Time, error) {
	var failures int
	var locked sql.NullInt64
	err := t.tx.QueryRowContext(nocancel(ctx), `UPDATE holders
		SET failures = failures + 1,
		    locked_at = CASE WHEN locked_at IS NULL AND failures + 1 >= ?1 THEN ?2 ELSE locked_at END
		WHERE account_id = ?3 AND holder_id = ?4
		RETURNING failures, locked_at`,
		max, nanos(now), t.h.Ref.AccountID, t.h.Ref.ContactID).Scan(&failures, &locked)
	if err != nil {
		return 0, nil, fmt.Errorf("count failure: %w", mapErr(err))
	}
	return failures, fromNull(locked), nil
}

func (t *holderTx) ResetFailures(ctx context.Context) error {
	res, err := t.tx.ExecContext(nocancel(ctx), `UPDATE holders SET failures = 0
		WHERE account_id = ? AND holder_id = ? AND locked_at IS NULL`, t.h.Ref.AccountID, t.h.Ref.ContactID)
	if err != nil {
		return fmt.Errorf("reset failures: %w", mapErr(err))
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("reset failures: %w", model.ErrLocked)
	}
	return nil
}

func (t *holderTx) Unlock(ctx context.Context) error {
	_, err := t.tx.ExecContext(nocancel(ctx), `UPDATE holders SET failures = 0, locked_at = NULL
		WHERE account_id = ? AND holder_id = ?`, t.h.Ref.AccountID, t.h.Ref.ContactID)
	if err != nil {
		return fmt.Errorf("unlock: %w", mapErr(err))
	}
	return nil
}

// PutPIN replaces the kind's PIN. The one it replaces becomes previous; when the kind was cleared,
// the cleared PIN stays previous.
func (t *holderTx) PutPIN(ctx context.Context, p store.SealedPIN) error {
	if p.Sealed == nil {
		return fmt.Errorf("%w: store PIN: nothing sealed", model.ErrInvalidInput)
	}
	_, err := t.tx.ExecContext(nocancel(ctx), `INSERT INTO pins (account_id, holder_id, kind, sealed, previous, created_at, expires_at, spent_at)
		VALUES (?1, ?2, ?3, ?4, NULL, ?5, ?6, ?7)
		ON CONFLICT (account_id, holder_id, kind) DO UPDATE SET
			previous = coalesce(pins.sealed, pins.previous),
			sealed = excluded.sealed, created_at = excluded.created_at,
			expires_at = excluded.expires_at, spent_at = excluded.spent_at`,
		t.h.Ref.AccountID, t.h.Ref.ContactID, string(p.Kind), p.Sealed, nanos(p.CreatedAt), nullNanos(p.ExpiresAt), nullNanos(p.SpentAt))
	if err != nil {
		return fmt.Errorf("store PIN: %w", mapErr(err))
	}
	return nil
}

func (t *holderTx) ClearPIN(ctx context.Context, kind model.Kind) (bool, error) {
	res, err := t.tx.ExecContext(nocancel(ctx), `UPDATE pins SET previous = sealed, sealed = NULL
		WHERE account_id = ? AND holder_id = ? AND kind = ? AND sealed IS NOT NULL`,
		t.h.Ref.AccountID, t.h.Ref.ContactID, string(kind))
	if err != nil {
		return false, fmt.Errorf("clear PIN: %w", mapErr(err))
	}
	n, err := res.RowsAffected()
	return n > 0, mapErr(err)
}

func (t *holderTx) SpendPIN(ctx context.Context, kind model.Kind, now time.Time) error {
	res, err := t.tx.ExecContext(nocancel(ctx), `UPDATE pins SET spent_at = ?
		WHERE account_id = ? AND holder_id = ? AND kind = ? AND sealed IS NOT NULL AND spent_at IS NULL`,
		nanos(now), t.h.Ref.AccountID, t.h.Ref.ContactID, string(kind))
	if err != nil {
		return fmt.Errorf("spend PIN: %w", mapErr(err))
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("spend PIN: %w: no unspent %s PIN", model.ErrNoSuchPIN, kind)
	}
	return nil
}

func (t *holderTx) Idempotent(ctx context.Context, key string) (store.Idempotent, bool, error) {
	var v store.Idempotent
	var result string
	err := t.tx.QueryRowContext(nocancel(ctx), `SELECT fingerprint, result FROM idempotency WHERE key = ?`, key).Scan(&v.Fingerprint, &result)
	if errors.Is(err, sql.ErrNoRows) {
		return v, false, nil
	}
	if err != nil {
		return v, false, fmt.Errorf("idempotency key: %w", mapErr(err))
	}
	if err := json.Unmarshal([]byte(result), &v.Result); err != nil {
		return v, false, fmt.Errorf("idempotency key: stored answer: %w", err)
	}
	return v, true, nil
}

// SaveIdempotent stores the answer, and forgets keys older than IdempotencyTTL on the way (an index
// range that is almost always empty).
func (t *holderTx) SaveIdempotent(ctx context.Context, key string, v store.Idempotent, now time.Time) error {
	result, err := json.Marshal(v.Result)
	if err != nil {
		return fmt.Errorf("idempotency key: %w", err)
	}
	if _, err := t.tx.ExecContext(nocancel(ctx), `DELETE FROM idempotency WHERE created_at < ?`, nanos(now.Add(-IdempotencyTTL))); err != nil {
		return fmt.Errorf("idempotency key: %w", mapErr(err))
	}
	_, err = t.tx.ExecContext(nocancel(ctx), `INSERT INTO idempotency (key, fingerprint, result, created_at) VALUES (?, ?, ?, ?)`,
		key, v.Fingerprint, string(result), nanos(now))
	if isUnique(err) {
		return fmt.Errorf("%w: idempotency key already used", model.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("idempotency key: %w", mapErr(err))
	}
	return nil
}

func (t *holderTx) AppendAudit(ctx context.Context, e model.AuditEvent) error {
	return appendAudit(nocancel(ctx), t.tx, e)
}

// nocancel drops the cancellation of the context a caller hands a HolderTx method: the statement
// runs inside a transaction shared by other writes (group commit), and an interrupted statement
// could make SQLite roll back all of it. The caller's write is already running and runs to its end.
func nocancel(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

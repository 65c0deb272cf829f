package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// UpdateHolder runs fn in one READ COMMITTED transaction holding the holder's row lock. The row is
// created first when absent and the account and contact exist (INSERT … ON CONFLICT DO NOTHING: a
// concurrent creator waits for the other's insert rather than failing), then locked with
// SELECT … FOR UPDATE, which every UpdateHolder of the holder on every server sharing the database
// takes: they run one at a time, each seeing what the one before committed. The commit has
// returned, WAL flushed, before UpdateHolder does.
//
// A verification is a handful of round trips, each a wait on a busy floor, so BEGIN travels in
// one batch with the insert, the lock and the PIN load: the transaction is begun on the connection
// rather than through pgx.Tx, and ended here by COMMIT or, on any error or panic, ROLLBACK.
func (s *Store) UpdateHolder(ctx context.Context, ref model.HolderRef, fn func(store.HolderTx) error) (err error) {
	defer mapped(&err)
	return retry(ctx, func() error { return s.updateHolderOnce(ctx, ref, fn) })
}

func (s *Store) updateHolderOnce(ctx context.Context, ref model.HolderRef, fn func(store.HolderTx) error) error {
	return s.updateHoldersOnce(ctx, []model.HolderRef{ref}, []int{0}, func(txs []store.HolderTx) error { return fn(txs[0]) })
}

// UpdateHolders is UpdateHolder for several holders of one account in one transaction: each row is
// locked in store.LockOrder (the order ResetAccount locks them in too), so two transactions that
// lock more than one holder never wait for each other in a circle.
func (s *Store) UpdateHolders(ctx context.Context, refs []model.HolderRef, fn func([]store.HolderTx) error) (err error) {
	defer mapped(&err)
	order, err := store.LockOrder(refs)
	if err != nil {
		return err
	}
	return retry(ctx, func() error { return s.updateHoldersOnce(ctx, refs, order, fn) })
}

func (s *Store) updateHoldersOnce(ctx context.Context, refs []model.HolderRef, order []int, fn func([]store.HolderTx) error) error {
	for _, ref := range refs {
		if !storable(ref.AccountID) {
			return fmt.Errorf("%w: %q", model.ErrUnknownAccount, ref.AccountID)
		}
		if !storable(ref.ContactID) {
			return fmt.Errorf("%w: account %q has no contact %q", model.ErrUnknownHolder, ref.AccountID, ref.ContactID)
		}
	}
	pc, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("acquire a connection: %w", err)
	}
	conn := pc.Conn()
	done := false
	defer func() {
		if !done {
			// Roll back on a context that outlives the caller's; a connection that cannot is
			// closed, so the pool never hands out one still inside this transaction.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			if _, err := conn.Exec(rctx, "ROLLBACK"); err != nil {
				conn.Close(rctx)
			}
			cancel()
		}
		pc.Release()
	}()
	b := &pgx.Batch{}
	b.Queue(`BEGIN ISOLATION LEVEL READ COMMITTED`)
	txs := make([]store.HolderTx, len(refs))
	for _, i := range order {
		h, err := lockHolder(ctx, conn, b, refs[i])
		if err != nil {
			return err
		}
		txs[i] = &holderTx{s: s, tx: conn, h: h}
		b = &pgx.Batch{}
	}
	if err := fn(txs); err != nil {
		return err
	}
	tag, err := conn.Exec(ctx, "COMMIT")
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	done = true
	if tag.String() != "COMMIT" {
		// A statement failed inside fn and fn went on: PostgreSQL answers COMMIT with ROLLBACK.
		return fmt.Errorf("commit: %w", pgx.ErrTxCommitRollback)
	}
	return nil
}

// lockHolder sends b (which may already hold BEGIN) with the holder's insert, lock and PIN load, in
// one round trip.
func lockHolder(ctx context.Context, tx dbtx, b *pgx.Batch, ref model.HolderRef) (store.Holder, error) {
	h := store.Holder{Ref: ref}
	b.Queue(`INSERT INTO holders (account_id, holder_id)
		SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM accounts WHERE id = $1)
			AND ($2 = 'account' OR EXISTS (SELECT 1 FROM contacts WHERE account_id = $1 AND id = $2))
		ON CONFLICT DO NOTHING`, ref.AccountID, ref.ContactID)
	b.Queue(`SELECT failures, locked_at, hard_locked_at FROM holders WHERE account_id = $1 AND holder_id = $2 FOR UPDATE`, ref.AccountID, ref.ContactID)
	b.Queue(`SELECT kind, sealed, previous, created_at, expires_at, spent_at FROM pins
		WHERE account_id = $1 AND holder_id = $2 ORDER BY kind COLLATE "C"`, ref.AccountID, ref.ContactID)
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	for range b.Len() - 3 { // BEGIN
		if _, err := br.Exec(); err != nil {
			return h, fmt.Errorf("begin transaction: %w", err)
		}
	}
	if _, err := br.Exec(); err != nil {
		return h, fmt.Errorf("create holder %s: %w", ref, err)
	}
	err := br.QueryRow().Scan(&h.Failures, &h.LockedSince, &h.HardLockedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		br.Close()
		var known bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM accounts WHERE id = $1)`, ref.AccountID).Scan(&known); err != nil {
			return h, fmt.Errorf("lock holder %s: %w", ref, err)
		}
		if !known {
			return h, fmt.Errorf("%w: %q", model.ErrUnknownAccount, ref.AccountID)
		}
		return h, fmt.Errorf("%w: account %q has no contact %q", model.ErrUnknownHolder, ref.AccountID, ref.ContactID)
	}
	if err != nil {
		return h, fmt.Errorf("lock holder %s: %w", ref, err)
	}
	h.LockedSince, h.HardLockedAt = utc(h.LockedSince), utc(h.HardLockedAt)
	rows, err := br.Query()
	if err != nil {
		return h, fmt.Errorf("load PINs of %s: %w", ref, err)
	}
	if h.PINs, err = pgx.CollectRows(rows, scanPIN); err != nil {
		return h, fmt.Errorf("load PINs of %s: %w", ref, err)
	}
	if len(h.PINs) == 0 {
		h.PINs = nil
	}
	return h, br.Close()
}

func scanPIN(row pgx.CollectableRow) (store.SealedPIN, error) {
	var p store.SealedPIN
	var kind string
	if err := row.Scan(&kind, &p.Sealed, &p.Previous, &p.CreatedAt, &p.ExpiresAt, &p.SpentAt); err != nil {
		return p, err
	}
	p.Kind = model.Kind(kind)
	p.CreatedAt = p.CreatedAt.UTC()
	p.ExpiresAt, p.SpentAt = utc(p.ExpiresAt), utc(p.SpentAt)
	return p, nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

type holderTx struct {
	s  *Store
	tx dbtx
	h  store.Holder
}

func (t *holderTx) Holder() store.Holder { return t.h }

func (t *holderTx) ref() (string, string) { return t.h.Ref.AccountID, t.h.Ref.ContactID }

// AddFailure is the one statement that moves the count: it reads and writes in the same UPDATE, so
// no value read earlier is ever written back, and it sets the lock when the count reaches max.
func (t *holderTx) AddFailure(ctx context.Context, max int, now time.Time) (int, *time.Time, error) {
	a, c := t.ref()
	var failures int
	var locked *time.Time
	err := t.tx.QueryRow(ctx, `UPDATE holders SET
			failures = failures + 1,
			locked_at = CASE WHEN locked_at IS NULL AND failures + 1 >= $3 THEN $4 ELSE locked_at END
		WHERE account_id = $1 AND holder_id = $2
		RETURNING failures, locked_at`, a, c, max, now).Scan(&failures, &locked)
	if err != nil {
		return 0, nil, fmt.Errorf("count failure of %s: %w", t.h.Ref, err)
	}
	return failures, utc(locked), nil
}

func (t *holderTx) ResetFailures(ctx context.Context) error {
	a, c := t.ref()
	tag, err := t.tx.Exec(ctx, `UPDATE holders SET failures = 0 WHERE account_id = $1 AND holder_id = $2 AND locked_at IS NULL`, a, c)
	if err != nil {
		return fmt.Errorf("reset failures of %s: %w", t.h.Ref, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("reset failures of %s: %w", t.h.Ref, model.ErrLocked)
	}
	return nil
}

func (t *holderTx) Unlock(ctx context.Context) error {
	a, c := t.ref()
	if _, err := t.tx.Exec(ctx, `UPDATE holders SET failures = 0, locked_at = NULL WHERE account_id = $1 AND holder_id = $2`, a, c); err != nil {
		return fmt.Errorf("unlock %s: %w", t.h.Ref, err)
	}
	return nil
}

// RecordFailure keeps the rolling window as rows, under the holder's row lock (so the count is
// exact across servers): forget those that aged out, note this one, count what is left, and set
// the hard lock — four statements in one round trip.
func (t *holderTx) RecordFailure(ctx context.Context, now time.Time, window time.Duration, hardLockAt int) (int, *time.Time, *time.Time, error) {
	a, c := t.ref()
	b := &pgx.Batch{}
	b.Queue(`DELETE FROM holder_failures WHERE account_id = $1 AND holder_id = $2 AND at <= $3`, a, c, now.Add(-window))
	b.Queue(`INSERT INTO holder_failures (account_id, holder_id, at) VALUES ($1, $2, $3)`, a, c, now)
	b.Queue(`UPDATE holders SET
			hard_locked_at = CASE WHEN n.recent >= $3 THEN COALESCE(hard_locked_at, $4) ELSE hard_locked_at END,
			locked_at = CASE WHEN n.recent >= $3 THEN COALESCE(locked_at, $4) ELSE locked_at END
		FROM (SELECT count(*) AS recent FROM holder_failures WHERE account_id = $1 AND holder_id = $2) n
		WHERE account_id = $1 AND holder_id = $2
		RETURNING n.recent, locked_at, hard_locked_at`, a, c, hardLockAt, now)
	br := t.tx.SendBatch(ctx, b)
	defer br.Close()
	for range 2 {
		if _, err := br.Exec(); err != nil {
			return 0, nil, nil, fmt.Errorf("rolling window of %s: %w", t.h.Ref, err)
		}
	}
	var recent int
	var locked, hard *time.Time
	if err := br.QueryRow().Scan(&recent, &locked, &hard); err != nil {
		return 0, nil, nil, fmt.Errorf("hard lock of %s: %w", t.h.Ref, err)
	}
	return recent, utc(locked), utc(hard), br.Close()
}

func (t *holderTx) ClearHardLock(ctx context.Context) error {
	a, c := t.ref()
	b := &pgx.Batch{}
	b.Queue(`UPDATE holders SET hard_locked_at = NULL WHERE account_id = $1 AND holder_id = $2`, a, c)
	b.Queue(`DELETE FROM holder_failures WHERE account_id = $1 AND holder_id = $2`, a, c)
	if err := t.tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("clear hard lock of %s: %w", t.h.Ref, err)
	}
	return nil
}

// PutPIN replaces the kind's PIN; the one it replaces (or, after a clear, the one cleared) is kept
// as previous so that a new PIN can be refused for equalling it.
func (t *holderTx) PutPIN(ctx context.Context, p store.SealedPIN) error {
	if p.Sealed == nil {
		return fmt.Errorf("%w: a PIN to store has no sealed value", model.ErrInvalidInput)
	}
	a, c := t.ref()
	_, err := t.tx.Exec(ctx, `INSERT INTO pins (account_id, holder_id, kind, sealed, previous, created_at, expires_at, spent_at)
		VALUES ($1, $2, $3, $4, NULL, $5, $6, $7)
		ON CONFLICT (account_id, holder_id, kind) DO UPDATE SET
			previous = COALESCE(pins.sealed, pins.previous),
			sealed = EXCLUDED.sealed, created_at = EXCLUDED.created_at,
			expires_at = EXCLUDED.expires_at, spent_at = EXCLUDED.spent_at`,
		a, c, string(p.Kind), p.Sealed, p.CreatedAt, p.ExpiresAt, p.SpentAt)
	if err != nil {
		return fmt.Errorf("store %s PIN of %s: %w", p.Kind, t.h.Ref, err)
	}
	return nil
}

func (t *holderTx) ClearPIN(ctx context.Context, kind model.Kind) (bool, error) {
	a, c := t.ref()
	tag, err := t.tx.Exec(ctx, `UPDATE pins SET previous = sealed, sealed = NULL
		WHERE account_id = $1 AND holder_id = $2 AND kind = $3 AND sealed IS NOT NULL`, a, c, string(kind))
	if err != nil {
		return false, fmt.Errorf("clear %s PIN of %s: %w", kind, t.h.Ref, err)
	}
	return tag.RowsAffected() > 0, nil
}

func (t *holderTx) SpendPIN(ctx context.Context, kind model.Kind, now time.Time) error {
	a, c := t.ref()
	tag, err := t.tx.Exec(ctx, `UPDATE pins SET spent_at = $4
		WHERE account_id = $1 AND holder_id = $2 AND kind = $3 AND sealed IS NOT NULL AND spent_at IS NULL`, a, c, string(kind), now)
	if err != nil {
		return fmt.Errorf("spend %s PIN of %s: %w", kind, t.h.Ref, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: %s has no unspent %s PIN", model.ErrNoSuchPIN, t.h.Ref, kind)
	}
	return nil
}

// ClaimIdempotent inserts the key unanswered, or takes over a row expired at now. The primary key
// decides between servers: an insert of a key that another transaction inserted and has not
// committed waits for it, and then sees its row, so two holders' verifications with one key are
// told apart here, before either compares a PIN of the second. A live row is read back instead.
//
// Expired keys are swept on the way, a few at a time, skipping rows another transaction holds: a
// sweep never waits on, or deadlocks with, another server's claim.
func (t *holderTx) ClaimIdempotent(ctx context.Context, key store.IdempotencyKey, fingerprint []byte, now, expires time.Time) (store.Idempotent, bool, error) {
	var v store.Idempotent
	if !storable(key.Scope, key.Key) {
		return v, false, fmt.Errorf("%w: an idempotency key must be UTF-8 without NUL characters", model.ErrInvalidInput)
	}
	a, c := t.ref()
	b := &pgx.Batch{}
	b.Queue(`DELETE FROM idempotency WHERE (scope, key) IN (
		SELECT scope, key FROM idempotency WHERE expires_at <= $1 LIMIT 100 FOR UPDATE SKIP LOCKED)`, now)
	b.Queue(`INSERT INTO idempotency AS i (scope, key, fingerprint, account_id, holder_id, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (scope, key) DO UPDATE SET
			fingerprint = EXCLUDED.fingerprint, account_id = EXCLUDED.account_id, holder_id = EXCLUDED.holder_id,
			created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at, result = NULL, event_id = NULL
		WHERE i.expires_at <= EXCLUDED.created_at`, key.Scope, key.Key, fingerprint, a, c, now, expires)
	br := t.tx.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		br.Close()
		return v, false, fmt.Errorf("sweep idempotency keys: %w", err)
	}
	tag, err := br.Exec()
	if err == nil {
		err = br.Close()
	} else {
		br.Close()
	}
	if err != nil {
		return v, false, fmt.Errorf("claim idempotency key: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return v, false, nil
	}
	// A new statement: READ COMMITTED sees the row the insert waited for.
	var result []byte
	var event *int64
	err = t.tx.QueryRow(ctx, `SELECT fingerprint, result, event_id FROM idempotency WHERE scope = $1 AND key = $2`,
		key.Scope, key.Key).Scan(&v.Fingerprint, &result, &event)
	if err != nil {
		return v, false, fmt.Errorf("read idempotency key: %w", err)
	}
	if result != nil {
		if err := json.Unmarshal(result, &v.Result); err != nil {
			return v, false, fmt.Errorf("read idempotency key: %w", err)
		}
		v.Answered = true
	}
	if event != nil {
		v.EventID = *event
	}
	return v, true, nil
}

func (t *holderTx) SaveIdempotent(ctx context.Context, key store.IdempotencyKey, r model.VerifyResult, eventID int64) error {
	result, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("save idempotency key: %w", err)
	}
	if _, err := t.tx.Exec(ctx, `UPDATE idempotency SET result = $3, event_id = $4 WHERE scope = $1 AND key = $2`,
		key.Scope, key.Key, result, eventID); err != nil {
		return fmt.Errorf("save idempotency key: %w", err)
	}
	return nil
}

func (t *holderTx) ForgetIdempotent(ctx context.Context, keep store.IdempotencyKey) error {
	a, c := t.ref()
	if _, err := t.tx.Exec(ctx, `DELETE FROM idempotency WHERE account_id = $1 AND holder_id = $2 AND NOT (scope = $3 AND key = $4)`,
		a, c, keep.Scope, keep.Key); err != nil {
		return fmt.Errorf("forget idempotency keys of %s: %w", t.h.Ref, err)
	}
	return nil
}

func (t *holderTx) AppendAuditID(ctx context.Context, e model.AuditEvent) (int64, error) {
	return t.s.appendAuditID(ctx, t.tx, e)
}

func (t *holderTx) AppendAudit(ctx context.Context, e model.AuditEvent) error {
	return t.s.appendAudit(ctx, t.tx, e)
}

// Holders returns the account's holder rows and their PINs, without locking them.
func (s *Store) Holders(ctx context.Context, accountID string) (_ []store.Holder, err error) {
	defer mapped(&err)
	if !storable(accountID) {
		return []store.Holder{}, nil
	}
	// One statement, so the holders and their PINs are read from one snapshot.
	rows, err := s.pool.Query(ctx, `SELECT h.holder_id, h.failures, h.locked_at, h.hard_locked_at,
			p.kind, p.sealed, p.previous, p.created_at, p.expires_at, p.spent_at
		FROM holders h LEFT JOIN pins p USING (account_id, holder_id)
		WHERE h.account_id = $1 ORDER BY h.holder_id COLLATE "C", p.kind COLLATE "C"`, accountID)
	if err != nil {
		return nil, fmt.Errorf("load holders of %s: %w", accountID, mapErr(err))
	}
	defer rows.Close()
	out := []store.Holder{}
	for rows.Next() {
		var contact string
		var failures int
		var locked, hard *time.Time
		var kind *string
		var p store.SealedPIN
		var created *time.Time
		if err := rows.Scan(&contact, &failures, &locked, &hard, &kind, &p.Sealed, &p.Previous, &created, &p.ExpiresAt, &p.SpentAt); err != nil {
			return nil, fmt.Errorf("load holders of %s: %w", accountID, err)
		}
		if len(out) == 0 || out[len(out)-1].Ref.ContactID != contact {
			out = append(out, store.Holder{Ref: model.HolderRef{AccountID: accountID, ContactID: contact}, Failures: failures, LockedSince: utc(locked), HardLockedAt: utc(hard)})
		}
		if kind != nil {
			p.Kind = model.Kind(*kind)
			p.CreatedAt = created.UTC()
			p.ExpiresAt, p.SpentAt = utc(p.ExpiresAt), utc(p.SpentAt)
			h := &out[len(out)-1]
			h.PINs = append(h.PINs, p)
		}
	}
	err = rows.Err()
	if err != nil {
		return nil, fmt.Errorf("load holders of %s: %w", accountID, err)
	}
	return out, nil
}

// ResetAccount revokes every PIN of the account and clears its locks and counts in one
// transaction. It takes every holder row's lock first, in store.LockOrder (so two resets, or a
// reset and a verification of several holders, never deadlock), so a verification in flight finishes before the reset and
// one that follows sees no PIN.
func (s *Store) ResetAccount(ctx context.Context, accountID string, e model.AuditEvent, notices ...model.Notice) (_ model.ResetResult, err error) {
	return s.resetAccount(ctx, accountID, e, notices, nil)
}

// resetAccount is ResetAccount running first, in its transaction, before (when not nil): an
// approved reset closes its approval request there (approval.go).
func (s *Store) resetAccount(ctx context.Context, accountID string, e model.AuditEvent, notices []model.Notice, before func(context.Context, pgx.Tx) error) (_ model.ResetResult, err error) {
	defer mapped(&err)
	var res model.ResetResult
	if !storable(accountID) {
		return res, fmt.Errorf("%w: %q", model.ErrUnknownAccount, accountID)
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		res = model.ResetResult{}
		if before != nil {
			if err := before(ctx, tx); err != nil {
				return err
			}
		}
		var exists bool
		// FOR SHARE keeps an import from replacing the account under the reset.
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM accounts WHERE id = $1 FOR SHARE)`, accountID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return fmt.Errorf("%w: %s", model.ErrUnknownAccount, accountID)
		}
		if _, err := tx.Exec(ctx, `SELECT 1 FROM holders WHERE account_id = $1
			ORDER BY holder_id = 'account' DESC, holder_id COLLATE "C" FOR UPDATE`, accountID); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE pins SET previous = sealed, sealed = NULL WHERE account_id = $1 AND sealed IS NOT NULL`, accountID)
		if err != nil {
			return err
		}
		res.RevokedPINs = int(tag.RowsAffected())
		tag, err = tx.Exec(ctx, `UPDATE holders SET failures = 0, locked_at = NULL WHERE account_id = $1 AND locked_at IS NOT NULL`, accountID)
		if err != nil {
			return err
		}
		res.UnlockedHolders = int(tag.RowsAffected())
		if _, err := tx.Exec(ctx, `UPDATE holders SET failures = 0 WHERE account_id = $1 AND failures <> 0`, accountID); err != nil {
			return err
		}
		// A replay after the reset would report PINs and counts that no longer hold.
		if _, err := tx.Exec(ctx, `DELETE FROM idempotency WHERE account_id = $1`, accountID); err != nil {
			return err
		}
		// Every PIN is revoked, so the guesses at them no longer count toward the rolling cap.
		if _, err := tx.Exec(ctx, `UPDATE holders SET hard_locked_at = NULL WHERE account_id = $1 AND hard_locked_at IS NOT NULL`, accountID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM holder_failures WHERE account_id = $1`, accountID); err != nil {
			return err
		}
		for _, n := range notices {
			if err := insertNotice(ctx, tx, n); err != nil {
				return err
			}
		}
		return s.appendEndingSessions(ctx, tx, e) // a reset ends the account's verification sessions
	})
	if err != nil {
		return model.ResetResult{}, fmt.Errorf("reset account %s: %w", accountID, err)
	}
	return res, nil
}

package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// AddMeta records value under name unless one is recorded, and returns the value that stands. Of
// two servers recording at once, the second's insert waits for the first's and then does nothing.
func (s *Store) AddMeta(ctx context.Context, name, value string) (_ string, err error) {
	defer mapped(&err)
	var stood string
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, value); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT value FROM meta WHERE name = $1`, name).Scan(&stood)
	})
	if err != nil {
		return "", fmt.Errorf("record %s: %w", name, err)
	}
	return stood, nil
}

// AnySealedPIN returns one stored sealed value and its holder.
func (s *Store) AnySealedPIN(ctx context.Context) (model.HolderRef, []byte, bool, error) {
	var ref model.HolderRef
	var sealed []byte
	err := s.pool.QueryRow(ctx, `SELECT account_id, holder_id, COALESCE(sealed, previous) FROM pins
		WHERE sealed IS NOT NULL OR previous IS NOT NULL LIMIT 1`).Scan(&ref.AccountID, &ref.ContactID, &sealed)
	if errors.Is(err, pgx.ErrNoRows) {
		return ref, nil, false, nil
	}
	if err != nil {
		return ref, nil, false, fmt.Errorf("read a sealed PIN: %w", mapErr(err))
	}
	return ref, sealed, true, nil
}

// RekeyPINs re-seals every PIN in one transaction. LOCK TABLE pins IN EXCLUSIVE MODE lets every
// server go on reading (a verification sees the old values until the commit) but keeps every
// write to pins — a PIN set on another server, which would be sealed under the old key — waiting
// until the commit; the meta row's lock (FOR UPDATE) serialises two rotations.
func (s *Store) RekeyPINs(ctx context.Context, reseal func(ref model.HolderRef, sealed []byte) ([]byte, error), rechain store.ChainFunc, oldCheck, newCheck string, e model.AuditEvent) (_ int, err error) {
	defer mapped(&err)
	n := 0
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		n = 0
		if _, err := tx.Exec(ctx, `LOCK TABLE pins IN EXCLUSIVE MODE`); err != nil {
			return err
		}
		var stood string
		err := tx.QueryRow(ctx, `SELECT value FROM meta WHERE name = $1 FOR UPDATE`, store.MetaKeyCheck).Scan(&stood)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if stood != oldCheck {
			return fmt.Errorf("%w: the database's key changed meanwhile (another rotation?)", model.ErrConflict)
		}
		type row struct {
			ref              model.HolderRef
			kind             string
			sealed, previous []byte
		}
		rows, err := tx.Query(ctx, `SELECT account_id, holder_id, kind, sealed, previous FROM pins
			WHERE sealed IS NOT NULL OR previous IS NOT NULL`)
		if err != nil {
			return err
		}
		all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
			var x row
			err := r.Scan(&x.ref.AccountID, &x.ref.ContactID, &x.kind, &x.sealed, &x.previous)
			return x, err
		})
		if err != nil {
			return err
		}
		b := &pgx.Batch{}
		for _, r := range all {
			for _, v := range []*[]byte{&r.sealed, &r.previous} {
				if *v == nil {
					continue
				}
				if *v, err = reseal(r.ref, *v); err != nil {
					return fmt.Errorf("re-seal a PIN of %s: %w", r.ref, err)
				}
			}
			b.Queue(`UPDATE pins SET sealed = $1, previous = $2 WHERE account_id = $3 AND holder_id = $4 AND kind = $5`,
				r.sealed, r.previous, r.ref.AccountID, r.ref.ContactID, r.kind)
		}
		for _, m := range [][2]string{{store.MetaKeyCheck, newCheck}, {store.MetaPreviousKeyCheck, oldCheck}} {
			b.Queue(`INSERT INTO meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value`, m[0], m[1])
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		n = len(all)
		k := s.auditKey()
		if rechain != nil && k.Func != nil {
			// The heads are locked here, last, as every append locks its own.
			next := store.AuditKey{Func: rechain, Check: newCheck}
			if err := rechainAudit(ctx, tx, k, next); err != nil {
				return err
			}
			k = next
		}
		_, err = s.appendAuditWith(ctx, tx, k, e)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("re-key PINs: %w", err)
	}
	if rechain != nil {
		s.SetAuditChain(store.AuditKey{Func: rechain, Check: newCheck}) // the database's chains are under the new key now
	}
	return n, nil
}

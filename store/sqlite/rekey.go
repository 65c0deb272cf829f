package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// AddMeta records value under name unless one is recorded, and returns the value that stands.
func (s *Store) AddMeta(ctx context.Context, name, value string) (string, error) {
	var stood string
	err := s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, value); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE name = ?`, name).Scan(&stood)
	})
	if err != nil {
		return "", fmt.Errorf("record %s: %w", name, mapErr(err))
	}
	return stood, nil
}

// AnySealedPIN returns one stored sealed value and its holder.
func (s *Store) AnySealedPIN(ctx context.Context) (model.HolderRef, []byte, bool, error) {
	var ref model.HolderRef
	var sealed []byte
	err := s.r.QueryRowContext(ctx, `SELECT account_id, holder_id, COALESCE(sealed, previous) FROM pins
		WHERE sealed IS NOT NULL OR previous IS NOT NULL LIMIT 1`).Scan(&ref.AccountID, &ref.ContactID, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return ref, nil, false, nil
	}
	if err != nil {
		return ref, nil, false, fmt.Errorf("read a sealed PIN: %w", mapErr(err))
	}
	return ref, sealed, true, nil
}

// RekeyPINs re-seals every PIN in one write transaction of its own: it holds the database write
// lock throughout, so no verification or PIN change of any process runs beside it, and a crash
// leaves either every PIN under the old key with the old check, or every PIN under the new one.
func (s *Store) RekeyPINs(ctx context.Context, reseal func(ref model.HolderRef, sealed []byte) ([]byte, error), rechain store.ChainFunc, oldCheck, newCheck string, e model.AuditEvent) (int, error) {
	n := 0
	err := s.writeTxAlone(ctx, func(ctx context.Context, tx *sql.Tx) error {
		n = 0
		var stood string
		err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE name = ?`, store.MetaKeyCheck).Scan(&stood)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return mapErr(err)
		}
		if stood != oldCheck {
			return fmt.Errorf("%w: the database's key changed meanwhile (another rotation?)", model.ErrConflict)
		}
		type row struct {
			ref              model.HolderRef
			kind             string
			sealed, previous []byte
		}
		// Read all first: SQLite must not be updating the table a cursor is still walking.
		rows, err := tx.QueryContext(ctx, `SELECT account_id, holder_id, kind, sealed, previous FROM pins
			WHERE sealed IS NOT NULL OR previous IS NOT NULL`)
		if err != nil {
			return mapErr(err)
		}
		var all []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.ref.AccountID, &r.ref.ContactID, &r.kind, &r.sealed, &r.previous); err != nil {
				rows.Close()
				return mapErr(err)
			}
			all = append(all, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return mapErr(err)
		}
		upd, err := tx.PrepareContext(ctx, `UPDATE pins SET sealed = ?, previous = ? WHERE account_id = ? AND holder_id = ? AND kind = ?`)
		if err != nil {
			return mapErr(err)
		}
		defer upd.Close()
		for _, r := range all {
			for _, v := range []*[]byte{&r.sealed, &r.previous} {
				if *v == nil {
					continue
				}
				if *v, err = reseal(r.ref, *v); err != nil {
					return fmt.Errorf("re-seal a PIN of %s: %w", r.ref, err)
				}
			}
			if _, err := upd.ExecContext(ctx, r.sealed, r.previous, r.ref.AccountID, r.ref.ContactID, r.kind); err != nil {
				return mapErr(err)
			}
			n++
		}
		for _, m := range [][2]string{{store.MetaKeyCheck, newCheck}, {store.MetaPreviousKeyCheck, oldCheck}} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`, m[0], m[1]); err != nil {
				return mapErr(err)
			}
		}
		k := s.auditKey()
		if rechain != nil && k.Func != nil {
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

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/searchterm"
)

// ImportAccounts creates or updates the accounts, all in one transaction, as store.PlanImport
// works out from what is stored: contacts the file leaves out stay (with their holder state),
// unless opts.Prune deletes them. Every clash of an account number with another account is
// listed at once (store.ErrDuplicate wrapping *model.ImportClashError), and nothing is kept. A
// dry run reads and plans in the same transaction and writes nothing.
func (s *Store) ImportAccounts(ctx context.Context, accounts []model.Account, opts store.ImportOptions) (model.ImportResult, error) {
	if err := store.CheckImportable(accounts); err != nil {
		return model.ImportResult{}, err
	}
	var res model.ImportResult
	err := s.writeTxAlone(ctx, func(ctx context.Context, tx *sql.Tx) error {
		st, err := prepareImport(ctx, tx)
		if err != nil {
			return err
		}
		defer st.close(ctx)
		stored := map[string]store.Stored{}
		var clashes []model.ImportClash
		for _, a := range accounts {
			var other string
			err := st.owner.QueryRowContext(ctx, a.Number, a.ID).Scan(&other)
			if err == nil {
				clashes = append(clashes, model.ImportClash{AccountID: a.ID, Number: a.Number, OtherID: other})
			} else if !errors.Is(err, sql.ErrNoRows) {
				return mapErr(err)
			}
			old, found, err := storedAccount(ctx, tx, a.ID)
			if err != nil {
				return err
			}
			if found {
				stored[a.ID] = old
			}
		}
		if len(clashes) > 0 {
			return fmt.Errorf("%w: %w", store.ErrDuplicate, &model.ImportClashError{Clashes: clashes})
		}
		plan, err := store.PlanImport(accounts, stored, opts)
		if err != nil {
			return err
		}
		res = plan.Result
		if opts.DryRun {
			return nil
		}
		terms := searchterm.Ahead(plan.Write, s.region)
		defer terms.Stop()
		for _, a := range plan.Write {
			if err := st.account(ctx, a, plan.Prune[a.ID], terms.Next()); err != nil {
				return fmt.Errorf("import account %q: %w", a.ID, err)
			}
		}
		if err := st.terms.flush(ctx); err != nil {
			return fmt.Errorf("import: %w", err)
		}
		for _, e := range plan.Events {
			if err := s.appendAudit(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return model.ImportResult{}, err
	}
	return res, nil
}

// storedAccount reads an account, its contacts and its holder rows with their PINs inside the
// import's transaction.
func storedAccount(ctx context.Context, tx *sql.Tx, id string) (store.Stored, bool, error) {
	var out store.Stored
	a := &out.Account
	err := tx.QueryRowContext(ctx, sqlAccount, id).Scan(&a.ID, &a.Number, &a.Name, &a.Product, &a.UsesPINs)
	if errors.Is(err, sql.ErrNoRows) {
		return out, false, nil
	}
	if err != nil {
		return out, false, mapErr(err)
	}
	rows, err := tx.QueryContext(ctx, sqlContacts, id)
	if err != nil {
		return out, false, mapErr(err)
	}
	a.Contacts = []model.Contact{}
	for rows.Next() {
		var c model.Contact
		if err := rows.Scan(&c.ID, &c.Name, &c.Email, &c.Phone, &c.Role, &c.Federated); err != nil {
			rows.Close()
			return out, false, mapErr(err)
		}
		a.Contacts = append(a.Contacts, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, false, mapErr(err)
	}
	hrows, err := tx.QueryContext(ctx, `SELECT holder_id, failures, locked_at FROM holders WHERE account_id = ?`, id)
	if err != nil {
		return out, false, mapErr(err)
	}
	for hrows.Next() {
		h := store.Holder{Ref: model.HolderRef{AccountID: id}}
		var locked sql.NullInt64
		if err := hrows.Scan(&h.Ref.ContactID, &h.Failures, &locked); err != nil {
			hrows.Close()
			return out, false, mapErr(err)
		}
		h.LockedSince = fromNull(locked)
		out.Holders = append(out.Holders, h)
	}
	hrows.Close()
	if err := hrows.Err(); err != nil {
		return out, false, mapErr(err)
	}
	if len(out.Holders) == 0 {
		return out, true, nil
	}
	prows, err := tx.QueryContext(ctx, `SELECT holder_id, kind, sealed, previous, created_at, expires_at, spent_at
		FROM pins WHERE account_id = ? ORDER BY holder_id, kind`, id)
	if err != nil {
		return out, false, mapErr(err)
	}
	pins, err := scanPINs(prows)
	if err != nil {
		return out, false, err
	}
	for i := range out.Holders {
		out.Holders[i].PINs = pins[out.Holders[i].Ref.ContactID]
	}
	return out, true, nil
}

type importStmts struct {
	upsert, delContacts, addContact, delHolder, delTerms, owner *sql.Stmt
	terms                                                       *termWriter // batched (termbatch.go)
	cache                                                       restoreCache
}

func prepareImport(ctx context.Context, tx *sql.Tx) (*importStmts, error) {
	var st importStmts
	var err error
	if st.cache, err = growCache(ctx, tx); err != nil {
		return nil, err
	}
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&st.upsert, `INSERT INTO accounts (id, number, name, product, uses_pins) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET number = excluded.number, name = excluded.name,
			product = excluded.product, uses_pins = excluded.uses_pins`},
		{&st.delContacts, `DELETE FROM contacts WHERE account_id = ?`},
		{&st.addContact, `INSERT INTO contacts (account_id, id, name, email, phone, role, federated, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`},
		// A pruned contact's holder row goes, and its PINs with it (cascade).
		{&st.delHolder, `DELETE FROM holders WHERE account_id = ? AND holder_id = ?`},
		{&st.delTerms, `DELETE FROM search_terms WHERE account_id = ?`},
		{&st.owner, `SELECT id FROM accounts WHERE number = ? AND id <> ? LIMIT 1`},
	} {
		stmt, err := tx.PrepareContext(ctx, p.sql)
		if err != nil {
			st.close(ctx)
			return nil, mapErr(err)
		}
		*p.stmt = stmt
	}
	st.terms = newTermWriter(tx)
	return &st, nil
}

func (st *importStmts) close(ctx context.Context) {
	for _, s := range []*sql.Stmt{st.upsert, st.delContacts, st.addContact, st.delHolder, st.delTerms, st.owner} {
		if s != nil {
			s.Close()
		}
	}
	if st.terms != nil {
		st.terms.close()
	}
	st.cache(ctx)
}

// account writes a planned account: its row, its contacts as they must stand (rewritten in their
// order), the holder rows of the pruned contacts, and its search terms (searchterm.Account's).
func (st *importStmts) account(ctx context.Context, a model.Account, pruned []string, terms []searchterm.Term) error {
	if _, err := st.upsert.ExecContext(ctx, a.ID, a.Number, a.Name, a.Product, a.UsesPINs); err != nil {
		if isUnique(err) {
			// Numbers exchanged between accounts of one import.
			var other string
			_ = st.owner.QueryRowContext(ctx, a.Number, a.ID).Scan(&other)
			return fmt.Errorf("%w: %w", store.ErrDuplicate, &model.ImportClashError{Clashes: []model.ImportClash{{AccountID: a.ID, Number: a.Number, OtherID: other}}})
		}
		return mapErr(err)
	}
	if _, err := st.delContacts.ExecContext(ctx, a.ID); err != nil {
		return mapErr(err)
	}
	for i, c := range a.Contacts {
		if _, err := st.addContact.ExecContext(ctx, a.ID, c.ID, c.Name, c.Email, c.Phone, string(c.Role), c.Federated, i); err != nil {
			return mapErr(err)
		}
	}
	for _, id := range pruned {
		if _, err := st.delHolder.ExecContext(ctx, a.ID, id); err != nil {
			return mapErr(err)
		}
	}
	if err := st.terms.settle(ctx, a.ID); err != nil {
		return err
	}
	if _, err := st.delTerms.ExecContext(ctx, a.ID); err != nil {
		return mapErr(err)
	}
	return st.terms.account(ctx, a.ID, a.Number, terms)
}

// Account returns the account with its contacts in their imported order.
func (s *Store) Account(ctx context.Context, id string) (model.Account, error) {
	var a model.Account
	if err := s.guard.err(); err != nil {
		return a, err
	}
	err := s.rs.dbQueryRow(ctx, s.r, sqlAccount, id).
		Scan(&a.ID, &a.Number, &a.Name, &a.Product, &a.UsesPINs)
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("%w: %q", model.ErrUnknownAccount, id)
	}
	if err != nil {
		return a, fmt.Errorf("account: %w", mapErr(err))
	}
	rows, err := s.rs.dbQuery(ctx, s.r, sqlContacts, id)
	if err != nil {
		return a, fmt.Errorf("account: %w", mapErr(err))
	}
	defer rows.Close()
	a.Contacts = []model.Contact{}
	for rows.Next() {
		var c model.Contact
		if err := rows.Scan(&c.ID, &c.Name, &c.Email, &c.Phone, &c.Role, &c.Federated); err != nil {
			return a, fmt.Errorf("account: %w", mapErr(err))
		}
		a.Contacts = append(a.Contacts, c)
	}
	return a, mapErr(rows.Err())
}

// Holders returns the account's holder rows with their PINs, ordered by holder id, read from one
// snapshot (a read transaction) so a holder's count and PINs agree.
func (s *Store) Holders(ctx context.Context, accountID string) ([]store.Holder, error) {
	if err := s.guard.err(); err != nil {
		return nil, err
	}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("holders: %w", mapErr(err))
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT holder_id, failures, locked_at, hard_locked_at FROM holders WHERE account_id = ? ORDER BY holder_id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("holders: %w", mapErr(err))
	}
	out := []store.Holder{}
	for rows.Next() {
		h := store.Holder{Ref: model.HolderRef{AccountID: accountID}}
		var locked, hard sql.NullInt64
		if err := rows.Scan(&h.Ref.ContactID, &h.Failures, &locked, &hard); err != nil {
			rows.Close()
			return nil, fmt.Errorf("holders: %w", mapErr(err))
		}
		h.LockedSince, h.HardLockedAt = fromNull(locked), fromNull(hard)
		out = append(out, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("holders: %w", mapErr(err))
	}
	prows, err := tx.QueryContext(ctx, `SELECT holder_id, kind, sealed, previous, created_at, expires_at, spent_at
		FROM pins WHERE account_id = ? ORDER BY holder_id, kind`, accountID)
	if err != nil {
		return nil, fmt.Errorf("holders: %w", mapErr(err))
	}
	pins, err := scanPINs(prows)
	if err != nil {
		return nil, fmt.Errorf("holders: %w", err)
	}
	for i := range out {
		out[i].PINs = pins[out[i].Ref.ContactID]
	}
	return out, nil
}

// ResetAccount revokes every PIN on file for the account (each kept as previous, so a compromised
// PIN cannot simply be set again), clears every count and lock, and appends e, in one transaction.
func (s *Store) ResetAccount(ctx context.Context, accountID string, e model.AuditEvent, notices ...model.Notice) (model.ResetResult, error) {
	return s.resetAccount(ctx, accountID, e, notices, nil)
}

// resetAccount is ResetAccount running first, in its transaction, before (when not nil): an
// approved reset closes its approval request there (approval.go).
func (s *Store) resetAccount(ctx context.Context, accountID string, e model.AuditEvent, notices []model.Notice, before func(context.Context, *sql.Tx) error) (model.ResetResult, error) {
	var res model.ResetResult
	err := s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if before != nil {
			if err := before(ctx, tx); err != nil {
				return err
			}
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM accounts WHERE id = ?`, accountID).Scan(&n); err != nil {
			return mapErr(err)
		}
		if n == 0 {
			return fmt.Errorf("%w: %q", model.ErrUnknownAccount, accountID)
		}
		r, err := tx.ExecContext(ctx, `UPDATE pins SET previous = sealed, sealed = NULL WHERE account_id = ? AND sealed IS NOT NULL`, accountID)
		if err != nil {
			return mapErr(err)
		}
		revoked, _ := r.RowsAffected()
		r, err = tx.ExecContext(ctx, `UPDATE holders SET failures = 0, locked_at = NULL WHERE account_id = ? AND locked_at IS NOT NULL`, accountID)
		if err != nil {
			return mapErr(err)
		}
		unlocked, _ := r.RowsAffected()
		if _, err := tx.ExecContext(ctx, `UPDATE holders SET failures = 0 WHERE account_id = ? AND failures <> 0`, accountID); err != nil {
			return mapErr(err)
		}
		// A replay after the reset would report PINs and counts that no longer hold.
		if _, err := tx.ExecContext(ctx, `DELETE FROM idempotency WHERE account_id = ?`, accountID); err != nil {
			return mapErr(err)
		}
		// Every PIN is revoked, so the guesses at them no longer count toward the rolling cap.
		if _, err := tx.ExecContext(ctx, `UPDATE holders SET hard_locked_at = NULL WHERE account_id = ? AND hard_locked_at IS NOT NULL`, accountID); err != nil {
			return mapErr(err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM holder_failures WHERE account_id = ?`, accountID); err != nil {
			return mapErr(err)
		}
		res = model.ResetResult{RevokedPINs: int(revoked), UnlockedHolders: int(unlocked)}
		for _, n := range notices {
			if err := insertNotice(ctx, tx, nil, n); err != nil {
				return err
			}
		}
		return s.appendEndingSessions(ctx, tx, e) // a reset ends the account's verification sessions
	})
	if err != nil {
		return model.ResetResult{}, err
	}
	return res, nil
}

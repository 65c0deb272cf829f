package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/searchterm"
)

// importChunk is how many accounts go to the database in one round trip of an import.
const importChunk = 200

// ImportAccounts creates or updates the accounts, all in one transaction, as store.PlanImport
// works out from what is stored: contacts the file leaves out stay (with their holder state),
// unless opts.Prune deletes them. The stored accounts and their holder rows are read FOR UPDATE,
// so no verification or PIN change slips between the plan and its writes. Every clash of an
// account number with another account is listed at once (store.ErrDuplicate wrapping
// *model.ImportClashError), and nothing is kept. A dry run reads and plans and writes nothing.
func (s *Store) ImportAccounts(ctx context.Context, accounts []model.Account, opts store.ImportOptions) (_ model.ImportResult, err error) {
	defer mapped(&err)
	for _, a := range accounts {
		if !storable(a.ID, a.Number, a.Name, a.Product) {
			return model.ImportResult{}, fmt.Errorf("import account %q: %w: text must be UTF-8 without NUL characters", a.ID, model.ErrInvalidInput)
		}
		for _, c := range a.Contacts {
			if !storable(c.ID, c.Name, c.Email, c.Phone, string(c.Role)) {
				return model.ImportResult{}, fmt.Errorf("import account %q: %w: contact %q: text must be UTF-8 without NUL characters", a.ID, model.ErrInvalidInput, c.ID)
			}
		}
	}
	if err := store.CheckImportable(accounts); err != nil {
		return model.ImportResult{}, err
	}
	// Rows are locked in id order whatever the file's order, so two imports running at once (two
	// admins, two servers) queue on each other instead of deadlocking. A stable sort keeps the
	// last of two entries for one id the one that wins, as in file order.
	sorted := slices.Clone(accounts)
	slices.SortStableFunc(sorted, func(a, b model.Account) int { return strings.Compare(a.ID, b.ID) })
	var res model.ImportResult
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		// Imports queue on one lock per schema. FOR UPDATE locks only rows that exist, so two
		// imports creating the same new accounts both planned an insert, and the loser failed on
		// the account number's unique index (ON CONFLICT (id) covers only the id). The second
		// import now waits, then plans against what the first one committed.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('pindesk import ' || current_schema(), 0))`); err != nil {
			return fmt.Errorf("take the import lock: %w", err)
		}
		stored := map[string]store.Stored{}
		var clashes []model.ImportClash
		for start := 0; start < len(sorted); start += importChunk {
			chunk := sorted[start:min(start+importChunk, len(sorted))]
			c, err := numberClashes(ctx, tx, chunk)
			if err != nil {
				return err
			}
			clashes = append(clashes, c...)
			if err := readStored(ctx, tx, chunk, stored); err != nil {
				return err
			}
		}
		if len(clashes) > 0 {
			return fmt.Errorf("%w: %w", store.ErrDuplicate, &model.ImportClashError{Clashes: clashes})
		}
		// Planned in the file's order, so counts and events read as the file does.
		plan, err := store.PlanImport(accounts, stored, opts)
		if err != nil {
			return err
		}
		res = plan.Result
		if opts.DryRun {
			return nil
		}
		write := slices.Clone(plan.Write)
		slices.SortStableFunc(write, func(a, b model.Account) int { return strings.Compare(a.ID, b.ID) })
		// The terms of the next chunks are made while this one's writes travel (termcopy.go).
		made := searchterm.Ahead(write, s.region)
		defer made.Stop()
		for start := 0; start < len(write); start += importChunk {
			b := &pgx.Batch{}
			chunk := write[start:min(start+importChunk, len(write))]
			for _, a := range chunk {
				queueAccount(b, a, plan.Prune[a.ID])
			}
			err := tx.SendBatch(ctx, b).Close()
			if err == nil {
				err = copyTerms(ctx, tx, chunk, made)
			}
			var pe *pgconn.PgError
			if errors.As(err, &pe) && pe.Code == codeUnique && pe.TableName == "accounts" {
				// Numbers exchanged between accounts of one import, or a concurrent import.
				return fmt.Errorf("%w: account number: %s", store.ErrDuplicate, pe.Detail)
			}
			if err != nil {
				return fmt.Errorf("import accounts: %w", err)
			}
		}
		if err := lockAuditHeads(ctx, tx, plan.Events); err != nil {
			return err
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

// numberClashes lists the accounts whose number another account already has, naming both.
func numberClashes(ctx context.Context, tx pgx.Tx, accounts []model.Account) ([]model.ImportClash, error) {
	ids, numbers := make([]string, len(accounts)), make([]string, len(accounts))
	for i, a := range accounts {
		ids[i], numbers[i] = a.ID, a.Number
	}
	rows, err := tx.Query(ctx, `SELECT i.id, i.number, a.id FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS i (id, number, n)
		JOIN accounts a ON a.number = i.number AND a.id <> i.id ORDER BY i.n`, ids, numbers)
	if err != nil {
		return nil, fmt.Errorf("import accounts: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (model.ImportClash, error) {
		var c model.ImportClash
		return c, row.Scan(&c.AccountID, &c.Number, &c.OtherID)
	})
	if err != nil {
		return nil, fmt.Errorf("import accounts: %w", err)
	}
	return out, nil
}

// readStored reads the chunk's accounts that exist, with their contacts, holder rows and PINs,
// locking the account and holder rows.
func readStored(ctx context.Context, tx pgx.Tx, chunk []model.Account, stored map[string]store.Stored) error {
	ids := make([]string, len(chunk))
	for i, a := range chunk {
		ids[i] = a.ID
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT id, number, name, product, uses_pins FROM accounts WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids)
	b.Queue(`SELECT account_id, id, name, email, phone, role, federated FROM contacts WHERE account_id = ANY($1) ORDER BY account_id, position`, ids)
	b.Queue(`SELECT account_id, holder_id, failures, locked_at FROM holders WHERE account_id = ANY($1) ORDER BY account_id, holder_id FOR UPDATE`, ids)
	b.Queue(`SELECT account_id, holder_id, kind, sealed, previous, created_at, expires_at, spent_at FROM pins WHERE account_id = ANY($1) ORDER BY account_id, holder_id, kind`, ids)
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	fail := func(err error) error { return fmt.Errorf("import accounts: read stored: %w", mapErr(err)) }

	rows, err := br.Query()
	if err != nil {
		return fail(err)
	}
	for rows.Next() {
		var a model.Account
		if err := rows.Scan(&a.ID, &a.Number, &a.Name, &a.Product, &a.UsesPINs); err != nil {
			rows.Close()
			return fail(err)
		}
		a.Contacts = []model.Contact{}
		stored[a.ID] = store.Stored{Account: a}
	}
	if rows.Close(); rows.Err() != nil {
		return fail(rows.Err())
	}
	if rows, err = br.Query(); err != nil {
		return fail(err)
	}
	for rows.Next() {
		var id string
		var c model.Contact
		if err := rows.Scan(&id, &c.ID, &c.Name, &c.Email, &c.Phone, &c.Role, &c.Federated); err != nil {
			rows.Close()
			return fail(err)
		}
		st := stored[id]
		st.Account.Contacts = append(st.Account.Contacts, c)
		stored[id] = st
	}
	if rows.Close(); rows.Err() != nil {
		return fail(rows.Err())
	}
	if rows, err = br.Query(); err != nil {
		return fail(err)
	}
	for rows.Next() {
		h := store.Holder{}
		if err := rows.Scan(&h.Ref.AccountID, &h.Ref.ContactID, &h.Failures, &h.LockedSince); err != nil {
			rows.Close()
			return fail(err)
		}
		h.LockedSince = utc(h.LockedSince)
		st := stored[h.Ref.AccountID]
		st.Holders = append(st.Holders, h)
		stored[h.Ref.AccountID] = st
	}
	if rows.Close(); rows.Err() != nil {
		return fail(rows.Err())
	}
	if rows, err = br.Query(); err != nil {
		return fail(err)
	}
	for rows.Next() {
		var acct, holder, kind string
		var p store.SealedPIN
		if err := rows.Scan(&acct, &holder, &kind, &p.Sealed, &p.Previous, &p.CreatedAt, &p.ExpiresAt, &p.SpentAt); err != nil {
			rows.Close()
			return fail(err)
		}
		p.Kind, p.CreatedAt = model.Kind(kind), p.CreatedAt.UTC()
		p.ExpiresAt, p.SpentAt = utc(p.ExpiresAt), utc(p.SpentAt)
		st := stored[acct]
		for i := range st.Holders {
			if st.Holders[i].Ref.ContactID == holder {
				st.Holders[i].PINs = append(st.Holders[i].PINs, p)
			}
		}
	}
	if rows.Close(); rows.Err() != nil {
		return fail(rows.Err())
	}
	return nil
}

// queueAccount queues the writes of a planned account: its row, its contacts as they must stand
// (rewritten in their order), the holder rows of the pruned contacts, and the removal of its
// search terms (copyTerms writes the new ones).
func queueAccount(b *pgx.Batch, a model.Account, pruned []string) {
	b.Queue(`INSERT INTO accounts (id, number, name, product, uses_pins) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET number = EXCLUDED.number, name = EXCLUDED.name,
			product = EXCLUDED.product, uses_pins = EXCLUDED.uses_pins`,
		a.ID, a.Number, a.Name, a.Product, a.UsesPINs)
	b.Queue(`DELETE FROM contacts WHERE account_id = $1`, a.ID)
	var ids, names, emails, phones, roles []string
	var federated []bool
	for _, c := range a.Contacts {
		ids, names, emails, phones = append(ids, c.ID), append(names, c.Name), append(emails, c.Email), append(phones, c.Phone)
		roles, federated = append(roles, string(c.Role)), append(federated, c.Federated)
	}
	// WITH ORDINALITY numbers the contacts in the order given, which is the order they are shown.
	b.Queue(`INSERT INTO contacts (account_id, id, name, email, phone, role, federated, position)
		SELECT $1, c.id, c.name, c.email, c.phone, c.role, c.federated, c.n - 1
		FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[])
			WITH ORDINALITY AS c (id, name, email, phone, role, federated, n)`,
		a.ID, ids, names, emails, phones, roles, federated)
	if len(pruned) > 0 {
		// A pruned contact's holder row goes, and its PINs with it (cascade).
		b.Queue(`DELETE FROM holders WHERE account_id = $1 AND holder_id = ANY($2)`, a.ID, pruned)
	}
	b.Queue(`DELETE FROM search_terms WHERE account_id = $1`, a.ID)
}

// Account returns the account with its contacts in their imported order, in one statement: one
// round trip (every request of the core starts here) and one snapshot, so a concurrent import is
// seen whole or not at all.
func (s *Store) Account(ctx context.Context, id string) (_ model.Account, err error) {
	defer mapped(&err)
	if !storable(id) {
		return model.Account{}, fmt.Errorf("%w: %q", model.ErrUnknownAccount, id)
	}
	rows, err := s.pool.Query(ctx, `SELECT a.id, a.number, a.name, a.product, a.uses_pins,
			c.id, c.name, c.email, c.phone, c.role, c.federated
		FROM accounts a LEFT JOIN contacts c ON c.account_id = a.id
		WHERE a.id = $1 ORDER BY c.position`, id)
	if err != nil {
		return model.Account{}, fmt.Errorf("load account %s: %w", id, mapErr(err))
	}
	defer rows.Close()
	a := model.Account{Contacts: []model.Contact{}}
	found := false
	for rows.Next() {
		var cid, name, email, phone, role *string
		var federated *bool
		if err := rows.Scan(&a.ID, &a.Number, &a.Name, &a.Product, &a.UsesPINs, &cid, &name, &email, &phone, &role, &federated); err != nil {
			return model.Account{}, fmt.Errorf("load account %s: %w", id, err)
		}
		found = true
		if cid != nil {
			a.Contacts = append(a.Contacts, model.Contact{ID: *cid, Name: *name, Email: *email, Phone: *phone,
				Role: model.ContactRole(*role), Federated: *federated})
		}
	}
	if err := rows.Err(); err != nil {
		return model.Account{}, fmt.Errorf("load account %s: %w", id, mapErr(err))
	}
	if !found {
		return model.Account{}, fmt.Errorf("%w: %q", model.ErrUnknownAccount, id)
	}
	return a, nil
}

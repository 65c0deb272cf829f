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
		for start := 0; start < len(write); start += importChunk {
			b := &pgx.Batch{}
			for _, a := range write[start:min(start+importChunk, len(write))] {
				queueAccount(b, a, plan.Prune[a.ID])
			}
			err := tx.SendBatch(ctx, b).Close()
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
// (rewritten in their order), the holder rows of the pruned contacts, and its search terms.
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
	var terms, texts []string
	var fields []int16
	for _, t := range searchterm.Account(a) {
		terms, fields, texts = append(terms, t.Term), append(fields, int16(t.Field)), append(texts, t.Text)
	}
	b.Queue(`INSERT INTO search_terms (term, account_id, field, text, number)
		SELECT t.term, $1, t.field, t.text, lower($2::text COLLATE "C") FROM unnest($3::text[], $4::smallint[], $5::text[]) AS t (term, field, text)
		ON CONFLICT DO NOTHING`, a.ID, a.Number, terms, fields, texts)
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

// denseMatches is where SearchAccounts changes plan for the name, email and phone terms, as the
// SQLite store does. Up to it, the matching terms are read from the term index, grouped by account
// and sorted by number (cost grows with the matches). Past it a match is common enough that
// walking accounts in number order and probing each one's terms finds a page after a few hundred
// accounts. Each store has its own copy (Store.denseMatches), so tests can force either plan on
// stores of their own while others run in parallel.
const denseMatches = 2000

// SearchAccounts finds accounts by a case-insensitive prefix of their number, name, a word of
// their name, a contact's name or a word of it, an email, or (for a query that reads as a phone
// number) the digits of a phone, ordered by account number (ASCII letters folded, then id).
//
// It merges two streams, each cut at offset+limit and both in number order: accounts whose number
// starts with the query (one range of accounts_number_nocase — a number prefix's matches are
// contiguous), and accounts with a matching term (one or two ranges of the term index).
func (s *Store) SearchAccounts(ctx context.Context, q string, limit, offset int) (_ []model.AccountSummary, err error) {
	defer mapped(&err)
	text := searchterm.Normalize(q)
	// Stored text is valid UTF-8 without NUL (imports are checked), so a query that is not can
	// match nothing; PostgreSQL would refuse it as a parameter.
	if text == "" || limit <= 0 || !storable(q) {
		return []model.AccountSummary{}, nil
	}
	if offset < 0 {
		offset = 0
	}
	// The text range, and a phone's digits when they differ from it ("", "": an empty range).
	lo1, hi1 := text, searchterm.PrefixEnd(text)
	lo2, hi2 := "", ""
	if d := searchterm.PhoneQuery(q); d != "" && d != text {
		lo2, hi2 = d, searchterm.PrefixEnd(d)
	}
	var matches int
	err = s.pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM (SELECT 1 FROM search_terms WHERE term >= $1 AND term < $2 LIMIT $5) a) +
		(SELECT count(*) FROM (SELECT 1 FROM search_terms WHERE term >= $3 AND term < $4 LIMIT $5) b)`,
		lo1, hi1, lo2, hi2, s.denseMatches).Scan(&matches)
	if err != nil {
		return nil, fmt.Errorf("search: %w", mapErr(err))
	}
	query := sparseSearch
	if matches >= s.denseMatches {
		query = denseSearch
	}
	rows, err := s.pool.Query(ctx, query, lo1, hi1, lo2, hi2, offset+limit, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("search: %w", mapErr(err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (model.AccountSummary, error) {
		var a model.AccountSummary
		var field int32
		err := row.Scan(&a.ID, &a.Number, &a.Name, &a.Product, &a.UsesPINs, &field, &a.MatchedText)
		if field >= 0 && int(field) < len(searchterm.FieldNames) {
			a.MatchedOn = searchterm.FieldNames[field]
		}
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("search: %w", mapErr(err))
	}
	if out == nil {
		out = []model.AccountSummary{}
	}
	return out, nil
}

// searchPage is the search around a term stream (terms): the number stream, the merge keeping
// each account's best match (lowest field, then text), the page, and the page's accounts.
// Parameters: $1 $2 the text range, $3 $4 the digits range, $5 offset+limit, $6 limit, $7 offset.
func searchPage(terms string) string {
	return `
WITH num AS (
	SELECT id, lower(number) AS key, 0 AS field, number AS text FROM accounts
	WHERE lower(number) >= $1 AND lower(number) < $2
	ORDER BY lower(number), id LIMIT $5
), trm AS (` + terms + `
), best AS (
	SELECT DISTINCT ON (id) id, key, field, text FROM (SELECT * FROM num UNION ALL SELECT * FROM trm) u
	ORDER BY id, field, text
), page AS (
	SELECT * FROM best ORDER BY key, id LIMIT $6 OFFSET $7
)
SELECT a.id, a.number, a.name, a.product, a.uses_pins, p.field, p.text
FROM page p JOIN accounts a ON a.id = p.id
ORDER BY p.key, p.id`
}

// sparseSearch reads the matching terms (one or two index ranges) and keeps each account's best.
var sparseSearch = searchPage(`
	SELECT * FROM (
		SELECT DISTINCT ON (account_id) account_id AS id, number AS key, field::integer, text FROM (
			SELECT account_id, number, field, text FROM search_terms WHERE term >= $1 AND term < $2
			UNION ALL
			SELECT account_id, number, field, text FROM search_terms WHERE term >= $3 AND term < $4
		) t
		ORDER BY account_id, field, text
	) s
	ORDER BY key, id LIMIT $5`)

// denseSearch walks accounts in number order (accounts_number_nocase) and keeps those with a
// matching term, probing the (account_id, term) index once per account; LIMIT 1 in the lateral
// keeps the planner from turning the probe into a join over every match.
var denseSearch = searchPage(`
	SELECT a.id, lower(a.number) AS key, m.field::integer, m.text
	FROM accounts a
	CROSS JOIN LATERAL (
		SELECT t.field, t.text FROM search_terms t
		WHERE t.account_id = a.id AND ((t.term >= $1 AND t.term < $2) OR (t.term >= $3 AND t.term < $4))
		ORDER BY t.field, t.text LIMIT 1
	) m
	ORDER BY lower(a.number), a.id LIMIT $5`)

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

// ImportAccounts adds or replaces the accounts, all in one transaction. A replaced account keeps
// the holder rows and PINs of the contacts that remain and of the account-wide holder; those of
// contacts no longer listed are deleted with them, so the id reappearing later does not revive an
// old PIN. An account number that belongs to another account is store.ErrDuplicate, and nothing of
// the import is kept.
func (s *Store) ImportAccounts(ctx context.Context, accounts []model.Account) (err error) {
	defer mapped(&err)
	for _, a := range accounts {
		if !storable(a.ID, a.Number, a.Name, a.Product) {
			return fmt.Errorf("import account %q: %w: text must be UTF-8 without NUL characters", a.ID, model.ErrInvalidInput)
		}
		seen := map[string]bool{}
		for _, c := range a.Contacts {
			if !storable(c.ID, c.Name, c.Email, c.Phone, string(c.Role)) {
				return fmt.Errorf("import account %q: %w: contact %q: text must be UTF-8 without NUL characters", a.ID, model.ErrInvalidInput, c.ID)
			}
			if c.ID == model.AccountWide {
				return fmt.Errorf("import account %q: %w: contact id %q is reserved for the account-wide PIN", a.ID, model.ErrInvalidInput, model.AccountWide)
			}
			if seen[c.ID] {
				return fmt.Errorf("import account %q: %w: contact id %q appears twice", a.ID, model.ErrInvalidInput, c.ID)
			}
			seen[c.ID] = true
		}
	}
	// Rows are locked in id order whatever the file's order, so two imports running at once (two
	// admins, two servers) queue on each other instead of deadlocking. A stable sort keeps the
	// last of two entries for one id the one that wins, as in file order.
	accounts = slices.Clone(accounts)
	slices.SortStableFunc(accounts, func(a, b model.Account) int { return strings.Compare(a.ID, b.ID) })
	return s.inTx(ctx, func(tx pgx.Tx) error {
		for start := 0; start < len(accounts); start += importChunk {
			chunk := accounts[start:min(start+importChunk, len(accounts))]
			if err := numbersFree(ctx, tx, chunk); err != nil {
				return err
			}
			b := &pgx.Batch{}
			for _, a := range chunk {
				queueAccount(b, a)
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
		return nil
	})
}

// numbersFree refuses an account number that another account already has, naming both.
func numbersFree(ctx context.Context, tx pgx.Tx, accounts []model.Account) error {
	ids, numbers := make([]string, len(accounts)), make([]string, len(accounts))
	for i, a := range accounts {
		ids[i], numbers[i] = a.ID, a.Number
	}
	var number, other, id string
	err := tx.QueryRow(ctx, `SELECT i.number, a.id, i.id FROM unnest($1::text[], $2::text[]) AS i (id, number)
		JOIN accounts a ON a.number = i.number AND a.id <> i.id LIMIT 1`, ids, numbers).Scan(&number, &other, &id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("import accounts: %w", err)
	}
	return fmt.Errorf("import account %q: %w: account number %q belongs to account %q", id, store.ErrDuplicate, number, other)
}

func queueAccount(b *pgx.Batch, a model.Account) {
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
	// Holder rows of contacts no longer on the account go, and their PINs with them (cascade).
	b.Queue(`DELETE FROM holders WHERE account_id = $1 AND holder_id <> 'account'
		AND holder_id NOT IN (SELECT id FROM contacts WHERE account_id = $1)`, a.ID)
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
// accounts. A variable so tests can force either plan.
var denseMatches = 2000

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
		lo1, hi1, lo2, hi2, denseMatches).Scan(&matches)
	if err != nil {
		return nil, fmt.Errorf("search: %w", mapErr(err))
	}
	query := sparseSearch
	if matches >= denseMatches {
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

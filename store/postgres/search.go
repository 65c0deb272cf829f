package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store/searchterm"
)

// denseMatches is where SearchAccounts changes plan for the name, email and phone terms, as the
// SQLite store does. Up to it, the terms matching the query's rarest word are read from the term
// index, grouped by account and sorted by number (cost grows with the matches). Past it a match
// is common enough that walking accounts in number order and probing each one's terms finds a
// page after a few hundred accounts. Each store has its own copy (Store.denseMatches), so tests can
// force either plan on stores of their own while others run in parallel.
const denseMatches = 2000

// SearchAccounts finds accounts as searchterm.Query describes: by a case-insensitive prefix of
// their number, or by names (the account's, or one contact's name, email and phone) of which
// every query word is a folded prefix of some term. Exact account numbers come first, then exact
// names, emails and phones, then the rest; each group in account-number order (ASCII letters
// folded, then id).
//
// As on SQLite, in one read-only snapshot: the exact matches (few), then, if they do not fill the
// page, the others in number order — accounts whose number starts with the query (one range of
// accounts_number_nocase) merged with accounts with matching terms — then the page's accounts
// and their terms, from which searchterm.Query.Best tells what to show as the match.
func (s *Store) SearchAccounts(ctx context.Context, q string, limit, offset int) (_ []model.AccountSummary, err error) {
	defer mapped(&err)
	query := searchterm.Parse(q, s.region)
	// Stored text is valid UTF-8 without NUL (imports are checked), so a query that is not can
	// match nothing; PostgreSQL would refuse it as a parameter.
	if query.Number == "" || limit <= 0 || !storable(q) {
		return []model.AccountSummary{}, nil
	}
	offset = max(offset, 0)
	need := offset + limit
	var out []model.AccountSummary
	err = pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		ids, err := exactMatches(ctx, tx, query, need)
		if err != nil {
			return err
		}
		if len(ids) < need {
			more, err := prefixMatches(ctx, tx, query, need+len(ids), s.denseMatches)
			if err != nil {
				return err
			}
			ids = searchterm.Merge(ids, more)
		}
		if offset >= len(ids) {
			return nil
		}
		out, err = summaries(ctx, tx, query, ids[offset:min(need, len(ids))])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("search: %w", mapErr(err))
	}
	if out == nil {
		out = []model.AccountSummary{}
	}
	return out, nil
}

// args collects a statement's arguments, numbering their placeholders.
type args []any

func (a *args) p(v any) string { *a = append(*a, v); return "$" + strconv.Itoa(len(*a)) }

// in is the condition that col lies in r.
func (a *args) in(col string, r searchterm.Range) string {
	if r.Hi == "" {
		return col + " >= " + a.p(r.Lo)
	}
	c := "(" + col + " >= " + a.p(r.Lo)
	return c + " AND " + col + " < " + a.p(r.Hi) + ")"
}

// word is the condition that the term of alias t matches word w (one of its ranges).
func (a *args) word(t string, w []searchterm.Range) string {
	var alts []string
	for _, r := range w {
		alts = append(alts, a.in(t+".term", r))
	}
	return "(" + strings.Join(alts, " OR ") + ")"
}

// others is the condition that the name of term d has terms for the query's words but those in
// skip; for a query of several words, terms of its names only.
func (a *args) others(d string, q searchterm.Query, skip []int) string {
	var c string
	for j, w := range q.Words {
		if !slices.Contains(skip, j) {
			c += " AND EXISTS (SELECT 1 FROM search_terms t WHERE t.account_id = " + d + ".account_id AND t.contact_id = " + d + ".contact_id AND " + a.word("t", w)
			if q.NamesOnly() {
				c += " AND t.field IN (" + strconv.Itoa(searchterm.FieldName) + ", " + strconv.Itoa(searchterm.FieldContact) + ")"
			}
			// OFFSET 0 keeps the check a probe of this account's terms (search_terms_account): as
			// a semi-join the planner, misjudging a short range as one row, scans the word's whole
			// range for every candidate.
			c += " OFFSET 0)"
		}
	}
	return c
}

// relevant is the condition that the term of alias t is in one of the query's ranges or is one
// of its exact keys.
func (a *args) relevant(t string, q searchterm.Query) string {
	var alts []string
	for _, w := range q.Words {
		alts = append(alts, a.word(t, w))
	}
	if len(q.Exact) > 0 {
		alts = append(alts, t+".term = ANY("+a.p(q.Exact)+"::text[])")
	}
	if len(alts) == 0 {
		return "false"
	}
	return strings.Join(alts, " OR ")
}

// exactMatches lists, best first, up to n accounts whose number is the query or that have one of
// its exact keys.
func exactMatches(ctx context.Context, tx pgx.Tx, q searchterm.Query, n int) ([]string, error) {
	var a args
	sq := `SELECT id, 0 AS rank, lower(number) AS key FROM accounts WHERE lower(number) = ` + a.p(q.Number)
	if len(q.Exact) > 0 {
		sq += ` UNION ALL SELECT account_id, 1, number FROM search_terms WHERE term = ANY(` + a.p(q.Exact) + `::text[])`
	}
	sq = `SELECT id FROM (` + sq + `) u GROUP BY id ORDER BY min(rank), min(key), id LIMIT ` + a.p(n)
	return column(ctx, tx, sq, a)
}

// prefixMatches lists up to n accounts that match the query, in number order; dense is the
// store's denseMatches.
func prefixMatches(ctx context.Context, tx pgx.Tx, q searchterm.Query, n, dense int) ([]string, error) {
	sq, a, err := prefixQuery(ctx, tx, q, n, dense)
	if err != nil {
		return nil, err
	}
	return column(ctx, tx, sq, a)
}

// prefixQuery is prefixMatches's statement.
func prefixQuery(ctx context.Context, tx pgx.Tx, q searchterm.Query, n, denseAt int) (string, args, error) {
	var a args
	num := `SELECT id, lower(number) AS key FROM accounts WHERE ` +
		a.in("lower(number)", searchterm.Range{Lo: q.Number, Hi: searchterm.PrefixEnd(q.Number)}) +
		` ORDER BY lower(number), id LIMIT ` + a.p(n)
	if len(q.Words) == 0 {
		return num, a, nil
	}
	drv, dense, err := pickDriver(ctx, tx, q, denseAt)
	if err != nil {
		return "", nil, err
	}
	var trm string
	if dense {
		// Walk accounts in number order (accounts_number_nocase), probing the (account_id, term)
		// index once per account; LIMIT 1 in the lateral keeps the planner from turning the probe
		// into a join over every match.
		trm = `SELECT a.id, lower(a.number) AS key FROM accounts a
			CROSS JOIN LATERAL (SELECT 1 FROM search_terms d
				WHERE d.account_id = a.id AND ` + a.word("d", drv.Ranges) + a.others("d", q, drv.Exact) + ` LIMIT 1) m
			ORDER BY lower(a.number), a.id LIMIT ` + a.p(n)
	} else {
		// Read the driver's terms, keep those whose name has the other words too.
		trm = `SELECT DISTINCT d.account_id AS id, d.number AS key FROM search_terms d
			WHERE ` + a.word("d", drv.Ranges) + a.others("d", q, drv.Exact) + `
			ORDER BY d.number, d.account_id LIMIT ` + a.p(n)
	}
	sq := `WITH num AS (` + num + `), trm AS (` + trm + `)
		SELECT id FROM (SELECT * FROM num UNION SELECT * FROM trm) u ORDER BY key, id LIMIT ` + a.p(n)
	return sq, a, nil
}

// pickDriver counts each driver's terms, up to denseAt (the store's denseMatches), and returns the
// rarest and whether even it is common enough to walk accounts instead.
func pickDriver(ctx context.Context, tx pgx.Tx, q searchterm.Query, denseAt int) (searchterm.Driver, bool, error) {
	var a args
	var probes []string
	ds := q.Drivers()
	for _, d := range ds {
		// Each range counted on its own: over several ORed ranges the planner ORs bitmaps, which
		// read every range whole before LIMIT can stop them.
		var sum []string
		for _, r := range d.Ranges {
			sum = append(sum, `(SELECT count(*) FROM (SELECT 1 FROM search_terms t WHERE `+a.in("t.term", r)+` LIMIT `+a.p(denseAt)+`) c)`)
		}
		probes = append(probes, "("+strings.Join(sum, " + ")+")")
	}
	counts := make([]int, len(probes))
	dest := make([]any, len(probes))
	for i := range counts {
		dest[i] = &counts[i]
	}
	if err := tx.QueryRow(ctx, `SELECT `+strings.Join(probes, ", "), a...).Scan(dest...); err != nil {
		return searchterm.Driver{}, false, err
	}
	drv, dense := searchterm.Rarest(ds, counts, denseAt)
	return drv, dense, nil
}

func column(ctx context.Context, tx pgx.Tx, sq string, a args) ([]string, error) {
	rows, err := tx.Query(ctx, sq, a...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// summaries reads the accounts ids, in that order, each with the match Best finds in its terms.
func summaries(ctx context.Context, tx pgx.Tx, q searchterm.Query, ids []string) ([]model.AccountSummary, error) {
	// Only the terms Best weighs: those in the query's ranges or exact keys.
	var a args
	sq := `SELECT a.id, a.number, a.name, a.product, a.uses_pins,
			coalesce(t.term, ''), coalesce(t.field, 0)::integer, coalesce(t.text, ''), coalesce(t.contact_id, '')
		FROM accounts a LEFT JOIN LATERAL (
			-- Through each account's own terms (search_terms_account): joined, the planner may
			-- read a common word's whole range instead.
			SELECT * FROM search_terms t WHERE t.account_id = a.id AND (` + a.relevant("t", q) + `) OFFSET 0) t ON true
		WHERE a.id = ANY(` + a.p(ids) + `::text[])`
	rows, err := tx.Query(ctx, sq, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return searchterm.Summaries(q, ids, rows)
}

// reindex builds every account's search terms again when they were made by another format or for
// another phone region than this store's (searchterm.MetaIndex): after the migration that
// emptied the table, or a change of search.default_region. It runs on open, in one transaction
// (searches see the old terms or the new), holding a lock on the table that makes a second
// server opening at the same moment wait, then find the work done.
func (s *Store) reindex(ctx context.Context) error {
	want := searchterm.IndexStamp(s.region)
	if got, _, err := s.Meta(ctx, searchterm.MetaIndex); err != nil || got == want {
		return err
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE search_terms IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		var got string
		err := tx.QueryRow(ctx, `SELECT value FROM meta WHERE name = $1`, searchterm.MetaIndex).Scan(&got)
		if err == nil && got == want {
			return nil
		} else if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		accounts, err := allAccounts(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM search_terms`); err != nil {
			return err
		}
		made := searchterm.Ahead(accounts, s.region)
		defer made.Stop()
		if err := copyTerms(ctx, tx, accounts, made); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value`, searchterm.MetaIndex, want)
		return err
	})
	if err != nil {
		return fmt.Errorf("index accounts for search: %w", mapErr(err))
	}
	return nil
}

// allAccounts reads every account with the contact fields search indexes.
func allAccounts(ctx context.Context, tx pgx.Tx) ([]model.Account, error) {
	rows, err := tx.Query(ctx, `SELECT a.id, a.number, a.name, c.id, c.name, c.email, c.phone
		FROM accounts a LEFT JOIN contacts c ON c.account_id = a.id ORDER BY a.id, c.position`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.Account
	for rows.Next() {
		var a model.Account
		var cid, name, email, phone *string
		if err := rows.Scan(&a.ID, &a.Number, &a.Name, &cid, &name, &email, &phone); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].ID != a.ID {
			out = append(out, a)
		}
		if cid != nil {
			last := &out[len(out)-1]
			last.Contacts = append(last.Contacts, model.Contact{ID: *cid, Name: *name, Email: *email, Phone: *phone})
		}
	}
	return out, rows.Err()
}

// asciiLower is lower() of a COLLATE "C" value, as search_terms.number holds it: ASCII letters only.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store/searchterm"
)

// denseMatches is where SearchAccounts changes plan for the name, email and phone terms. Up to it,
// the terms matching the query's rarest word are read from the term index, grouped by account and
// sorted by number (cost grows with the matches). Past it a match is common enough that walking
// accounts in number order and probing each one's terms finds a page after a few hundred
// accounts. At 100,000 accounts reading and sorting costs about 0.8 µs a term and the two cross
// near 2,000 terms (TestSearchMixPerQuery prints both for every query). A variable so tests can
// force either plan.
var denseMatches = 2000

// SearchAccounts finds accounts as searchterm.Query describes: by a case-insensitive prefix of
// their number, or by names (the account's, or one contact's name, email and phone) of which
// every query word is a folded prefix of some term. Exact account numbers come first, then exact
// names, emails and phones, then the rest; each group in account-number order.
//
// Two reads give the page's accounts: the exact matches (few), then, if they do not fill the page,
// the others in number order — a merge of accounts whose number starts with the query (one range
// of accounts_number_nocase) and accounts with matching terms. A third reads the page's accounts
// and their terms, from which searchterm.Query.Best tells what to show as the match.
func (s *Store) SearchAccounts(ctx context.Context, q string, limit, offset int) ([]model.AccountSummary, error) {
	if err := s.guard.err(); err != nil {
		return nil, err
	}
	query := searchterm.Parse(q, s.region)
	if query.Number == "" || limit <= 0 {
		return []model.AccountSummary{}, nil
	}
	offset = max(offset, 0)
	need := offset + limit
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("search: %w", mapErr(err))
	}
	defer tx.Rollback()
	ids, err := exactMatches(ctx, tx, query, need)
	if err != nil {
		return nil, fmt.Errorf("search: %w", mapErr(err))
	}
	if len(ids) < need {
		more, err := prefixMatches(ctx, tx, query, need+len(ids))
		if err != nil {
			return nil, fmt.Errorf("search: %w", mapErr(err))
		}
		ids = searchterm.Merge(ids, more)
	}
	if offset >= len(ids) {
		return []model.AccountSummary{}, nil
	}
	out, err := summaries(ctx, tx, query, ids[offset:min(need, len(ids))])
	if err != nil {
		return nil, fmt.Errorf("search: %w", mapErr(err))
	}
	return out, nil
}

// args collects a statement's arguments in the order their placeholders are written.
type args []any

func (a *args) p(v any) string { *a = append(*a, v); return "?" }

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
			c += " AND EXISTS (SELECT 1 FROM search_terms AS t WHERE t.account_id = " + d + ".account_id AND t.contact_id = " + d + ".contact_id AND " + a.word("t", w)
			if q.NamesOnly() {
				c += " AND t.field IN (" + strconv.Itoa(searchterm.FieldName) + ", " + strconv.Itoa(searchterm.FieldContact) + ")"
			}
			c += ")"
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
		var keys []string
		for _, k := range q.Exact {
			keys = append(keys, a.p(k))
		}
		alts = append(alts, t+".term IN ("+strings.Join(keys, ", ")+")")
	}
	if len(alts) == 0 {
		return "false"
	}
	return strings.Join(alts, " OR ")
}

// exactMatches lists, best first, up to n accounts whose number is the query or that have one of
// its exact keys.
func exactMatches(ctx context.Context, tx *sql.Tx, q searchterm.Query, n int) ([]string, error) {
	var a args
	sq := `SELECT id, 0 AS rank, number FROM accounts WHERE number = ` + a.p(q.Number) + ` COLLATE NOCASE`
	if len(q.Exact) > 0 {
		var keys []string
		for _, k := range q.Exact {
			keys = append(keys, a.p(k))
		}
		sq += ` UNION ALL SELECT account_id, 1, number FROM search_terms WHERE term IN (` + strings.Join(keys, ", ") + `)`
	}
	sq = `SELECT id FROM (` + sq + `) GROUP BY id ORDER BY min(rank), number COLLATE NOCASE, id LIMIT ` + a.p(n)
	return column(ctx, tx, sq, a)
}

// prefixMatches lists up to n accounts that match the query, in number order.
func prefixMatches(ctx context.Context, tx *sql.Tx, q searchterm.Query, n int) ([]string, error) {
	var a args
	// The number's prefix range, compared as the index is ordered (COLLATE NOCASE).
	num := `SELECT id, number FROM accounts WHERE number >= ` + a.p(q.Number) + ` COLLATE NOCASE`
	if hi := searchterm.PrefixEnd(q.Number); hi != "" {
		num += ` AND number < ` + a.p(hi) + ` COLLATE NOCASE`
	}
	num += ` ORDER BY number COLLATE NOCASE, id LIMIT ` + a.p(n)
	if len(q.Words) == 0 {
		return column(ctx, tx, num, a)
	}
	drv, dense, err := pickDriver(ctx, tx, q)
	if err != nil {
		return nil, err
	}
	var trm string
	if dense {
		// Walk accounts in number order; each is an index seek or a few.
		trm = `SELECT a.id, a.number FROM accounts AS a WHERE EXISTS (SELECT 1 FROM search_terms AS d
			WHERE d.account_id = a.id AND ` + a.word("d", drv.Ranges) + a.others("d", q, drv.Exact) + `)
			ORDER BY a.number COLLATE NOCASE, a.id LIMIT ` + a.p(n)
	} else {
		// Read the driver's terms, keep those whose name has the other words too.
		trm = `SELECT DISTINCT d.account_id AS id, d.number AS number FROM search_terms AS d
			WHERE ` + a.word("d", drv.Ranges) + a.others("d", q, drv.Exact) + `
			ORDER BY d.number COLLATE NOCASE, d.account_id LIMIT ` + a.p(n)
	}
	sq := `WITH num AS (` + num + `), trm AS (` + trm + `)
		SELECT id FROM (SELECT id, number FROM num UNION SELECT id, number FROM trm)
		ORDER BY number COLLATE NOCASE, id LIMIT ` + a.p(n)
	return column(ctx, tx, sq, a)
}

// pickDriver counts each driver's terms, up to denseMatches, and returns the rarest and whether
// even it is common enough to walk accounts instead.
func pickDriver(ctx context.Context, tx *sql.Tx, q searchterm.Query) (searchterm.Driver, bool, error) {
	var a args
	var probes []string
	ds := q.Drivers()
	for _, d := range ds {
		// Each range counted on its own, so LIMIT stops each (as on PostgreSQL, where ORed ranges
		// are read whole).
		var sum []string
		for _, r := range d.Ranges {
			sum = append(sum, `(SELECT count(*) FROM (SELECT 1 FROM search_terms AS t WHERE `+a.in("t.term", r)+` LIMIT `+a.p(denseMatches)+`))`)
		}
		probes = append(probes, "("+strings.Join(sum, " + ")+")")
	}
	counts := make([]int, len(probes))
	dest := make([]any, len(probes))
	for i := range counts {
		dest[i] = &counts[i]
	}
	if err := tx.QueryRowContext(ctx, `SELECT `+strings.Join(probes, ", "), a...).Scan(dest...); err != nil {
		return searchterm.Driver{}, false, err
	}
	drv, dense := searchterm.Rarest(ds, counts, denseMatches)
	return drv, dense, nil
}

func column(ctx context.Context, tx *sql.Tx, sq string, a args) ([]string, error) {
	rows, err := tx.QueryContext(ctx, sq, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// summaries reads the accounts ids, in that order, each with the match Best finds in its terms.
func summaries(ctx context.Context, tx *sql.Tx, q searchterm.Query, ids []string) ([]model.AccountSummary, error) {
	var a args
	// Only the terms Best weighs: those in the query's ranges or exact keys. An account has
	// dozens of terms; read through its own index, the others are skipped there.
	sq := `SELECT a.id, a.number, a.name, a.product, a.uses_pins,
			coalesce(t.term, ''), coalesce(t.field, 0), coalesce(t.text, ''), coalesce(t.contact_id, '')
		FROM accounts AS a LEFT JOIN search_terms AS t INDEXED BY search_terms_account ON t.account_id = a.id AND (` + a.relevant("t", q) + `)
		WHERE a.id IN (`
	for i, id := range ids {
		if i > 0 {
			sq += ", "
		}
		sq += a.p(id)
	}
	rows, err := tx.QueryContext(ctx, sq+`)`, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return searchterm.Summaries(q, ids, rows)
}

// reindex builds every account's search terms again when they were made by another format or for
// another phone region than this store's (searchterm.MetaIndex): after the migration that
// emptied the table, or a change of search.default_region. It runs on open, in one write
// transaction, so searches see the old terms or the new, never a part.
func (s *Store) reindex(ctx context.Context) error {
	want := searchterm.IndexStamp(s.region)
	if got, _, err := s.Meta(ctx, searchterm.MetaIndex); err != nil || got == want {
		return err
	}
	return s.writeTxAlone(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var got string
		err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE name = ?`, searchterm.MetaIndex).Scan(&got)
		if err == nil && got == want {
			return nil // another process did it first
		} else if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return mapErr(err)
		}
		accounts, err := allAccounts(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM search_terms`); err != nil {
			return mapErr(err)
		}
		restore, err := growCache(ctx, tx)
		if err != nil {
			return err
		}
		defer restore(ctx)
		terms := newTermWriter(tx)
		defer terms.close()
		made := searchterm.Ahead(accounts, s.region)
		defer made.Stop()
		for _, a := range accounts {
			if err := terms.account(ctx, a.ID, a.Number, made.Next()); err != nil {
				return err
			}
		}
		if err := terms.flush(ctx); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`, searchterm.MetaIndex, want)
		return mapErr(err)
	})
}

// allAccounts reads every account with the contact fields search indexes.
func allAccounts(ctx context.Context, tx *sql.Tx) ([]model.Account, error) {
	rows, err := tx.QueryContext(ctx, `SELECT a.id, a.number, a.name, c.id, c.name, c.email, c.phone
		FROM accounts AS a LEFT JOIN contacts AS c ON c.account_id = a.id ORDER BY a.id, c.position`)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []model.Account
	for rows.Next() {
		var a model.Account
		var cid, name, email, phone sql.NullString
		if err := rows.Scan(&a.ID, &a.Number, &a.Name, &cid, &name, &email, &phone); err != nil {
			return nil, mapErr(err)
		}
		if len(out) == 0 || out[len(out)-1].ID != a.ID {
			out = append(out, a)
		}
		if cid.Valid {
			last := &out[len(out)-1]
			last.Contacts = append(last.Contacts, model.Contact{ID: cid.String, Name: name.String, Email: email.String, Phone: phone.String})
		}
	}
	return out, mapErr(rows.Err())
}

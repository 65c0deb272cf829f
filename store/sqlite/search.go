package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store/searchterm"
)

// denseMatches is where SearchAccounts changes plan for the name, email and phone terms. Up to it,
// the matching terms are read from the term index, grouped by account and sorted by number (cost
// grows with the matches). Past it a match is common enough that walking accounts in number order
// and probing each one's terms finds a page after a few hundred accounts. At 100,000 accounts
// reading and sorting costs about 0.8 µs a term and the two cross near 2,000 terms
// (TestSearchMixPerQuery prints both for every query). A variable so tests can force either plan.
var denseMatches = 2000

// SearchAccounts finds accounts by a case-insensitive prefix of their number, name, a word of
// their name, a contact's name or a word of it, an email, or (for a query that reads as a phone
// number) the digits of a phone, ordered by account number.
//
// It merges two streams, each cut at offset+limit and both in number order: accounts whose number
// starts with the query (one range of accounts_number_nocase — a number prefix's matches are
// contiguous, which no walk of accounts could skip to), and accounts with a matching term.
func (s *Store) SearchAccounts(ctx context.Context, q string, limit, offset int) ([]model.AccountSummary, error) {
	if err := s.guard.err(); err != nil {
		return nil, err
	}
	text := searchterm.Normalize(q)
	if text == "" || limit <= 0 {
		return []model.AccountSummary{}, nil
	}
	if offset < 0 {
		offset = 0
	}
	// One or two prefix ranges: the text, and a phone's digits when they differ from it.
	ranges := []string{text, searchterm.PrefixEnd(text)}
	if d := searchterm.PhoneQuery(q); d != "" && d != text {
		ranges = append(ranges, d, searchterm.PrefixEnd(d))
	}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("search: %w", mapErr(err))
	}
	defer tx.Rollback()

	var matches int
	probe := `SELECT count(*) FROM (SELECT 1 FROM search_terms WHERE term >= ? AND term < ? LIMIT ?)`
	args := []any{ranges[0], ranges[1], denseMatches}
	if len(ranges) == 4 {
		probe = `SELECT (` + probe + `) + (` + probe + `)`
		args = append(args, ranges[2], ranges[3], denseMatches)
	}
	if err := tx.QueryRowContext(ctx, probe, args...).Scan(&matches); err != nil {
		return nil, fmt.Errorf("search: %w", mapErr(err))
	}
	query := searchQuery(len(ranges)/2, matches >= denseMatches)
	args = []any{}
	for _, r := range ranges {
		args = append(args, r)
	}
	for len(args) < 4 {
		args = append(args, "")
	}
	args = append(args, offset+limit, limit, offset)
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("search: %w", mapErr(err))
	}
	defer rows.Close()
	out := []model.AccountSummary{}
	for rows.Next() {
		var a model.AccountSummary
		var match string
		if err := rows.Scan(&a.ID, &a.Number, &a.Name, &a.Product, &a.UsesPINs, &match); err != nil {
			return nil, fmt.Errorf("search: %w", mapErr(err))
		}
		if f, text, ok := strings.Cut(match, ":"); ok && len(f) == 1 && f[0] >= '0' && int(f[0]-'0') < len(searchterm.FieldNames) {
			a.MatchedOn, a.MatchedText = searchterm.FieldNames[f[0]-'0'], text
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search: %w", mapErr(err))
	}
	return out, nil
}

// searchQuery builds the search for one or two term ranges. Parameters: ?1 ?2 the text range,
// ?3 ?4 the digits range (unused with one), ?5 offset+limit, ?6 limit, ?7 offset.
func searchQuery(nranges int, dense bool) string {
	termRanges := []string{"t.term >= ?1 AND t.term < ?2"}
	if nranges == 2 {
		termRanges = append(termRanges, "t.term >= ?3 AND t.term < ?4")
	}
	var trm string
	if dense {
		// Walk accounts in number order; each is two index seeks at most. Which term matched is
		// looked up below, for the page's accounts only.
		var exists []string
		for _, r := range termRanges {
			exists = append(exists, "EXISTS (SELECT 1 FROM search_terms AS t WHERE t.account_id = a.id AND "+r+")")
		}
		trm = `SELECT a.id, a.number, NULL AS field, NULL AS text FROM accounts AS a
			WHERE ` + strings.Join(exists, " OR ") + `
			ORDER BY a.number COLLATE NOCASE, a.id LIMIT ?5`
	} else {
		// Read the matching terms and keep each account's best (SQLite takes the bare column text
		// from the row holding min(field)).
		var parts []string
		for _, r := range termRanges {
			parts = append(parts, "SELECT t.account_id, t.number, t.field, t.text FROM search_terms AS t WHERE "+r)
		}
		trm = `SELECT account_id AS id, number, min(field) AS field, text FROM (` + strings.Join(parts, " UNION ALL ") + `)
			GROUP BY account_id ORDER BY number COLLATE NOCASE, account_id LIMIT ?5`
	}
	return `
WITH num AS (
	SELECT id, number, 0 AS field, number AS text FROM accounts
	WHERE number >= ?1 COLLATE NOCASE AND number < ?2 COLLATE NOCASE
	ORDER BY number COLLATE NOCASE, id LIMIT ?5
), trm AS (` + trm + `
), page AS (
	SELECT id, min(field) AS field, text FROM (SELECT * FROM num UNION ALL SELECT * FROM trm)
	GROUP BY id ORDER BY number COLLATE NOCASE, id LIMIT ?6 OFFSET ?7
)
SELECT a.id, a.number, a.name, a.product, a.uses_pins,
	coalesce(p.field || ':' || p.text, (
		SELECT t.field || ':' || t.text FROM search_terms AS t
		WHERE t.account_id = a.id AND ((` + strings.Join(termRanges, ") OR (") + `))
		ORDER BY t.field, t.text LIMIT 1), '')
FROM page AS p JOIN accounts AS a ON a.id = p.id
ORDER BY a.number COLLATE NOCASE, a.id`
}

package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode"

	"github.com/pindesk/pindesk/model"
)

// Search fields, in the order a match is preferred for MatchedOn.
const (
	fieldNumber = iota
	fieldName
	fieldContact
	fieldEmail
	fieldPhone
)

var fieldNames = [...]string{"number", "name", "contact", "email", "phone"}

type searchTerm struct {
	term  string
	field int
	text  string
}

// normalize lower-cases s and collapses its runs of white space, for terms and queries alike.
func normalize(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }

// digits keeps the ASCII digits of s.
func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// phoneQuery returns the digits of a query that reads as (the start of) a phone number — digits
// and the punctuation phone numbers are written with — and "" for any other, so "smith 2" never
// matches phones beginning with 2.
func phoneQuery(q string) string {
	for _, r := range q {
		if !(r >= '0' && r <= '9') && !strings.ContainsRune(" +-().", r) {
			return ""
		}
	}
	return digits(q)
}

// nameTerms are the whole name and each of its words: split on spaces ("o'neil") and on anything
// not a letter or digit ("neil"), so either way of typing finds it.
func nameTerms(name string) []string {
	whole := normalize(name)
	out := []string{whole}
	out = append(out, strings.Fields(whole)...)
	out = append(out, strings.FieldsFunc(whole, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })...)
	return out
}

// accountTerms lists the search terms of an account, without duplicates.
func accountTerms(a model.Account) []searchTerm {
	seen := map[searchTerm]bool{}
	var out []searchTerm
	add := func(term string, field int, text string) {
		t := searchTerm{term, field, text}
		if term == "" || seen[t] || !strings.ContainsFunc(term, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			return
		}
		seen[t] = true
		out = append(out, t)
	}
	// The number is searched on its own index (see SearchAccounts), not as a term.
	for _, w := range nameTerms(a.Name) {
		add(w, fieldName, a.Name)
	}
	for _, c := range a.Contacts {
		for _, w := range nameTerms(c.Name) {
			add(w, fieldContact, c.Name)
		}
		add(normalize(c.Email), fieldEmail, c.Email)
		add(digits(c.Phone), fieldPhone, c.Phone)
	}
	return out
}

// prefixEnd is the least string greater than every string that starts with p, so that
// term >= p AND term < prefixEnd(p) is an index range. UTF-8 has no 0xff byte, so incrementing
// the last byte always works for a term.
func prefixEnd(p string) string {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return ""
}

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
	text := normalize(q)
	if text == "" || limit <= 0 {
		return []model.AccountSummary{}, nil
	}
	if offset < 0 {
		offset = 0
	}
	// One or two prefix ranges: the text, and a phone's digits when they differ from it.
	ranges := []string{text, prefixEnd(text)}
	if d := phoneQuery(q); d != "" && d != text {
		ranges = append(ranges, d, prefixEnd(d))
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
		if f, text, ok := strings.Cut(match, ":"); ok && len(f) == 1 && f[0] >= '0' && int(f[0]-'0') < len(fieldNames) {
			a.MatchedOn, a.MatchedText = fieldNames[f[0]-'0'], text
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

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
	add(normalize(a.Number), fieldNumber, a.Number)
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

// denseMatches is where SearchAccounts changes plan. Up to it, the matching terms are read from
// the term index, grouped by account and sorted by number (cost grows with the matches). Past it a
// match is common enough that walking accounts in number order and probing each one's terms finds a
// page after a few hundred accounts, whatever the total number of matches.
const denseMatches = 3000

// SearchAccounts finds accounts by a case-insensitive prefix of their number, name, a word of
// their name, a contact's name or a word of it, an email, or (for a query that reads as a phone
// number) the digits of a phone, ordered by account number.
func (s *Store) SearchAccounts(ctx context.Context, q string, limit, offset int) ([]model.AccountSummary, error) {
	text := normalize(q)
	if text == "" || limit <= 0 {
		return []model.AccountSummary{}, nil
	}
	if offset < 0 {
		offset = 0
	}
	// Two prefix ranges at most: the text, and a phone's digits when they differ from it.
	ranges := []string{text, prefixEnd(text)}
	if d := phoneQuery(q); d != "" && d != text {
		ranges = append(ranges, d, prefixEnd(d))
	} else {
		ranges = append(ranges, ranges[0], ranges[1])
	}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("search: %w", mapErr(err))
	}
	defer tx.Rollback()
	var matches int
	err = tx.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM (SELECT 1 FROM search_terms WHERE term >= ?1 AND term < ?2 LIMIT ?5)) +
		(SELECT count(*) FROM (SELECT 1 FROM search_terms WHERE term >= ?3 AND term < ?4 AND ?3 <> ?1 LIMIT ?5))`,
		ranges[0], ranges[1], ranges[2], ranges[3], denseMatches).Scan(&matches)
	if err != nil {
		return nil, fmt.Errorf("search: %w", mapErr(err))
	}
	query := sparseSearch
	if matches >= denseMatches {
		query = denseSearch
	}
	rows, err := tx.QueryContext(ctx, query, ranges[0], ranges[1], ranges[2], ranges[3], limit, offset)
	if err != nil {
		return nil, fmt.Errorf("search: %w", mapErr(err))
	}
	defer rows.Close()
	out := []model.AccountSummary{}
	for rows.Next() {
		var a model.AccountSummary
		var field int
		if err := rows.Scan(&a.ID, &a.Number, &a.Name, &a.Product, &a.UsesPINs, &field, &a.MatchedText); err != nil {
			return nil, fmt.Errorf("search: %w", mapErr(err))
		}
		if field >= 0 && field < len(fieldNames) {
			a.MatchedOn = fieldNames[field]
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search: %w", mapErr(err))
	}
	return out, nil
}

// sparseSearch reads the matching terms (one or two index ranges), keeps each account's best
// match (SQLite takes text from the row holding min(field)), and joins only the page's accounts.
const sparseSearch = `
SELECT a.id, a.number, a.name, a.product, a.uses_pins, m.field, m.text
FROM (
	SELECT account_id, number, min(field) AS field, text FROM (
		SELECT account_id, number, field, text FROM search_terms WHERE term >= ?1 AND term < ?2
		UNION ALL
		SELECT account_id, number, field, text FROM search_terms WHERE term >= ?3 AND term < ?4 AND ?3 <> ?1
	)
	GROUP BY account_id
	ORDER BY number
	LIMIT ?5 OFFSET ?6
) AS m
JOIN accounts AS a ON a.id = m.account_id
ORDER BY a.number`

// denseSearch walks accounts in number order and keeps those with a matching term, probing the
// (account_id, term) index once per account.
const denseSearch = `
SELECT id, number, name, product, uses_pins, cast(substr(m, 1, 1) AS INTEGER), substr(m, 3)
FROM (
	SELECT a.id, a.number, a.name, a.product, a.uses_pins, (
		SELECT t.field || ':' || t.text FROM search_terms AS t
		WHERE t.account_id = a.id AND ((t.term >= ?1 AND t.term < ?2) OR (t.term >= ?3 AND t.term < ?4))
		ORDER BY t.field LIMIT 1
	) AS m
	FROM accounts AS a
	ORDER BY a.number
)
WHERE m IS NOT NULL
LIMIT ?5 OFFSET ?6`

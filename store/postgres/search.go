package postgres

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pindesk/pindesk/model"
)

// Search terms are built exactly as the SQLite store builds them (store/sqlite/search.go), so a
// query finds the same accounts on either store.

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

// prefixEnd is the least string greater than every string that starts with p, in byte order (the
// terms' COLLATE "C"), so that term >= p AND term < prefixEnd(p) is an index range. It increments
// p's last character rather than its last byte, so the bound is valid UTF-8, which PostgreSQL
// requires of text; UTF-8 orders bytes as it orders code points, so the two agree. "" means no
// bound (p is all U+10FFFF, which no term holds).
func prefixEnd(p string) string {
	rest := p
	for rest != "" {
		r, size := utf8.DecodeLastRuneInString(rest)
		rest = rest[:len(rest)-size]
		switch {
		case r == utf8.MaxRune:
			continue // no successor in this place: carry into the one before
		case r == 0xD7FF:
			r = 0xE000 // surrogates are not characters
		default:
			r++
		}
		return rest + string(r)
	}
	return ""
}

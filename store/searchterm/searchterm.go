// Package searchterm builds the search terms of an account and reads a query the same way for
// every store, so a query finds the same accounts on SQLite and on PostgreSQL. A store keeps the
// terms in an index ordered by term (byte order) and finds a prefix q as the range
// term >= q AND term < PrefixEnd(q).
package searchterm

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pindesk/pindesk/model"
)

// Search fields, in the order a match is preferred for MatchedOn.
const (
	FieldNumber = iota
	FieldName
	FieldContact
	FieldEmail
	FieldPhone
)

// FieldNames are the fields' names in model.AccountSummary.MatchedOn, indexed by field.
var FieldNames = [...]string{"number", "name", "contact", "email", "phone"}

// Term is one indexed term of an account: the lower-cased term, its field, and the text it came
// from (shown as MatchedText).
type Term struct {
	Term  string
	Field int
	Text  string
}

// Normalize lower-cases s and collapses its runs of white space, for terms and queries alike.
func Normalize(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }

// Digits keeps the ASCII digits of s.
func Digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// PhoneQuery returns the digits of a query that reads as (the start of) a phone number — digits
// and the punctuation phone numbers are written with — and "" for any other, so "smith 2" never
// matches phones beginning with 2.
func PhoneQuery(q string) string {
	for _, r := range q {
		if !(r >= '0' && r <= '9') && !strings.ContainsRune(" +-().", r) {
			return ""
		}
	}
	return Digits(q)
}

// nameTerms are the whole name and each of its words: split on spaces ("o'neil") and on anything
// not a letter or digit ("neil"), so either way of typing finds it.
func nameTerms(name string) []string {
	whole := Normalize(name)
	out := []string{whole}
	out = append(out, strings.Fields(whole)...)
	out = append(out, strings.FieldsFunc(whole, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })...)
	return out
}

// Account lists the search terms of an account, without duplicates. The account number is not a
// term: stores search it on its own index, where a prefix's matches lie together in number order.
func Account(a model.Account) []Term {
	seen := map[Term]bool{}
	var out []Term
	add := func(term string, field int, text string) {
		t := Term{term, field, text}
		if term == "" || seen[t] || !strings.ContainsFunc(term, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			return
		}
		seen[t] = true
		out = append(out, t)
	}
	for _, w := range nameTerms(a.Name) {
		add(w, FieldName, a.Name)
	}
	for _, c := range a.Contacts {
		for _, w := range nameTerms(c.Name) {
			add(w, FieldContact, c.Name)
		}
		add(Normalize(c.Email), FieldEmail, c.Email)
		add(Digits(c.Phone), FieldPhone, c.Phone)
	}
	return out
}

// PrefixEnd is the least string greater than every string that starts with p, in byte order, so
// that term >= p AND term < PrefixEnd(p) is an index range. It increments p's last character
// rather than its last byte, so the bound is valid UTF-8, which PostgreSQL requires of text; UTF-8
// orders bytes as it orders code points, so the two agree. "" means no bound (p is all U+10FFFF,
// which no term holds).
func PrefixEnd(p string) string {
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

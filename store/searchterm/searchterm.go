// Package searchterm builds the search terms of an account and reads a query the same way for
// every store, so a query finds the same accounts on SQLite and on PostgreSQL, in the same order,
// with the same match shown.
//
// A store keeps the terms in an index ordered by term (byte order) and finds a prefix p as the
// range term >= p AND term < PrefixEnd(p). Terms come in three kinds, told apart by their first
// byte so that one kind's range never reaches into another's:
//
//   - words: each word of the account's name and of each contact's name, an email, its local part,
//     its domain and the domain's labels (harbour-bakery in sam@harbour-bakery.co.uk), folded:
//     lower case, accents removed (Inês → ines, Müller → muller, ß → ss);
//   - phones (PhonePrefix): a phone's digits as written, in national format and in E.164, so a
//     number typed from its start in any of those forms is a prefix; and its E.164 digits reversed
//     (PhoneSuffix), so the last digits of a number are a prefix too;
//   - exact keys (ExactPrefix): a whole name with its words sorted (word order is the caller's),
//     a whole email, a phone in E.164: the matches that rank first;
//   - word pairs (PairPrefix): for each two words of one name, the first's start (up to pairLead
//     letters) and the second, so a query of several words is read from one short range (the
//     names with "jo…" and "sm…"), not from the long ones of each word alone.
//
// The account number is not a term: stores search it on its own index, where a prefix's matches
// lie together in number order.
package searchterm

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/net/publicsuffix"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

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

// The first bytes of the terms that are not words. Control characters: Fold removes them from
// every word and query, so no word term or query word can begin with one.
const (
	ExactPrefix  = "\x01"
	PhonePrefix  = "\x02"
	PhoneSuffix  = "\x03"
	PairPrefix   = "\x04"
	minSuffixLen = 4 // fewer trailing digits than this match far too many numbers to mean one
	// pairLead is how much of a pair's first word its term keeps: enough to narrow the range to a
	// few hundred names, few enough that a name has only a handful of pair terms.
	pairLead = 2
)

// DefaultRegion is the region a phone number written without its country code is read in,
// unless the store is told another (config key search.default_region).
const DefaultRegion = "GB"

// MetaIndex is the meta entry that records how a store's terms were made: IndexFormat and the
// region. A store whose entry differs from what it would write now builds its terms again on open
// (after the migration that changed the format, or a change of search.default_region).
const MetaIndex = "search_index"

// IndexFormat is the version of the terms Account makes; raise it when they change.
const IndexFormat = "3"

// IndexStamp is the MetaIndex value of terms made by this build in region.
func IndexStamp(region string) string { return IndexFormat + " " + region }

// ValidRegion reports whether region is a region code phone numbers can be read in ("GB", "US").
func ValidRegion(region string) bool {
	return phonenumbers.GetCountryCodeForRegion(region) != 0
}

// Term is one indexed term of an account: the term, its field, the text it came from (shown as
// MatchedText) and the contact it belongs to ("" for the account's own name).
type Term struct {
	Term    string
	Field   int
	Text    string
	Contact string
}

// Normalize lower-cases s and collapses its runs of white space. It is how the account number is
// compared: numbers are identifiers, not names, so they are not folded further.
func Normalize(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }

// unmark removes accents (combining marks, after canonical decomposition) and control characters.
var unmark = runes.Remove(runes.Predicate(func(r rune) bool { return unicode.Is(unicode.Mn, r) || unicode.IsControl(r) }))

// fold is a new chain for each call: a chain keeps its state between calls, and searches run
// at once on many goroutines.
func fold() transform.Transformer { return transform.Chain(norm.NFD, unmark, norm.NFC) }

// letters are the letters that do not decompose into a base letter and an accent but that callers
// spell without one all the same.
var letters = strings.NewReplacer("ß", "ss", "ẞ", "ss", "ø", "o", "æ", "ae", "œ", "oe", "ł", "l",
	"đ", "d", "ð", "d", "þ", "th", "ı", "i", "ħ", "h")

// Fold is Normalize for names: lower case, runs of white space collapsed, accents removed and the
// letters callers write without them replaced, so "Núñez" and "nunez" fold alike.
func Fold(s string) string {
	if printableASCII(s) {
		// Nothing to decompose, remove or replace: the common case (most names and every email
		// and phone), and an import folds some thirty strings an account.
		return Normalize(s)
	}
	f, _, err := transform.String(fold(), strings.ToLower(s))
	if err != nil {
		f = s // invalid UTF-8 is kept whole: it matches nothing but itself
	}
	return letters.Replace(Normalize(f))
}

// printableASCII reports whether s holds only the characters from space to tilde, on which
// Fold's transform and replacements change nothing.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

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

// PhoneQuery returns the digits of a query that reads as (a part of) a phone number — digits and
// the punctuation phone numbers are written with — and "" for any other, so "smith 2" never
// matches phones by their 2.
func PhoneQuery(q string) string {
	for _, r := range q {
		if !(r >= '0' && r <= '9') && !strings.ContainsRune(" +-().", r) {
			return ""
		}
	}
	return Digits(q)
}

func reverse(s string) string {
	b := []byte(s)
	slices.Reverse(b)
	return string(b)
}

// nameWords are the words of a folded name: split on spaces ("o'neil") and on anything not a
// letter or digit ("o", "neil"), so either way of typing finds it.
func nameWords(folded string) []string {
	out := strings.Fields(folded)
	return append(out, strings.FieldsFunc(folded, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })...)
}

// lead is the first n characters of w.
func lead(w string, n int) string {
	for i := range w {
		if n == 0 {
			return w[:i]
		}
		n--
	}
	return w
}

// pairTerms are a name's word pairs: for two different words a and b, a's first 1..pairLead
// characters, a space, and b.
func pairTerms(words []string) []string {
	var out []string
	for i, a := range words {
		for j, b := range words {
			if i == j || a == b {
				continue
			}
			for k := 1; k <= pairLead && k <= utf8.RuneCountInString(a); k++ {
				out = append(out, PairPrefix+lead(a, k)+" "+b)
			}
		}
	}
	return out
}

// exactKey is a whole name's (or query's) exact term: its words sorted, so word order is free.
func exactKey(folded string) string {
	words := strings.Fields(folded)
	slices.Sort(words)
	return ExactPrefix + strings.Join(words, " ")
}

// emailWords are an email's word terms: the whole address, its local part, its domain and the
// labels of the domain in front of its public suffix (harbour-bakery of harbour-bakery.co.uk, not
// co or uk, which half the contacts share).
func emailWords(folded string) []string {
	out := []string{folded}
	local, domain, ok := strings.Cut(folded, "@")
	if !ok {
		return out
	}
	out = append(out, local, domain)
	suffix, _ := publicsuffix.PublicSuffix(domain)
	if own, ok := strings.CutSuffix(domain, suffix); ok && own != domain {
		out = append(out, strings.Split(strings.TrimSuffix(own, "."), ".")...)
	}
	return out
}

// phone reads a phone number written in any national or international form, in region when it
// has no country code. ok is false when it cannot be read as one.
func phone(s, region string) (e164digits, national string, ok bool) {
	n, err := phonenumbers.Parse(s, region)
	if err != nil {
		return "", "", false
	}
	return Digits(phonenumbers.Format(n, phonenumbers.E164)), Digits(phonenumbers.Format(n, phonenumbers.NATIONAL)), true
}

// Account lists the search terms of an account, without duplicates, reading phone numbers without
// a country code in region.
func Account(a model.Account, region string) []Term {
	// Sized for a typical account (sixty terms), so they are not grown step by step.
	seen := make(map[Term]bool, 64)
	out := make([]Term, 0, 64)
	add := func(term string, field int, text, contact string) {
		t := Term{term, field, text, contact}
		if seen[t] || !strings.ContainsFunc(term, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			return
		}
		seen[t] = true
		out = append(out, t)
	}
	name := func(n string, field int, contact string) {
		f := Fold(n)
		words := nameWords(f)
		for _, w := range words {
			add(w, field, n, contact)
		}
		for _, t := range pairTerms(words) {
			add(t, field, n, contact)
		}
		add(exactKey(f), field, n, contact)
	}
	name(a.Name, FieldName, "")
	for _, c := range a.Contacts {
		name(c.Name, FieldContact, c.ID)
		if e := Fold(c.Email); e != "" {
			for _, w := range emailWords(e) {
				add(w, FieldEmail, c.Email, c.ID)
			}
			add(exactKey(e), FieldEmail, c.Email, c.ID)
		}
		digits := Digits(c.Phone)
		if digits == "" {
			continue
		}
		add(PhonePrefix+digits, FieldPhone, c.Phone, c.ID)
		e164, national, ok := phone(c.Phone, region)
		if !ok {
			add(PhoneSuffix+reverse(digits), FieldPhone, c.Phone, c.ID)
			continue
		}
		add(PhonePrefix+national, FieldPhone, c.Phone, c.ID)
		add(PhonePrefix+e164, FieldPhone, c.Phone, c.ID)
		add(PhoneSuffix+reverse(e164), FieldPhone, c.Phone, c.ID)
		add(ExactPrefix+"+"+e164, FieldPhone, c.Phone, c.ID)
	}
	return out
}

// Range is the terms from Lo up to (not including) Hi: the terms that start with Lo.
type Range struct{ Lo, Hi string }

func prefix(p string) Range { return Range{p, PrefixEnd(p)} }

func (r Range) has(term string) bool { return term >= r.Lo && (r.Hi == "" || term < r.Hi) }

// Query is a search query as the stores run it.
//
// An account matches when its number starts with Number (case-insensitively), or when one of its
// names — the account's own, or one contact's name, email and phone taken together — has, for
// every word of Words, a term in one of the word's ranges. Word order does not matter. Exact
// lists the exact keys: an account with one of them, or whose number is Number, ranks first.
type Query struct {
	Number string
	Words  [][]Range
	Exact  []string
	words  []string // the words, for Pairs
}

// NamesOnly reports whether the query's words must match the words of a name (the account's or
// a contact's name): a query of several words is a name; a single word may be an email or phone
// too.
func (q Query) NamesOnly() bool { return len(q.Words) > 1 }

// Pair is a range of pair terms that holds every name matching the query's words First and
// Second: names with a word starting with First's first pairLead characters and another starting
// with Second. Exact lists the words the range matches exactly: Second, and First when it is
// no longer than pairLead; a store checks the others on the names the range holds.
type Pair struct {
	Range         Range
	First, Second int
	Exact         []int
}

// Pairs lists the pair ranges of a query of several words, each ordered pair of its (first
// three) words: a store reads the shortest and checks the other words on the names it holds.
func (q Query) Pairs() []Pair {
	if !q.NamesOnly() {
		return nil
	}
	n := min(len(q.words), 3)
	var out []Pair
	for a := range n {
		for b := range n {
			if a != b {
				p := Pair{prefix(PairPrefix + lead(q.words[a], pairLead) + " " + q.words[b]), a, b, []int{b}}
				if utf8.RuneCountInString(q.words[a]) <= pairLead {
					p.Exact = append(p.Exact, a)
				}
				out = append(out, p)
			}
		}
	}
	return out
}

// Parse reads a query, taking a phone number without a country code to be in region.
func Parse(q, region string) Query {
	out := Query{Number: Normalize(q)}
	folded := Fold(q)
	if folded == "" {
		return out
	}
	if d := PhoneQuery(q); d != "" {
		// A phone number, typed with spaces or not, is one word: its digits from the start in any
		// form it is stored in, or its last digits; and, if it reads as a whole number, exactly
		// that number. A word without spaces ("1001") is also a word of names and emails.
		var alts []Range
		if !strings.Contains(folded, " ") {
			alts = append(alts, prefix(folded))
		}
		alts = append(alts, prefix(PhonePrefix+d))
		if len(d) >= minSuffixLen {
			alts = append(alts, prefix(PhoneSuffix+reverse(d)))
		}
		out.Words = [][]Range{alts}
		if n, err := phonenumbers.Parse(q, region); err == nil && phonenumbers.IsPossibleNumber(n) {
			out.Exact = append(out.Exact, ExactPrefix+"+"+Digits(phonenumbers.Format(n, phonenumbers.E164)))
		}
		return out
	}
	// A word that starts another ("jo john") asks nothing more: the longer one's word matches
	// it. Without them, the words match different words of a name, which pair terms index. A
	// word of punctuation alone ("&") is no term of any name: it is left to the exact key.
	var words []string
	for _, w := range strings.Fields(folded) {
		if !strings.ContainsFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			continue
		}
		if !slices.ContainsFunc(strings.Fields(folded), func(o string) bool { return o != w && strings.HasPrefix(o, w) }) {
			words = append(words, w)
		}
	}
	slices.Sort(words)
	words = slices.Compact(words)
	for _, w := range words {
		out.Words = append(out.Words, []Range{prefix(w)})
		out.words = append(out.words, w)
	}
	out.Exact = append(out.Exact, exactKey(folded))
	return out
}

// Match is which term of an account a query matched, and how well.
type Match struct {
	Rank    int // 0 exact account number, 1 an exact name, email or phone, 2 a prefix
	Field   int
	Text    string
	Contact string
}

// Ranks of a match, best first.
const (
	RankNumber = iota
	RankExact
	RankPrefix
)

// Best is the match to show for an account: given its number and its terms that fall in any of
// the query's ranges or exact keys, the best rank, then the first field (number, name, contact,
// email, phone), then the least text and contact id, among the names that match the whole query.
// ok is false when the account does not match.
func (q Query) Best(number string, terms []Term) (m Match, ok bool) {
	consider := func(c Match) {
		if !ok || c.Rank < m.Rank || c.Rank == m.Rank && (c.Field < m.Field ||
			c.Field == m.Field && (c.Text < m.Text || c.Text == m.Text && c.Contact < m.Contact)) {
			m, ok = c, true
		}
	}
	if n := Normalize(number); n == q.Number {
		consider(Match{RankNumber, FieldNumber, number, ""})
	} else if strings.HasPrefix(n, q.Number) {
		consider(Match{RankPrefix, FieldNumber, number, ""})
	}
	for _, t := range terms {
		if slices.Contains(q.Exact, t.Term) {
			consider(Match{RankExact, t.Field, t.Text, t.Contact})
		}
	}
	// Group by name (contact, or "" for the account's); a name matches when each word is matched.
	byName := map[string][]Term{}
	for _, t := range terms {
		if !q.NamesOnly() || t.Field == FieldName || t.Field == FieldContact {
			byName[t.Contact] = append(byName[t.Contact], t)
		}
	}
	for _, ts := range byName {
		if len(q.Words) == 0 || !q.matchesAll(ts) {
			continue
		}
		for _, t := range ts {
			if q.inAnyRange(t.Term) {
				consider(Match{RankPrefix, t.Field, t.Text, t.Contact})
			}
		}
	}
	return m, ok
}

func (q Query) matchesAll(ts []Term) bool {
	for _, alts := range q.Words {
		if !slices.ContainsFunc(ts, func(t Term) bool { return slices.ContainsFunc(alts, func(r Range) bool { return r.has(t.Term) }) }) {
			return false
		}
	}
	return true
}

func (q Query) inAnyRange(term string) bool {
	for _, alts := range q.Words {
		for _, r := range alts {
			if r.has(term) {
				return true
			}
		}
	}
	return false
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

// Merge is the accounts of a search in the order they are listed: the exact matches (in their
// order), then the others (in theirs) less those already listed.
func Merge(exact, others []string) []string {
	out := append([]string(nil), exact...)
	for _, id := range others {
		if !slices.Contains(exact, id) {
			out = append(out, id)
		}
	}
	return out
}

package searchterm

import "github.com/pindesk/pindesk/model"

// What both stores decide the same way when they run a Query; only the SQL that reads the terms
// differs between them.

// Driver is the range a search reads first, and the query words it matches exactly (the rest are
// checked on the names it finds): the word itself for a query of one word; for several, the
// rarest pair of words (Query.Pairs).
type Driver struct {
	Ranges []Range
	Exact  []int
}

// Drivers lists the ranges a search may start from; a store counts each one's terms and starts
// from the Rarest.
func (q Query) Drivers() []Driver {
	if !q.NamesOnly() {
		return []Driver{{q.Words[0], []int{0}}}
	}
	var out []Driver
	for _, p := range q.Pairs() {
		out = append(out, Driver{[]Range{p.Range}, p.Exact})
	}
	return out
}

// Rarest is the driver of ds with the fewest terms (counts[i] is ds[i]'s, counted up to dense),
// and whether even it has dense terms or more: common enough that walking accounts in number
// order finds a page sooner than reading its terms.
func Rarest(ds []Driver, counts []int, dense int) (Driver, bool) {
	best := 0
	for i, c := range counts {
		if c < counts[best] {
			best = i
		}
	}
	return ds[best], counts[best] >= dense
}

// Rows is what Summaries reads: rows of database/sql or of pgx.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// Summaries lists the accounts ids, in that order, from rows of an account's summary and one of
// its terms (id, number, name, product, uses_pins, term, field, text, contact_id; empty term
// columns for an account without one), each with the match Best finds: what matched, and in
// which contact. The caller closes rows.
func Summaries(q Query, ids []string, rows Rows) ([]model.AccountSummary, error) {
	found := map[string]*model.AccountSummary{}
	terms := map[string][]Term{}
	for rows.Next() {
		var s model.AccountSummary
		var t Term
		if err := rows.Scan(&s.ID, &s.Number, &s.Name, &s.Product, &s.UsesPINs, &t.Term, &t.Field, &t.Text, &t.Contact); err != nil {
			return nil, err
		}
		if found[s.ID] == nil {
			found[s.ID] = &s
		}
		terms[s.ID] = append(terms[s.ID], t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]model.AccountSummary, 0, len(ids))
	for _, id := range ids {
		s := found[id]
		if s == nil {
			continue // gone since it was listed: the reads share a snapshot, so never
		}
		if m, ok := q.Best(s.Number, terms[id]); ok {
			s.MatchedOn, s.MatchedText, s.MatchedContact = FieldNames[m.Field], m.Text, m.Contact
		}
		out = append(out, *s)
	}
	return out, nil
}

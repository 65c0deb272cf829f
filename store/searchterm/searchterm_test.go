package searchterm

import (
	"strings"
	"sync"
	"testing"

	"golang.org/x/text/transform"

	"github.com/pindesk/pindesk/model"
)

func TestAnAccountIsFoundByEveryWordOfItsNamesItsEmailAndPhone(t *testing.T) {
	a := model.Account{ID: "a1", Number: "1001", Name: "Harbour Bakery", Contacts: []model.Contact{
		{ID: "c1", Name: "Seán O'Neil", Email: "Sean@Harbour-Bakery.co.uk", Phone: "020 7946 0101", Role: model.RoleHolder},
	}}
	got := map[string]Term{}
	for _, term := range Account(a, "GB") {
		if _, ok := got[term.Term]; !ok { // the first field a term is made for
			got[term.Term] = term
		}
	}
	want := map[string]Term{
		"harbour": {Field: FieldName}, "bakery": {Field: FieldName}, ExactPrefix + "bakery harbour": {Field: FieldName},
		"sean": {Field: FieldContact, Contact: "c1"}, "o'neil": {Field: FieldContact, Contact: "c1"},
		"o": {Field: FieldContact, Contact: "c1"}, "neil": {Field: FieldContact, Contact: "c1"},
		ExactPrefix + "o'neil sean": {Field: FieldContact, Contact: "c1"},
		"sean@harbour-bakery.co.uk": {Field: FieldEmail, Contact: "c1"}, "harbour-bakery.co.uk": {Field: FieldEmail, Contact: "c1"},
		"harbour-bakery":            {Field: FieldEmail, Contact: "c1"},
		PhonePrefix + "02079460101": {Field: FieldPhone, Contact: "c1"}, PhonePrefix + "442079460101": {Field: FieldPhone, Contact: "c1"},
		PhoneSuffix + "101064970244": {Field: FieldPhone, Contact: "c1"}, ExactPrefix + "+442079460101": {Field: FieldPhone, Contact: "c1"},
	}
	for term, w := range want {
		g, ok := got[term]
		if !ok || g.Field != w.Field || g.Contact != w.Contact {
			t.Errorf("term %q: got %+v (present %v), want field %d contact %q", term, g, ok, w.Field, w.Contact)
		}
	}
	for _, not := range []string{"1001", "co", "uk"} {
		if _, ok := got[not]; ok {
			t.Errorf("%q is a term", not)
		}
	}
}

func TestFoldingRemovesAccentsAndCase(t *testing.T) {
	for in, want := range map[string]string{"Inês": "ines", "MÜLLER": "muller", "Núñez": "nunez", "Straße": "strasse",
		"Søren  Ødegaard": "soren odegaard", "Zoë": "zoe", "Łukasz": "lukasz", "a\x01b": "ab"} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFoldingIsSafeForSearchesRunningAtOnce(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				if got := Fold("Núñez Müller"); got != "nunez muller" {
					t.Errorf("Fold under concurrency = %q", got)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestAQueryMatchesWhenEveryWordStartsAWordOfOneName(t *testing.T) {
	a := model.Account{ID: "a1", Number: "AB1001", Name: "Núñez Imports", Contacts: []model.Contact{
		{ID: "c1", Name: "María López", Email: "maria@harbour-bakery.co.uk", Phone: "+44 20 7946 0101"},
		{ID: "c2", Name: "Inês Müller", Phone: "07700 900123"},
	}}
	terms := Account(a, "GB")
	tests := []struct {
		q       string
		ok      bool
		rank    int
		field   int
		contact string
	}{
		{"ab1001", true, RankNumber, FieldNumber, ""},
		{"ab10", true, RankPrefix, FieldNumber, ""},
		{"nunez", true, RankPrefix, FieldName, ""},
		{"imports nunez", true, RankExact, FieldName, ""},
		{"lopez maria", true, RankExact, FieldContact, "c1"},
		{"lop ma", true, RankPrefix, FieldContact, "c1"},
		{"ines muller", true, RankExact, FieldContact, "c2"},
		{"maria muller", false, 0, 0, ""},                      // two contacts, not one name
		{"ma maria lop", true, RankPrefix, FieldContact, "c1"}, // "ma" asks nothing "maria" does not
		{"maria harbour", false, 0, 0, ""},                     // several words are a name, not an email
		{"harbour-bakery", true, RankPrefix, FieldEmail, "c1"},
		{"020 7946 0101", true, RankExact, FieldPhone, "c1"},
		{"+44 20 7946 0101", true, RankExact, FieldPhone, "c1"},
		{"7946 0101", true, RankPrefix, FieldPhone, "c1"},
		{"0101", true, RankPrefix, FieldPhone, "c1"},
		{"900123", true, RankPrefix, FieldPhone, "c2"},
		{"+44 7700 900123", true, RankExact, FieldPhone, "c2"},
		{"101", false, 0, 0, ""}, // too few digits for a suffix
		{"smith 2", false, 0, 0, ""},
	}
	for _, tc := range tests {
		m, ok := Parse(tc.q, "GB").Best(a.Number, terms)
		if ok != tc.ok || ok && (m.Rank != tc.rank || m.Field != tc.field || m.Contact != tc.contact) {
			t.Errorf("%q: got %+v %v, want rank %d field %d contact %q %v", tc.q, m, ok, tc.rank, tc.field, tc.contact, tc.ok)
		}
	}
}

func TestOnlyAPhoneLikeQueryIsMatchedAgainstPhones(t *testing.T) {
	for q, want := range map[string]string{"+44 20": "4420", "(020) 79": "02079", "smith 2": "", "": ""} {
		if got := PhoneQuery(q); got != want {
			t.Errorf("PhoneQuery(%q) = %q, want %q", q, got, want)
		}
	}
}

func TestPrefixEndBoundsExactlyTheStringsWithThePrefix(t *testing.T) {
	for _, p := range []string{"a", "smi", "zz", "é", "a\U0010FFFF"} {
		end := PrefixEnd(p)
		for _, s := range []string{p, p + "a", p + "\U0010FFFF", p + "zzzz"} {
			if !(s >= p && s < end) {
				t.Errorf("%q with prefix %q falls outside [%q, %q)", s, p, p, end)
			}
		}
		if strings.HasPrefix(end, p) {
			t.Errorf("PrefixEnd(%q) = %q itself has the prefix", p, end)
		}
	}
	if PrefixEnd("\U0010FFFF") != "" {
		t.Error("no bound expected for a prefix of the highest character")
	}
}

// slowFold is Fold without its shortcut for printable ASCII.
func slowFold(s string) string {
	f, _, err := transform.String(fold(), strings.ToLower(s))
	if err != nil {
		f = s
	}
	return letters.Replace(Normalize(f))
}

func TestFoldingPlainASCIIFoldsAsTheFullChainWould(t *testing.T) {
	cases := []string{"", " ", "Harbour  Bakery", "O'Neil-Smith & Co.", "SAM@HARBOUR-BAKERY.CO.UK", "+44 (0)20 7946 0101",
		"~!@#$%^&*()_+`-={}[]|\\:\";'<>?,./", " lead and trail ", "tab\tinside", "new\nline", "del\x7fete", "Inês", "ß"}
	for c := 0x20; c <= 0x7e; c++ {
		cases = append(cases, "a"+string(rune(c))+"B")
	}
	for _, c := range cases {
		if got, want := Fold(c), slowFold(c); got != want {
			t.Errorf("Fold(%q) = %q, want %q", c, got, want)
		}
	}
}

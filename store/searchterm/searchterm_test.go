package searchterm

import (
	"strings"
	"testing"

	"github.com/pindesk/pindesk/model"
)

func TestAnAccountIsFoundByEveryWordOfItsNamesItsEmailAndPhoneDigits(t *testing.T) {
	a := model.Account{ID: "a1", Number: "1001", Name: "Harbour Bakery", Contacts: []model.Contact{
		{ID: "c1", Name: "Seán O'Neil", Email: "Sean@Harbour.example", Phone: "+44 (20) 7946-0101", Role: model.RoleHolder},
	}}
	got := map[string]int{}
	for _, term := range Account(a) {
		got[term.Term] = term.Field
	}
	want := map[string]int{
		"harbour bakery": FieldName, "harbour": FieldName, "bakery": FieldName,
		"seán o'neil": FieldContact, "seán": FieldContact, "o'neil": FieldContact, "o": FieldContact, "neil": FieldContact,
		"sean@harbour.example": FieldEmail, "442079460101": FieldPhone,
	}
	for term, field := range want {
		if f, ok := got[term]; !ok || f != field {
			t.Errorf("term %q: got field %d (present %v), want %d", term, f, ok, field)
		}
	}
	if _, ok := got["1001"]; ok {
		t.Error("the account number is a term; stores search it on its own index")
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

package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

func runSearch(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("search finds accounts by prefix, whatever the case", func(t *testing.T) {
		e := newEnv(t, newStore)
		tests := []struct {
			name, q   string
			want      []string // account numbers, in order
			matchedOn string   // of the first result
			matched   string
		}{
			{"a whole account number finds its account", "100001", []string{"100001"}, "number", "100001"},
			{"a prefix of account numbers finds them in number order", "1000", []string{"100001", "100002"}, "number", "100001"},
			{"the first word of the account name", "smi", []string{"100001"}, "name", "Smith & Sons Ltd"},
			{"a later word of the account name", "sons", []string{"100001"}, "name", "Smith & Sons Ltd"},
			{"the whole account name", "smith & sons", []string{"100001"}, "name", "Smith & Sons Ltd"},
			{"a contact's first name", "john", []string{"100001"}, "contact", "John Smith"},
			{"a contact's surname", "coyo", []string{"100002"}, "contact", "Wile E. Coyote"},
			{"a contact's whole name", "john smith", []string{"100001"}, "contact", "John Smith"},
			{"a name with an apostrophe, typed with it", "o'ne", []string{"100001"}, "contact", "Mary O'Neil"},
			{"a name with an apostrophe, typed without the initial", "neil", []string{"100001"}, "contact", "Mary O'Neil"},
			{"upper case finds lower", "COYOTE", []string{"100002"}, "contact", "Wile E. Coyote"},
			{"mixed case finds", "AcMe", []string{"100002"}, "name", "Acme Corporation"},
			{"an email prefix", "john.smith@", []string{"100001"}, "email", "john.smith@example.com"},
			{"an email in capitals", "WILE@ACME", []string{"100002"}, "email", "wile@acme.example"},
			{"phone digits typed with spaces", "07700 900 4", []string{"100001"}, "phone", "07700 900456"},
			{"an international number typed in national form", "07700 900 1", []string{"100001"}, "phone", "+44 7700 900123"},
			{"phone digits with the country code", "+44 7700", []string{"100001"}, "phone", "+44 7700 900123"},
			{"phone digits typed with punctuation the number lacks", "555-010", []string{"100002"}, "phone", "(555) 010-2000"},
			{"phone digits typed bare", "5550102", []string{"100002"}, "phone", "(555) 010-2000"},
			{"surrounding and repeated spaces are ignored", "  john   smith ", []string{"100001"}, "contact", "John Smith"},
			{"a word with a digit does not match phones by that digit", "smith 2", nil, "", ""},
			{"a prefix nothing starts with finds nothing", "zzz", nil, "", ""},
			{"the middle of a word finds nothing", "mith", nil, "", ""},
			{"a product name is not searched", "broadband", nil, "", ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				res, err := e.svc.Search(e.ctx, Agent, tc.q, model.Page{})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, a := range res.Accounts {
					got = append(got, a.Number)
				}
				if fmt.Sprint(got) != fmt.Sprint(tc.want) {
					t.Fatalf("search %q found %v, want %v", tc.q, got, tc.want)
				}
				if res.More {
					t.Errorf("search %q says more follow", tc.q)
				}
				if len(res.Accounts) > 0 {
					a := res.Accounts[0]
					if a.MatchedOn != tc.matchedOn || a.MatchedText != tc.matched {
						t.Errorf("search %q matched on %q %q, want %q %q", tc.q, a.MatchedOn, a.MatchedText, tc.matchedOn, tc.matched)
					}
				}
			})
		}
	})

	t.Run("search finds callers the way they speak: accents, any word order, email domains, phones in any format", func(t *testing.T) {
		e := newEnv(t, newStore)
		if err := e.svc.Import(e.ctx, Admin, spokenAccounts()); err != nil {
			t.Fatal(err)
		}
		type hit struct{ number, on, text, contact string }
		tests := []struct {
			name, q string
			want    []hit // in order
		}{
			{"an unaccented name finds the accented one", "ines", []hit{{"400001", "contact", "Inês Müller", "c2"}}},
			{"umlauts fold", "muller", []hit{{"400001", "contact", "Inês Müller", "c2"}}},
			{"accents and capitals fold in the account name", "NUNEZ", []hit{{"400001", "name", "Núñez Imports", ""}}},
			{"letters without a decomposition fold too", "odegaard", []hit{{"400002", "contact", "Søren Ødegaard", "c1"}}},
			{"an accented query finds the same", "Núñez", []hit{{"400001", "name", "Núñez Imports", ""}}},
			{"word order does not matter, and exact names rank before prefixes", "lopez maria", []hit{
				{"400001", "contact", "María López", "c1"}, {"400002", "name", "María López", ""}, {"399999", "name", "López Marianne", ""}}},
			{"every word may be a prefix", "lop mar", []hit{
				{"399999", "name", "López Marianne", ""}, {"400001", "contact", "María López", "c1"}, {"400002", "name", "María López", ""}}},
			{"every word must match the same name", "maria muller", nil},
			{"an email's domain", "harbour-bakery", []hit{{"400001", "email", "maria@harbour-bakery.co.uk", "c1"}}},
			{"a phone in national format", "020 7946 0101", []hit{{"400001", "phone", "020 7946 0101", "c1"}}},
			{"a phone in international format", "+44 20 7946 0101", []hit{{"400001", "phone", "020 7946 0101", "c1"}}},
			{"a phone stored international, typed national", "020 7946 0202", []hit{{"400001", "phone", "+44 20 7946 0202", "c2"}}},
			{"a phone's last digits", "7946 0101", []hit{{"400001", "phone", "020 7946 0101", "c1"}}},
			{"a phone's last four digits find every such number", "0101", []hit{
				{"400001", "phone", "020 7946 0101", "c1"}, {"400002", "phone", "+1 415 555 0101", "c1"}}},
			{"an exact account number ranks before other matches", "555", []hit{{"555", "number", "555", ""}, {"100002", "phone", "(555) 010-2000", Wile}}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				res, err := e.svc.Search(e.ctx, Agent, tc.q, model.Page{})
				if err != nil {
					t.Fatal(err)
				}
				var got []hit
				for _, a := range res.Accounts {
					got = append(got, hit{a.Number, a.MatchedOn, a.MatchedText, a.MatchedContact})
				}
				if fmt.Sprint(got) != fmt.Sprint(tc.want) {
					t.Fatalf("search %q found\n%v\nwant\n%v", tc.q, got, tc.want)
				}
			})
		}
	})

	t.Run("ranked results page without gaps or repeats", func(t *testing.T) {
		e := newEnv(t, newStore)
		if err := e.svc.Import(e.ctx, Admin, spokenAccounts()); err != nil {
			t.Fatal(err)
		}
		var seen []string
		for off := 0; off < 4; off++ {
			res, err := e.svc.Search(e.ctx, Agent, "lopez maria", model.Page{Limit: 1, Offset: off})
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range res.Accounts {
				seen = append(seen, a.Number)
			}
		}
		if want := "[400001 400002 399999]"; fmt.Sprint(seen) != want {
			t.Fatalf("pages of one gave %v, want %s", seen, want)
		}
	})

	t.Run("a search result carries the account's summary", func(t *testing.T) {
		e := newEnv(t, newStore)
		res, err := e.svc.Search(e.ctx, Agent, "prepaid", model.Page{})
		if err != nil {
			t.Fatal(err)
		}
		want := model.AccountSummary{ID: Prepaid, Number: "200001", Name: "Prepaid Basic", Product: "prepaid", UsesPINs: false, MatchedOn: "name", MatchedText: "Prepaid Basic"}
		if len(res.Accounts) != 1 || res.Accounts[0] != want {
			t.Fatalf("found %+v, want [%+v]", res.Accounts, want)
		}
	})

	t.Run("search pages through matches in account-number order and says when more follow", func(t *testing.T) {
		e := newEnv(t, newStore)
		var seen []string
		for page := 0; ; page++ {
			res, err := e.svc.Search(e.ctx, Agent, "paging", model.Page{Limit: 10, Offset: page * 10})
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range res.Accounts {
				seen = append(seen, a.Number)
			}
			wantMore := (page+1)*10 < PagingAccounts
			if res.More != wantMore {
				t.Fatalf("page %d: more = %v, want %v", page, res.More, wantMore)
			}
			if !res.More {
				break
			}
		}
		var want []string
		for i := 1; i <= PagingAccounts; i++ {
			want = append(want, fmt.Sprintf("3000%02d", i))
		}
		if fmt.Sprint(seen) != fmt.Sprint(want) {
			t.Fatalf("pages gave %v, want %v", seen, want)
		}
		res, err := e.svc.Search(e.ctx, Agent, "paging", model.Page{Limit: 10, Offset: 100})
		if err != nil || len(res.Accounts) != 0 || res.More {
			t.Fatalf("a page past the end: %+v, %v; want nothing", res, err)
		}
	})

	t.Run("one account matched by several fields is listed once", func(t *testing.T) {
		e := newEnv(t, newStore)
		// "smith" is a word of the account name, of John's name and the start of his email.
		res, err := e.svc.Search(e.ctx, Agent, "smith", model.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Accounts) != 1 || res.Accounts[0].ID != Smith || res.Accounts[0].MatchedOn != "name" {
			t.Fatalf("found %+v, want Smith & Sons once, matched on its name", res.Accounts)
		}
	})

	t.Run("search results and account views show PIN states, never PINs", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(ref(Smith, John), model.KindMaster, "482915")
		e.set(ref(Smith, model.AccountWide), model.KindTemporary, "730164")
		res, err := e.svc.Search(e.ctx, Agent, "smith", model.Page{})
		if err != nil {
			t.Fatal(err)
		}
		view, err := e.svc.Account(e.ctx, Agent, Smith)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []any{res, view} {
			if where := leaks(v, "482915", "730164"); where != "" {
				t.Fatalf("a PIN is shown: %s", where)
			}
		}
		b, _ := json.Marshal(view)
		if strings.Contains(strings.ToLower(string(b)), "sealed") {
			t.Fatalf("the view carries sealed PINs: %s", b)
		}
		john, _ := view.Holder(John)
		if len(john.PINs) != 1 || john.PINs[0].Kind != model.KindMaster || !john.PINs[0].CreatedAt.Equal(Start) || john.PINs[0].ExpiresAt != nil {
			t.Fatalf("John's PIN state: %+v, want one master PIN created at %v that never expires", john.PINs, Start)
		}
		acct, _ := view.Holder(model.AccountWide)
		if len(acct.PINs) != 1 || acct.PINs[0].Kind != model.KindTemporary || acct.PINs[0].ExpiresAt == nil || !acct.PINs[0].ExpiresAt.Equal(Start.Add(48*time.Hour)) {
			t.Fatalf("account-wide PIN state: %+v, want a temporary PIN expiring 48h after %v", acct.PINs, Start)
		}
	})

	t.Run("an account reads back as imported, contacts in order, times in UTC", func(t *testing.T) {
		e := newEnv(t, newStore)
		got, err := e.st.Account(e.ctx, Smith)
		if err != nil {
			t.Fatal(err)
		}
		want := Fixture()[0]
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(want)
		if string(gb) != string(wb) {
			t.Fatalf("account reads back as\n%s\nwant\n%s", gb, wb)
		}
		_, err = e.st.Account(e.ctx, "a-nobody")
		wantErr(t, err, model.ErrUnknownAccount)
		e.set(ref(Smith, John), model.KindOneTime, "482915")
		hs, err := e.st.Holders(e.ctx, Smith)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hs {
			for _, p := range h.PINs {
				if p.CreatedAt.Location() != time.UTC || (p.ExpiresAt != nil && p.ExpiresAt.Location() != time.UTC) {
					t.Fatalf("PIN times are not UTC: %+v", p.PINState)
				}
			}
		}
	})

	t.Run("an import that fails part way changes nothing", func(t *testing.T) {
		e := newEnv(t, newStore)
		renamed := Fixture()[0]
		renamed.Name = "Renamed Holdings"
		clash := model.Account{ID: "a-new", Number: "100002", Name: "Newcomer Ltd", UsesPINs: true,
			Contacts: []model.Contact{{ID: "c-new", Name: "Nora New", Role: model.RoleHolder}}}
		err := e.svc.Import(e.ctx, Admin, []model.Account{renamed, clash})
		wantErr(t, err, store.ErrDuplicate)
		acct, err := e.st.Account(e.ctx, Smith)
		if err != nil || acct.Name != "Smith & Sons Ltd" {
			t.Fatalf("the first account of the failed import was kept: %+v, %v", acct, err)
		}
		_, err = e.st.Account(e.ctx, "a-new")
		wantErr(t, err, model.ErrUnknownAccount)
		for _, q := range []string{"renamed", "newcomer", "nora"} {
			res, err := e.svc.Search(e.ctx, Agent, q, model.Page{})
			if err != nil || len(res.Accounts) != 0 {
				t.Fatalf("search %q after a failed import: %+v, %v", q, res.Accounts, err)
			}
		}
	})

	t.Run("an import the core finds invalid reaches no store", func(t *testing.T) {
		e := newEnv(t, newStore)
		bad := []model.Account{{ID: "a-x", Number: "900001", Name: "Fine Ltd", Contacts: []model.Contact{{ID: model.AccountWide, Name: "Reserved", Role: model.RoleHolder}}}}
		wantErr(t, e.svc.Import(e.ctx, Admin, bad), model.ErrInvalidInput)
		_, err := e.st.Account(e.ctx, "a-x")
		wantErr(t, err, model.ErrUnknownAccount)
	})

	t.Run("a pruning reimport replaces an account's fields and contacts and keeps the PINs of contacts that remain", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(ref(Smith, John), model.KindMaster, "482915")
		e.set(ref(Smith, Mary), model.KindMaster, "730164")
		e.set(ref(Smith, model.AccountWide), model.KindMaster, "615283")
		e.mustVerify(ref(Smith, John), wrongPIN(1), model.OutcomeMismatch)
		e.mustVerify(ref(Smith, John), wrongPIN(2), model.OutcomeMismatch)

		changed := Fixture()[0]
		changed.Name = "Smith Holdings"
		changed.Contacts = []model.Contact{
			{ID: Pat, Name: "Pat Kirby", Email: "pat.kirby@example.com", Role: model.RoleSubContact},
			{ID: John, Name: "John Smith", Email: "j.smith@newmail.example", Role: model.RoleHolder},
		}
		// Mary, left out, has an active PIN: only a forced prune deletes her.
		if _, err := e.svc.ImportAccounts(e.ctx, Admin, model.ImportRequest{Accounts: []model.Account{changed}, Prune: true, Force: true}); err != nil {
			t.Fatal(err)
		}
		view, err := e.svc.Account(e.ctx, Agent, Smith)
		if err != nil {
			t.Fatal(err)
		}
		if view.Account.Name != "Smith Holdings" || len(view.Account.Contacts) != 2 || view.Account.Contacts[0].ID != Pat || view.Account.Contacts[1].Email != "j.smith@newmail.example" {
			t.Fatalf("account after reimport: %+v", view.Account)
		}
		if john := e.state(ref(Smith, John)); john.Failures != 2 || len(john.PINs) != 1 {
			t.Fatalf("John kept %d failures and %d PINs, want 2 and 1", john.Failures, len(john.PINs))
		}
		e.mustVerify(ref(Smith, John), "482915", model.OutcomeVerified)
		e.mustVerify(ref(Smith, model.AccountWide), "615283", model.OutcomeVerified)
		_, err = e.verify(ref(Smith, Mary), "730164")
		wantErr(t, err, model.ErrUnknownHolder)

		for q, want := range map[string]int{"holdings": 1, "sons": 0, "john.smith@": 0, "j.smith@new": 1, "mary": 0, "07700 900": 0} {
			res, err := e.svc.Search(e.ctx, Agent, q, model.Page{})
			if err != nil || len(res.Accounts) != want {
				t.Errorf("search %q after reimport found %+v (%v), want %d", q, res.Accounts, err, want)
			}
		}

		// Mary returns: a removed contact's PINs went with her.
		if err := e.svc.Import(e.ctx, Admin, Fixture()[:1]); err != nil {
			t.Fatal(err)
		}
		if mary := e.state(ref(Smith, Mary)); len(mary.PINs) != 0 || mary.Failures != 0 {
			t.Fatalf("Mary came back with %+v, want no PINs", mary)
		}
		e.mustVerify(ref(Smith, Mary), "730164", model.OutcomeNoPIN)
	})

	t.Run("a contact's holder id 'account' is refused by the store too", func(t *testing.T) {
		e := newEnv(t, newStore)
		bad := model.Account{ID: "a-x", Number: "900001", Name: "Fine Ltd", Contacts: []model.Contact{{ID: model.AccountWide, Name: "Reserved", Role: model.RoleHolder}}}
		err := Seed(e.ctx, e.st, []model.Account{bad})
		if err == nil {
			t.Fatal("the store took a contact with the account-wide holder id")
		}
		if !errors.Is(err, model.ErrInvalidInput) {
			t.Fatalf("error %v, want ErrInvalidInput", err)
		}
	})
}

// spokenAccounts are accounts with the names, emails and phones callers say in other ways than
// they are stored: accents, word order, domains, national and international numbers.
func spokenAccounts() []model.Account {
	return []model.Account{
		{ID: "a-nunez", Number: "400001", Name: "Núñez Imports", Product: "broadband", UsesPINs: true, Contacts: []model.Contact{
			{ID: "c1", Name: "María López", Email: "maria@harbour-bakery.co.uk", Phone: "020 7946 0101", Role: model.RoleHolder},
			{ID: "c2", Name: "Inês Müller", Email: "ines@nunez.example", Phone: "+44 20 7946 0202", Role: model.RoleSubContact},
		}},
		{ID: "a-lopez", Number: "400002", Name: "María López", Product: "mobile", UsesPINs: true, Contacts: []model.Contact{
			{ID: "c1", Name: "Søren Ødegaard", Email: "soren@fjord.example", Phone: "+1 415 555 0101", Role: model.RoleHolder},
		}},
		{ID: "a-marianne", Number: "399999", Name: "López Marianne", Product: "mobile", UsesPINs: true, Contacts: []model.Contact{
			{ID: "c1", Name: "Marianne López", Role: model.RoleHolder},
		}},
		{ID: "a-555", Number: "555", Name: "Triple Five Ltd", Product: "mobile", UsesPINs: true, Contacts: []model.Contact{
			{ID: "c1", Name: "Quentin Five", Role: model.RoleHolder},
		}},
	}
}

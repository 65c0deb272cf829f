package storetest

import (
	"testing"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// RunReindex checks that a store indexes its accounts for search again on open when the index
// was made for another phone region, or is missing (as the migration that changed the terms'
// format leaves it). open opens the same database each time, reading phones in region; forget
// empties the search index and its stamp, as that migration does.
func RunReindex(t *testing.T, open func(t *testing.T, region string) store.Store, forget func(t *testing.T, st store.Store)) {
	e := newEnvOver(t, open(t, "GB"))
	accts := append(spokenAccounts(), model.Account{ID: "a-us", Number: "500001", Name: "Bay Traders", Product: "mobile", UsesPINs: true,
		Contacts: []model.Contact{{ID: "c1", Name: "Sam Bay", Phone: "415 555 0199", Role: model.RoleHolder}}})
	if err := e.svc.Import(e.ctx, Admin, accts); err != nil {
		t.Fatal(err)
	}
	found := func(st store.Store, q string) []string {
		t.Helper()
		res, err := st.SearchAccounts(e.ctx, q, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range res {
			out = append(out, a.Number)
		}
		return out
	}
	if got := found(e.st, "+1 415 555 0199"); len(got) != 0 {
		t.Fatalf("read as a GB number, 415 555 0199 is found as +1 415 555 0199: %v", got)
	}
	e.st.Close()

	us := open(t, "US")
	if got := found(us, "+1 415 555 0199"); len(got) != 1 || got[0] != "500001" {
		t.Fatalf("after reopening with region US, +1 415 555 0199 finds %v, want [500001]", got)
	}
	forget(t, us)
	if got := found(us, "ines"); len(got) != 0 {
		t.Fatalf("forget left the index in place: ines finds %v", got)
	}
	us.Close()

	again := open(t, "US")
	defer again.Close()
	for q, want := range map[string]string{"ines": "400001", "lopez maria": "400001", "+1 415 555 0199": "500001", "harbour-bakery": "400001"} {
		if got := found(again, q); len(got) == 0 || got[0] != want {
			t.Errorf("after reopening a database without its index, %q finds %v, want %s first", q, got, want)
		}
	}
}

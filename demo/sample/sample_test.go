package sample

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/pindesk/pindesk/model"
)

func TestTheSameSeedGivesTheSameCustomers(t *testing.T) {
	if !reflect.DeepEqual(Accounts(7, 50), Accounts(7, 50)) {
		t.Error("two runs with one seed differ")
	}
	if reflect.DeepEqual(Accounts(7, 50), Accounts(8, 50)) {
		t.Error("two seeds give the same customers")
	}
}

func TestTheSampleIsValidAndCoversWhatADeskMeets(t *testing.T) {
	accounts := Default()
	if len(accounts) != Count {
		t.Fatalf("%d accounts, want %d", len(accounts), Count)
	}
	if err := model.ValidateAccounts(accounts); err != nil {
		t.Fatal(err)
	}
	products := map[string]int{}
	roles := map[model.ContactRole]int{}
	var noPINs, noContacts, federated, noEmail, noPhone, accented int
	names := map[string]int{}
	for _, a := range accounts {
		products[a.Product]++
		names[a.Name]++
		if !a.UsesPINs {
			noPINs++
		}
		if len(a.Contacts) == 0 {
			noContacts++
		}
		holders := 0
		for _, c := range a.Contacts {
			roles[c.Role]++
			if c.Role == model.RoleHolder {
				holders++
			}
			if c.Federated {
				federated++
			}
			if c.Email == "" {
				noEmail++
			}
			if c.Phone == "" {
				noPhone++
			}
			if strings.ContainsAny(c.Name, "éøüłçñóöśëáÓÉ") {
				accented++
			}
		}
		if len(a.Contacts) > 0 && holders != 1 {
			t.Errorf("account %s has %d holders", a.ID, holders)
		}
	}
	duplicateNames := 0
	for _, n := range names {
		if n > 1 {
			duplicateNames++
		}
	}
	checks := []struct {
		what string
		n    int
	}{
		{"accounts whose product uses no PIN", noPINs},
		{"accounts without contacts", noContacts},
		{"sub-accounts", roles[model.RoleSubAccount]},
		{"sub-contacts", roles[model.RoleSubContact]},
		{"federated contacts", federated},
		{"contacts without email", noEmail},
		{"contacts without phone", noPhone},
		{"names with accents", accented},
		{"account names shared by two accounts", duplicateNames},
	}
	for _, c := range checks {
		if c.n == 0 {
			t.Errorf("the sample has no %s", c.what)
		}
	}
	for _, p := range Products {
		if products[p.Name] == 0 {
			t.Errorf("no account of product %s", p.Name)
		}
	}
}

var (
	fictionalPhone = regexp.MustCompile(`^(\+1 \d{3} 555 01\d\d|\+44 7700 900\d{3}|\+44 20 7946 0\d{3})$`)
	reservedMail   = regexp.MustCompile(`^[a-z0-9.-]+@([a-z0-9-]+\.example|example\.(com|net|org))$`)
)

func TestEveryAddressAndNumberIsFictional(t *testing.T) {
	for _, a := range Default() {
		for _, c := range a.Contacts {
			if c.Phone != "" && !fictionalPhone.MatchString(c.Phone) {
				t.Errorf("%s/%s: phone %q is outside the ranges reserved for fiction", a.ID, c.ID, c.Phone)
			}
			if c.Email != "" && !reservedMail.MatchString(c.Email) {
				t.Errorf("%s/%s: email %q is not on a reserved domain", a.ID, c.ID, c.Email)
			}
		}
	}
}

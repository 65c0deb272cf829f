package uitest

import (
	"testing"
	"time"

	"github.com/pindesk/pindesk/model"
)

// The fixed instant the scenarios are seeded at, so golden screens never move.
var Epoch = time.Date(2026, 5, 4, 14, 0, 0, 0, time.UTC)

// The PINs of the scenarios, for tests that play the caller.
const (
	HealthyPIN     = "482915" // ACC-1001 Maria Lopez, master
	ExpiringPIN    = "730164" // ACC-1002 Jonas Weber, one-time, 10 minutes left
	ExpiredPIN     = "591827" // ACC-1003 Priya Nair, temporary, expired 2 h ago
	LockedPIN      = "615203" // ACC-1004 Tom Quill, master, locked 2 h ago
	LastTryPIN     = "264830" // ACC-1005 Rosa Diaz, master, 5 of 6 failures
	SpentPIN       = "918273" // ACC-1006 Sam Sable, one-time, spent 1 h ago
	AccountWidePIN = "305728" // ACC-1009 Vega family, account-wide master
)

// Seed adds the trainer's scenarios (the same situations the demo database holds) to f, at its
// clock.
func Seed(f *Backend) {
	now := f.clock.Now()
	add := func(id, number, name, product string, uses bool, contacts ...model.Contact) {
		f.AddAccount(model.Account{ID: id, Number: number, Name: name, Product: product, UsesPINs: uses, Contacts: contacts})
	}
	c := func(id, name, email, phone string, role model.ContactRole) model.Contact {
		return model.Contact{ID: id, Name: name, Email: email, Phone: phone, Role: role}
	}

	add("a1", "ACC-1001", "Harbor Bakery", "Business Broadband", true,
		c("maria", "Maria Lopez", "maria@harbor.test", "+44 20 7946 0101", model.RoleHolder))
	f.PutPIN("a1", "maria", model.KindMaster, HealthyPIN, now.Add(-90*24*time.Hour))

	add("a2", "ACC-1002", "Nordlicht GmbH", "Cloud Mail", true,
		c("jonas", "Jonas Weber", "jonas@nordlicht.test", "+49 30 901820", model.RoleHolder))
	f.PutPIN("a2", "jonas", model.KindOneTime, ExpiringPIN, now.Add(-23*time.Hour-50*time.Minute))

	add("a3", "ACC-1003", "Pine & Co", "Business Broadband", true,
		c("priya", "Priya Nair", "priya@pine.test", "+44 161 496 0303", model.RoleHolder))
	f.PutPIN("a3", "priya", model.KindTemporary, ExpiredPIN, now.Add(-50*time.Hour))

	add("a4", "ACC-1004", "Quill Legal", "Managed Firewall", true,
		c("tom", "Tom Quill", "tom@quill.test", "+1 212 555 0104", model.RoleHolder))
	f.PutPIN("a4", "tom", model.KindMaster, LockedPIN, now.Add(-30*24*time.Hour))
	f.Lock("a4", "tom", now.Add(-2*time.Hour))

	add("a5", "ACC-1005", "Redwood Dental", "Cloud Mail", true,
		c("rosa", "Rosa Diaz", "rosa@redwood.test", "+1 415 555 0105", model.RoleHolder))
	f.PutPIN("a5", "rosa", model.KindMaster, LastTryPIN, now.Add(-10*24*time.Hour))
	f.SetFailures("a5", "rosa", 5)

	add("a6", "ACC-1006", "Sable Studio", "Web Hosting", true,
		c("sam", "Sam Sable", "sam@sable.test", "+44 131 496 0106", model.RoleHolder))
	f.PutPIN("a6", "sam", model.KindOneTime, SpentPIN, now.Add(-3*time.Hour))
	f.Spend("a6", "sam", now.Add(-time.Hour))

	add("a7", "ACC-1007", "Tandem Cycles", "Business Broadband", true,
		c("tia", "Tia Tandem", "tia@tandem.test", "+44 117 496 0107", model.RoleHolder))

	add("a8", "ACC-1008", "Umber Hosting", "Domain Parking", false,
		c("uma", "Uma Umber", "uma@umber.test", "+44 113 496 0108", model.RoleHolder))

	add("a9", "ACC-1009", "Vega Family", "Home Fibre", true,
		c("ana", "Ana Vega", "ana@vega.test", "+34 91 555 0109", model.RoleHolder),
		c("leo", "Leo Vega", "leo@vega.test", "+34 91 555 0110", model.RoleSubAccount),
		c("mia", "Mia Vega", "", "+34 91 555 0111", model.RoleSubContact))
	f.PutPIN("a9", model.AccountWide, model.KindMaster, AccountWidePIN, now.Add(-60*24*time.Hour))
}

// Scenarios returns a backend seeded with the scenarios at Epoch, acting as op.
func Scenarios(t testing.TB, op model.Operator) *Backend {
	t.Helper()
	f := New(t, op, Epoch)
	Seed(f)
	return f
}

package demo

import (
	"time"

	"github.com/pindesk/pindesk/model"
)

// Scenario is one situation the demo database holds, on an account of its own, for a trainer to
// walk agents through. The PIN is listed because in training the trainer plays the customer; it
// exists only in the throwaway demo database.
type Scenario struct {
	Title         string        // "Locked after too many wrong PINs"
	AccountID     string        // "demo-004"
	AccountNumber string        // "DEMO-004": search "demo" to list them all
	AccountName   string        // "Quill Legal"
	Holder        string        // the contact id, or model.AccountWide
	Caller        string        // who gives the PIN: the holder, or for an account-wide PIN a contact
	CallerName    string        // "Tom Quill"
	Kind          model.Kind    // the kind of the listed PIN; empty when there is none
	PIN           string        // the customer's PIN; empty when there is none
	Expect        model.Outcome // what giving PIN answers right after seeding (or Restore)
	Demonstrates  string        // what the trainer shows with it
}

// seed is how a scenario's state is made: each step at an offset before "now".
type seed struct {
	Scenario
	account model.Account
	pinAge  time.Duration // how long before now the PIN was set
	// wrong is the number of wrong PINs given wrongAge before now (the last one locks when it
	// reaches the policy's maximum).
	wrong    int
	wrongAge time.Duration
	spentAge time.Duration // >0: the one-time PIN was used this long before now
	extra    []extraPIN    // further PINs of the holder
}

type extraPIN struct {
	kind model.Kind
	pin  string
	age  time.Duration
}

const (
	day = 24 * time.Hour
	// lockAll is the sentinel for "as many wrong PINs as lock the holder".
	lockAll = -1
	// lastTry is "one fewer than locks".
	lastTry = -2
)

func contact(id, name, email, phone string, role model.ContactRole) model.Contact {
	return model.Contact{ID: id, Name: name, Email: email, Phone: phone, Role: role}
}

func account(n, name, product string, usesPINs bool, contacts ...model.Contact) model.Account {
	return model.Account{ID: "demo-" + n, Number: "DEMO-" + n, Name: name, Product: product, UsesPINs: usesPINs, Contacts: contacts}
}

// seeds are the scenarios. Their PINs pass the default policy (no digit three times running, no
// run of more than four consecutive digits) and are unlike each other, so a trainee who mixes
// two up gets "wrong PIN", as on a real call.
var seeds = []seed{
	{
		Scenario: Scenario{Title: "Healthy master PIN", Holder: "maria", Caller: "maria", CallerName: "Maria Lopez",
			Kind: model.KindMaster, PIN: "482915", Expect: model.OutcomeVerified,
			Demonstrates: "The everyday call: the caller reads her PIN and is verified. Try a wrong one first to see the attempts left."},
		account: account("001", "Harbour Bakery", "Business Hosting", true,
			contact("maria", "Maria Lopez", "maria@harbour-bakery.example", "+44 20 7946 0101", model.RoleHolder)),
		pinAge: 90 * day,
	},
	{
		Scenario: Scenario{Title: "One-time PIN about to expire", Holder: "jonas", Caller: "jonas", CallerName: "Jonas Weber",
			Kind: model.KindOneTime, PIN: "730164", Expect: model.OutcomeVerified,
			Demonstrates: "A one-time PIN with 20 minutes left: it verifies once, then is spent. Advance the clock 30 minutes and it answers expired."},
		account: account("002", "Nordlicht GmbH", "Email Pro", true,
			contact("jonas", "Jonas Weber", "jonas@nordlicht.example", "+44 7700 900102", model.RoleHolder)),
		pinAge: 23*time.Hour + 40*time.Minute,
	},
	{
		Scenario: Scenario{Title: "Expired temporary PIN", Holder: "priya", Caller: "priya", CallerName: "Priya Nair",
			Kind: model.KindTemporary, PIN: "591827", Expect: model.OutcomeExpired,
			Demonstrates: "The caller reads a temporary PIN that expired two hours ago: not counted as a wrong try. Ask her to generate a new one in the portal."},
		account: account("003", "Pine & Co", "Cloud VPS", true,
			contact("priya", "Priya Nair", "priya@pine-co.example", "+44 20 7946 0103", model.RoleHolder)),
		pinAge: 50 * time.Hour,
	},
	{
		Scenario: Scenario{Title: "Locked after too many wrong PINs", Holder: "tom", Caller: "tom", CallerName: "Tom Quill",
			Kind: model.KindMaster, PIN: "615203", Expect: model.OutcomeLocked,
			Demonstrates: "Even the right PIN answers locked; nothing is compared. A supervisor unlocks with a reason (see the audit trail for the six tries)."},
		account: account("004", "Quill Legal", "Dedicated Server", true,
			contact("tom", "Tom Quill", "tom@quill-legal.example", "+1 212 555 0104", model.RoleHolder)),
		pinAge: 30 * day, wrong: lockAll, wrongAge: 2 * time.Hour,
	},
	{
		Scenario: Scenario{Title: "One wrong PIN from lock", Holder: "rosa", Caller: "rosa", CallerName: "Rosa Diaz",
			Kind: model.KindMaster, PIN: "264830", Expect: model.OutcomeVerified,
			Demonstrates: "Five wrong tries already: the right PIN verifies and clears the count; one more wrong PIN locks her out."},
		account: account("005", "Redwood Dental", "Business Hosting", true,
			contact("rosa", "Rosa Diaz", "rosa@redwood-dental.example", "+1 415 555 0105", model.RoleHolder)),
		pinAge: 10 * day, wrong: lastTry, wrongAge: 20 * time.Minute,
	},
	{
		Scenario: Scenario{Title: "One-time PIN already used", Holder: "sam", Caller: "sam", CallerName: "Sam Sable",
			Kind: model.KindOneTime, PIN: "918273", Expect: model.OutcomeSpent,
			Demonstrates: "The caller reads a one-time PIN that was used an hour ago: answers spent, not counted. Someone else may have used it: ask."},
		account: account("006", "Sable Studio", "Managed WordPress", true,
			contact("sam", "Sam Sable", "sam@sable-studio.example", "+44 7700 900106", model.RoleHolder)),
		pinAge: 3 * time.Hour, spentAge: time.Hour,
	},
	{
		Scenario: Scenario{Title: "No PIN on file", Holder: "tia", Caller: "tia", CallerName: "Tia Tandem",
			Expect:       model.OutcomeNoPIN,
			Demonstrates: "The caller never generated a PIN: any entry answers no PIN. Send her to the portal to create one."},
		account: account("007", "Tandem Cycles", "Starter Hosting", true,
			contact("tia", "Tia Tandem", "tia@tandem-cycles.example", "+44 20 7946 0107", model.RoleHolder)),
	},
	{
		Scenario: Scenario{Title: "Product without support PINs", Holder: "uma", Caller: "uma", CallerName: "Uma Umber",
			Expect:       model.OutcomeNotApplicable,
			Demonstrates: "Domains Lite uses no support PIN: the app says so and the agent verifies the caller another way."},
		account: account("008", "Umber Parking", "Domains Lite", false,
			contact("uma", "Uma Umber", "uma@umber.example", "+44 20 7946 0108", model.RoleHolder)),
	},
	{
		Scenario: Scenario{Title: "Account-wide PIN given by a sub-contact", Holder: model.AccountWide, Caller: "mia", CallerName: "Mia Vega",
			Kind: model.KindMaster, PIN: "305728", Expect: model.OutcomeVerified,
			Demonstrates: "The family shares one account-wide PIN: Mia, a sub-contact, may give it but not change it; Ana and Leo may change it."},
		account: account("009", "Vega Family", "Managed WordPress", true,
			contact("ana", "Ana Vega", "ana.vega@example.com", "+1 617 555 0109", model.RoleHolder),
			contact("leo", "Leo Vega", "leo.vega@example.com", "+1 617 555 0110", model.RoleSubAccount),
			contact("mia", "Mia Vega", "", "+1 617 555 0111", model.RoleSubContact)),
		pinAge: 60 * day,
	},
	{
		Scenario: Scenario{Title: "Master and temporary PIN on one holder", Holder: "kofi", Caller: "kofi", CallerName: "Kofi Mensah",
			Kind: model.KindTemporary, PIN: "842061", Expect: model.OutcomeVerified,
			Demonstrates: "A holder with a master PIN (170395) and a temporary one (842061, 47 hours left): either verifies. Kofi signs in through his company's identity provider (federated)."},
		account: func() model.Account {
			a := account("010", "Kestrel Logistics Ltd", "Cloud VPS", true,
				contact("kofi", "Kofi Mensah", "kofi.mensah@kestrel-logistics.example", "+44 7700 900110", model.RoleHolder),
				contact("ines", "Inês Duarte", "ines.duarte@kestrel-logistics.example", "+44 7700 900111", model.RoleSubAccount))
			a.Contacts[0].Federated, a.Contacts[1].Federated = true, true
			return a
		}(),
		pinAge: time.Hour,
		extra:  []extraPIN{{kind: model.KindMaster, pin: "170395", age: 200 * day}},
	},
}

func init() {
	for i := range seeds {
		s := &seeds[i]
		s.AccountID, s.AccountNumber, s.AccountName = s.account.ID, s.account.Number, s.account.Name
	}
}

// Scenarios lists the demo's scenarios, in the order of their account numbers.
func Scenarios() []Scenario {
	out := make([]Scenario, len(seeds))
	for i, s := range seeds {
		out[i] = s.Scenario
	}
	return out
}

// Accounts returns the scenario accounts.
func Accounts() []model.Account {
	out := make([]model.Account, len(seeds))
	for i, s := range seeds {
		out[i] = s.account
	}
	return out
}

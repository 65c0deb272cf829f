// Package sample generates pindesk's sample customer base: a few hundred plausible accounts of a
// hosting company, deterministic for a seed, so the demo, the tests and the committed files
// testdata/accounts.json and testdata/accounts.csv (written by `go run ./testdata/gen`) all hold
// the same customers.
//
// Every address and number is fictional by construction: company domains use the reserved
// .example top-level domain, personal mail the example.com/.net/.org domains (RFC 2606), and
// phone numbers the ranges set aside for drama: US 555-0100…0199 and UK 07700 900xxx and
// 020 7946 0xxx (Ofcom). Names mix languages, so the app meets accents and non-Latin letters.
package sample

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/pindesk/pindesk/model"
)

// Seed is the seed of the committed sample.
const Seed = 20240611

// Count is the number of accounts in the committed sample.
const Count = 400

// Product is one of the hosting company's products.
type Product struct {
	Name     string
	UsesPINs bool
	weight   int
	business bool // mostly sold to companies
}

// Products lists the sample's products. Domains Lite and the reseller programme use no support
// PIN: the first is verified by the domain's own contact, the second by its partner manager.
var Products = []Product{
	{"Business Hosting", true, 24, true},
	{"Managed WordPress", true, 18, false},
	{"Cloud VPS", true, 16, true},
	{"Email Pro", true, 12, true},
	{"Dedicated Server", true, 6, true},
	{"Starter Hosting", true, 10, false},
	{"Domains Lite", false, 10, false},
	{"Reseller Partner", false, 4, true},
}

var firstNames = []string{
	"Olivia", "Liam", "Amelia", "Noah", "Isla", "Oliver", "Ava", "George", "Mia", "Arthur",
	"Sophie", "Jack", "Grace", "Harry", "Chloé", "Lucas", "Zoë", "Mateo", "Léa", "Hugo",
	"Sofía", "José", "Lucía", "Diego", "Ana", "João", "Marta", "Łukasz", "Zofia", "Piotr",
	"Søren", "Ingrid", "Björn", "Astrid", "Mikael", "Anja", "Jürgen", "Katrin", "Matthias", "Lena",
	"Aisha", "Omar", "Fatima", "Yusuf", "Priya", "Arjun", "Ananya", "Rohan", "Mei", "Wei",
	"Hiroshi", "Yuki", "Min-jun", "Seo-yeon", "Chinedu", "Amara", "Kwame", "Nia", "Tomás", "Siobhán",
	"Niamh", "Ciarán", "Dmitri", "Olga", "Elena", "Marco", "Giulia", "Luca", "Francesca", "Ahmet",
	"Elif", "Nikos", "Eleni", "Rachel", "David", "Sarah", "Daniel", "Emily", "James", "Laura",
}

var lastNames = []string{
	"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Wright",
	"Walker", "Thompson", "O'Brien", "Murphy", "Kelly", "García", "Martínez", "López", "Fernández", "Silva",
	"Santos", "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Dubois", "Lefèvre", "Moreau", "Rossi",
	"Russo", "Bianchi", "Kowalski", "Nowak", "Wiśniewska", "Johansson", "Andersson", "Nielsen", "Hansen", "Virtanen",
	"Novák", "Horváth", "Yılmaz", "Demir", "Papadopoulos", "Ivanova", "Kim", "Lee", "Park", "Nguyen",
	"Tanaka", "Suzuki", "Chen", "Wang", "Li", "Singh", "Sharma", "Khan", "Ahmed", "Okafor",
	"Mensah", "Adeyemi", "Cohen", "Levi", "van der Berg", "de Vries", "Jansen", "MacDonald", "Campbell", "Stewart",
}

var companyWords = []string{
	"Bluebird", "Northwind", "Harbour", "Oakleaf", "Copperline", "Lighthouse", "Red Kite", "Silverbirch", "Meadow", "Granite",
	"Juniper", "Kestrel", "Lantern", "Maple", "Nimbus", "Orchard", "Pinecone", "Quarry", "Riverside", "Saffron",
	"Tidewater", "Upland", "Velvet", "Willow", "Yarrow", "Zephyr", "Anchor", "Beacon", "Cedar", "Driftwood",
	"Ember", "Fjord", "Glasshouse", "Heron", "Ironbridge", "Jade", "Kingfisher", "Lark", "Moorland", "Nightjar",
}

var companyTrades = []string{
	"Bakery", "Dental", "Architects", "Bikes", "Books", "Coffee Roasters", "Consulting", "Design Studio", "Electrical", "Florists",
	"Fitness", "Gallery", "Joinery", "Law", "Logistics", "Media", "Opticians", "Pet Care", "Photography", "Plumbing",
	"Print", "Recruitment", "Solar", "Tea Rooms", "Travel", "Vets", "Wines", "Yoga", "Accountants", "Brewing",
}

var companySuffixes = []string{"Ltd", "GmbH", "SARL", "S.L.", "B.V.", "AB", "Oy", "LLC", "Inc.", "& Co.", "", "", ""}

// Accounts generates n accounts from seed. The same arguments give the same accounts.
func Accounts(seed uint64, n int) []model.Account {
	g := gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), usedNumbers: map[string]bool{}, usedCompanies: map[string]int{}}
	out := make([]model.Account, 0, n)
	for i := range n {
		out = append(out, g.account(i))
	}
	return out
}

// Default is the committed sample: Accounts(Seed, Count).
func Default() []model.Account { return Accounts(Seed, Count) }

type gen struct {
	r             *rand.Rand
	usedNumbers   map[string]bool
	usedCompanies map[string]int
	phoneSeq      int
}

func (g *gen) pick(list []string) string { return list[g.r.IntN(len(list))] }

func (g *gen) product() Product {
	total := 0
	for _, p := range Products {
		total += p.weight
	}
	x := g.r.IntN(total)
	for _, p := range Products {
		if x < p.weight {
			return p
		}
		x -= p.weight
	}
	return Products[0]
}

type person struct{ first, last string }

func (p person) name() string { return p.first + " " + p.last }

func (g *gen) person() person { return person{g.pick(firstNames), g.pick(lastNames)} }

func (g *gen) account(i int) model.Account {
	p := g.product()
	business := p.business && g.r.IntN(10) < 8 || !p.business && g.r.IntN(10) < 2
	holder := g.person()
	a := model.Account{
		ID:       fmt.Sprintf("acct-%04d", i+1),
		Number:   g.number(),
		Product:  p.Name,
		UsesPINs: p.UsesPINs,
		Contacts: []model.Contact{},
	}
	var domain string
	if business {
		a.Name, domain = g.company(holder)
	} else {
		a.Name = holder.name()
	}
	// A few accounts arrive from a migration before anyone is on them: no contacts yet.
	if i%97 == 96 {
		return a
	}
	federatedOrg := business && domain != "" && g.r.IntN(4) == 0 // signs in with its own identity provider
	add := func(pp person, role model.ContactRole) {
		n := len(a.Contacts) + 1
		c := model.Contact{ID: fmt.Sprintf("c%04d-%d", i+1, n), Name: pp.name(), Role: role}
		switch {
		case domain != "":
			c.Email = emailLocal(pp) + "@" + domain
		default:
			c.Email = emailLocal(pp) + fmt.Sprintf("%d", g.r.IntN(90)+10) + "@" + g.pick([]string{"example.com", "example.net", "example.org"})
		}
		if g.r.IntN(6) > 0 { // not everyone leaves a phone number
			c.Phone = g.phone()
		}
		if role != model.RoleHolder && g.r.IntN(8) == 0 && c.Phone != "" { // and some only a phone
			c.Email = ""
		}
		c.Federated = federatedOrg && g.r.IntN(10) < 8
		a.Contacts = append(a.Contacts, c)
	}
	add(holder, model.RoleHolder)
	subAccounts, subContacts := 0, 0
	if business {
		subAccounts, subContacts = g.r.IntN(3), g.r.IntN(4)
	} else if g.r.IntN(4) == 0 {
		// a partner or family member who shares the account
		subAccounts = 1
	}
	names := map[string]bool{holder.name(): true}
	other := func(sameFamily bool) person { // someone not already on the account
		for {
			pp := g.person()
			if sameFamily {
				pp.last = holder.last
			}
			if !names[pp.name()] {
				names[pp.name()] = true
				return pp
			}
		}
	}
	for range subAccounts {
		add(other(!business), model.RoleSubAccount)
	}
	for range subContacts {
		add(other(false), model.RoleSubContact)
	}
	return a
}

// number is an eight-digit account number, the first digit never 0 so it survives a spreadsheet.
func (g *gen) number() string {
	for {
		n := fmt.Sprintf("%d%07d", g.r.IntN(9)+1, g.r.IntN(10_000_000))
		if !g.usedNumbers[n] {
			g.usedNumbers[n] = true
			return n
		}
	}
}

// company names a business and its mail domain. Some names recur, as "Riverside Plumbing" does in
// several towns: the agent must tell them apart by number.
func (g *gen) company(holder person) (name, domain string) {
	var base string
	switch g.r.IntN(5) {
	case 0:
		base = holder.last + " " + g.pick(companyTrades)
	case 1:
		base = holder.last + " & " + g.pick(lastNames)
	default:
		base = g.pick(companyWords) + " " + g.pick(companyTrades)
	}
	suffix := g.pick(companySuffixes)
	name = strings.TrimSpace(base + " " + suffix)
	g.usedCompanies[name]++
	slug := slugify(base)
	if k := g.usedCompanies[name]; k > 1 {
		slug += fmt.Sprintf("-%d", k)
	}
	return name, slug + "." + "example"
}

// phone is a number from a range reserved for fiction, alternating the US and UK formats.
func (g *gen) phone() string {
	g.phoneSeq++
	switch g.r.IntN(3) {
	case 0:
		areas := []string{"212", "312", "415", "617", "206", "512"}
		return fmt.Sprintf("+1 %s 555 01%02d", g.pick(areas), g.r.IntN(100))
	case 1:
		return fmt.Sprintf("+44 7700 900%03d", g.r.IntN(1000))
	}
	return fmt.Sprintf("+44 20 7946 0%03d", g.r.IntN(1000))
}

var fold = strings.NewReplacer(
	"á", "a", "à", "a", "â", "a", "ä", "a", "ã", "a", "é", "e", "è", "e", "ê", "e", "ë", "e",
	"í", "i", "ï", "i", "ı", "i", "ó", "o", "ö", "o", "ô", "o", "ø", "o", "ú", "u", "ü", "u",
	"ñ", "n", "ç", "c", "ł", "l", "ś", "s", "š", "s", "ž", "z", "ý", "y", "å", "a", "æ", "ae",
)

// ascii folds accents and keeps letters and digits, turning every run of anything else into sep.
func ascii(s, sep string) string {
	s = fold.Replace(strings.ToLower(s))
	var b strings.Builder
	pending := false
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if pending && b.Len() > 0 {
				b.WriteString(sep)
			}
			pending = false
			b.WriteRune(r)
			continue
		}
		pending = true
	}
	return b.String()
}

func emailLocal(p person) string { return ascii(p.first, "") + "." + ascii(p.last, "") }

func slugify(s string) string { return ascii(s, "-") }

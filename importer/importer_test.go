package importer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pindesk/pindesk/demo/sample"
	"github.com/pindesk/pindesk/model"
)

// wantGood is what testdata/good.csv and testdata/good.json both hold.
var wantGood = []model.Account{
	{ID: "A-1", Number: "10000001", Name: "Bluebird Bakery Ltd", Product: "Business Hosting", UsesPINs: true, Contacts: []model.Contact{
		{ID: "c1", Name: "Olivia Smith", Email: "olivia@bluebird.example", Phone: "+44 7700 900001", Role: model.RoleHolder},
		{ID: "c2", Name: "O'Brien, Niamh", Email: "niamh@bluebird.example", Role: model.RoleSubAccount, Federated: true},
		{ID: "c3", Name: "Søren Nielsen", Email: "soren@bluebird.example", Role: model.RoleSubContact},
	}},
	{ID: "A-2", Number: "10000002", Name: "Domain Parking", Product: "Domains Lite", UsesPINs: false, Contacts: []model.Contact{
		{ID: "c1", Name: "José García", Phone: "+1 212 555 0101", Role: model.RoleHolder},
	}},
	{ID: "A-3", Number: "10000003", Name: "Migrated Account", Product: "Starter Hosting", UsesPINs: true, Contacts: []model.Contact{}},
}

func TestAGoodFileReadsTheSameAccountsInEitherFormat(t *testing.T) {
	for _, file := range []string{"testdata/good.csv", "testdata/good.json"} {
		t.Run(file, func(t *testing.T) {
			got, err := ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, wantGood) {
				t.Errorf("got  %+v\nwant %+v", got, wantGood)
			}
		})
	}
}

func TestASpreadsheetExportWithSemicolonsBOMAndCRLFIsRead(t *testing.T) {
	data, err := os.ReadFile("testdata/semicolon.csv")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Read("export.csv", CSV, bytes.NewReader(append([]byte("\xef\xbb\xbf"), data...)))
	if err != nil {
		t.Fatal(err)
	}
	want := []model.Account{{ID: "A-9", Number: "10000009", Name: "Zoë Café", Product: "Email Pro", UsesPINs: true,
		Contacts: []model.Contact{{ID: "c1", Name: "Zoë Martin", Email: "zoe@cafe.example", Role: model.RoleHolder}}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v", got)
	}
}

func TestEveryFaultOfABadFileIsReportedWithItsLine(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"testdata/bad.csv", []string{
			`bad.csv:3: account A-1: account_name "Bluebird Bakery" differs from "Bluebird Bakery Ltd" on line 2`,
			`bad.csv:3: role "boss" (want holder, sub-account or sub-contact)`,
			`bad.csv:4: uses_pins "maybe" (want true or false)`,
			`bad.csv:4: account number "10000001" appears twice (first on line 2)`,
			`bad.csv:4: contact c1: email "ana.example" has no @`,
			`bad.csv:5: contact id "c1" appears twice on account A-2 (first on line 4)`,
			`bad.csv:6: account A-3: account name is missing`,
			`bad.csv:6: contact account: contact id "account" is reserved for the account-wide PIN`,
			`bad.csv:7: account_id is empty`,
			`bad.csv:8: has 6 fields; the header has 11`,
			`bad.csv:9: federated "sometimes" (want true or false)`,
			`bad.csv:10: contact c1: contact name is missing`,
		}},
		{"testdata/bad.json", []string{
			`bad.json:5: contact c2: contact role "boss" (want holder, sub-account or sub-contact)`,
			`bad.json:6: contact id "c1" appears twice on account A-1 (first on line 4)`,
			`bad.json:8: account A-2: unknown field "uses_pin"`,
			`bad.json:8: account number "10000001" appears twice (first on line 2)`,
			`bad.json:9: account id "A-1" appears twice (first on line 2)`,
			`bad.json:10: account: uses_pins is a JSON string; want true or false`,
			`bad.json:11: account A-5: account name is missing`,
			`bad.json:13: contact c1: email "noat.example" has no @`,
			`bad.json:14: account A-5: contact: unknown field "mobile"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := ReadFile(tt.file)
			if got != nil {
				t.Errorf("a bad file returned %d accounts; want none", len(got))
			}
			if !errors.Is(err, model.ErrInvalidInput) {
				t.Fatalf("err = %v, want model.ErrInvalidInput", err)
			}
			var errs *Errors
			if !errors.As(err, &errs) {
				t.Fatalf("err is %T, want *Errors", err)
			}
			var lines []string
			for _, e := range errs.List {
				lines = append(lines, e.Error())
			}
			if !reflect.DeepEqual(lines, tt.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestSmallFaultsAreReportedPlainly(t *testing.T) {
	const header = "account_id,account_number,account_name,product,uses_pins,contact_id,contact_name,email,phone,role,federated\n"
	tests := []struct {
		name, file, text, want string
	}{
		{"an empty CSV file", "a.csv", "", "a.csv: is empty; the first row must name the columns"},
		{"a CSV file with only a header", "a.csv", header, "a.csv:1: holds no accounts (only a header row)"},
		{"an unknown column", "a.csv", "account_id,account_number,account_name,contact_id,contact_name,role,colour\n",
			`a.csv:1: unknown column "colour" (columns: account_id,`},
		{"a missing required column", "a.csv", "account_id,account_number,contact_id,contact_name,role\nA,1,c,C,holder\n",
			"a.csv:1: the header has no account_name column"},
		{"a column named twice", "a.csv", "account_id,account_number,account_name,contact_id,contact_name,role,Role\n",
			`a.csv:1: column "role" appears twice`},
		{"a broken quote", "a.csv", header + "A,1,\"Bad,x,true,c,C,,,holder,false\nB,2,Fine,x,true,c,C,,,holder,false\n",
			"a.csv:2: not valid CSV"},
		{"an empty JSON file", "a.json", "", "a.json: is empty; want a JSON array of accounts"},
		{"an empty JSON array", "a.json", "[]", "a.json:1: holds no accounts (an empty array)"},
		{"a JSON object instead of an array", "a.json", `{"id": "A"}`, "a.json:1: want a JSON array of accounts"},
		{"broken JSON, with the line of the fault", "a.json", "[\n{\"id\": \"A\",\n\"number\" \"1\"}]", "a.json:3: not valid JSON"},
		{"JSON cut short", "a.json", "[{\"id\": \"A\"", "a.json:1: not valid JSON: the file ends too soon"},
		{"text after the JSON array", "a.json", `[{"id":"A","number":"1","name":"N","contacts":[]}] x`, "a.json:1: text after the closing bracket"},
		{"a contact list that is not a list", "a.json", `[{"id":"A","number":"1","name":"N","contacts":{}}]`, "a.json:1: account: contacts is a JSON object; want a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			format := CSV
			if strings.HasSuffix(tt.file, ".json") {
				format = JSON
			}
			got, err := Read(tt.file, format, strings.NewReader(tt.text))
			if got != nil || !errors.Is(err, model.ErrInvalidInput) {
				t.Fatalf("got %v, %v; want no accounts and ErrInvalidInput", got, err)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %q\ndoes not start %q", err, tt.want)
			}
		})
	}
}

func TestAHugeBadFileListsFiftyFaultsAndCountsTheRest(t *testing.T) {
	var b strings.Builder
	b.WriteString("account_id,account_number,account_name,contact_id,contact_name,role\n")
	for i := range 80 {
		fmt.Fprintf(&b, "A%d,%d,Name,c1,Person,chief\n", i, 1000+i)
	}
	_, err := ReadCSV("big.csv", strings.NewReader(b.String()))
	var errs *Errors
	if !errors.As(err, &errs) {
		t.Fatalf("err = %v", err)
	}
	if len(errs.List) != MaxErrors || errs.More != 30 {
		t.Errorf("listed %d, more %d; want %d and 30", len(errs.List), errs.More, MaxErrors)
	}
	if !strings.HasSuffix(err.Error(), "… and 30 more") {
		t.Errorf("error does not end by counting the rest: …%s", err.Error()[len(err.Error())-40:])
	}
}

func TestTheFormatIsTakenFromTheContentWhenTheNameSaysNothing(t *testing.T) {
	for _, file := range []string{"testdata/good.csv", "testdata/good.json"} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Read("upload", "", bytes.NewReader(data))
		if err != nil || !reflect.DeepEqual(got, wantGood) {
			t.Errorf("%s without its extension: %v", file, err)
		}
	}
}

func TestWrittenCSVReadsBackAsTheSameAccounts(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCSV(&buf, wantGood); err != nil {
		t.Fatal(err)
	}
	got, err := ReadCSV("round.csv", &buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, wantGood) {
		t.Errorf("round trip changed the accounts:\n%+v", got)
	}
}

// The committed sample must be what the generator writes, in both formats, and must import.
func TestTheCommittedSampleIsTheGeneratorsOutput(t *testing.T) {
	want := sample.Default()
	for _, name := range []string{"accounts.json", "accounts.csv"} {
		t.Run(name, func(t *testing.T) {
			got, err := ReadFile(filepath.Join("..", "testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("testdata/%s differs from the generator's output; run go run ./testdata/gen (see its doc)", name)
			}
			if err := model.ValidateAccounts(got); err != nil {
				t.Errorf("the sample breaks the model's rules: %v", err)
			}
		})
	}
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "accounts.json"))
	if err != nil {
		t.Fatal(err)
	}
	regenerated, _ := json.MarshalIndent(want, "", "  ")
	if !bytes.Equal(bytes.TrimSpace(raw), regenerated) {
		t.Error("testdata/accounts.json is not byte for byte what go run ./testdata/gen writes")
	}
}

func TestAnEmptyRowOrObjectIsAFaultAtItsLineAmongTheOthers(t *testing.T) {
	const header = "account_id,account_number,account_name,product,uses_pins,contact_id,contact_name,email,phone,role,federated\n"
	tests := []struct {
		name, file, text string
		want             []string
	}{
		{"a CSV row of empty fields", "a.csv", header +
			"A-1,1,One,x,true,c1,Ann,,,holder,false\n" +
			",,,,,,,,,,\n" +
			"A-1,,,,,c2,Bo,,,chief,false\n" +
			" , ,,,,,,,,,\n",
			[]string{"a.csv:3: is an empty row (every field is empty)", `a.csv:4: role "chief" (want holder, sub-account or sub-contact)`, "a.csv:5: is an empty row (every field is empty)"}},
		{"an empty JSON account and an empty contact", "a.json", "[\n" +
			`{"id": "A-1", "number": "1", "name": "One", "contacts": [` + "\n" +
			`  {"id": "c1", "name": "Ann", "role": "holder"},` + "\n" +
			"  {},\n" +
			"  { }]},\n" +
			"{},\n" +
			`{"id": "A-2", "number": "1", "name": "Two", "contacts": []}` + "\n]",
			[]string{"a.json:4: account A-1: contact: an empty object", "a.json:5: account A-1: contact: an empty object",
				"a.json:6: account: an empty object", `a.json:7: account number "1" appears twice (first on line 2)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Read(tt.file, "", strings.NewReader(tt.text))
			var errs *Errors
			if got != nil || !errors.As(err, &errs) {
				t.Fatalf("got %d accounts, error %v; want no accounts and every fault", len(got), err)
			}
			var lines []string
			for _, e := range errs.List {
				lines = append(lines, e.Error())
			}
			if !reflect.DeepEqual(lines, tt.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestClashesWithTheDatabaseAreFaultsAtTheLinesOfTheirAccounts(t *testing.T) {
	for _, file := range []string{"testdata/good.csv", "testdata/good.json"} {
		t.Run(file, func(t *testing.T) {
			f, err := ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := os.ReadFile(file)
			if sum := sha256.Sum256(raw); f.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("SHA-256 %s is not the file's", f.SHA256)
			}
			// As a store reports them: in its own order, all at once.
			clash := &model.ImportClashError{Clashes: []model.ImportClash{
				{AccountID: "A-3", Number: "10000003", OtherID: "B-7"},
				{AccountID: "A-1", Number: "10000001", OtherID: "B-9"},
			}}
			err = f.Locate(fmt.Errorf("import: %w", clash))
			var errs *Errors
			if !errors.As(err, &errs) || !errors.Is(err, model.ErrInvalidInput) {
				t.Fatalf("err = %v, want *Errors", err)
			}
			want := map[string][]string{
				"testdata/good.csv": {
					`good.csv:2: account A-1: account number "10000001" belongs to account "B-9" in the database`,
					`good.csv:6: account A-3: account number "10000003" belongs to account "B-7" in the database`,
				},
				"testdata/good.json": {
					`good.json:2: account A-1: account number "10000001" belongs to account "B-9" in the database`,
					`good.json:16: account A-3: account number "10000003" belongs to account "B-7" in the database`,
				},
			}[file]
			var lines []string
			for _, e := range errs.List {
				lines = append(lines, e.Error())
			}
			if !reflect.DeepEqual(lines, want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

package importer

import (
	"errors"
	"strings"
	"testing"

	"github.com/pindesk/pindesk/model"
)

// TestControlCharactersAreRefusedWithEveryLine: a name imported with an ESC sequence would
// recolour an agent's screen (a green "✓ VERIFIED" in the header), and a bidi override would make
// it read backwards. Every field that holds one is listed with its line, and nothing is read.
func TestControlCharactersAreRefusedWithEveryLine(t *testing.T) {
	csv := "account_id,account_number,account_name,product,contact_id,contact_name,email,phone,role\n" +
		"A-1,100,\x1b[32m✓ VERIFIED\x1b[0m,Hosting,c1,Olivia,o@x.example,+44 1,holder\n" + // line 2: name
		"A-1,,,,c2,Niamh\u202Egnp.exe,n@x.example,+44 2,sub-account\n" + // line 3: contact name
		"A-2,2\u00850,Plain Ltd,Host\u2066ing,c1,Jo,j\u200F@x.example,+44\x073,holder\n" + // line 4: number, product, email, phone
		"A-3,300,Fine Ltd,Hosting,c1,Fine,f@x.example,+44 4,holder\n"
	json := `[
  {"id": "A-1", "number": "100", "name": "Good", "contacts": [
    {"id": "c1", "name": "Ol\u001bivia", "role": "holder"}
  ]},
  {"id": "A-2", "number": "200", "name": "Bad\u202d", "product": "\u009bx", "contacts": []}
]`
	cases := []struct {
		name   string
		format Format
		data   string
		want   []string // every fault, in order
	}{
		{"in a CSV file", CSV, csv, []string{
			"accounts.csv:2: account A-1: account name contains the control character U+001B at character 1",
			"accounts.csv:3: contact c2: contact name contains the control character U+202E at character 6",
			"accounts.csv:4: account A-2: account number contains the control character U+0085 at character 2",
			"accounts.csv:4: account A-2: product contains the control character U+2066 at character 5",
			"accounts.csv:4: contact c1: email contains the control character U+200F at character 2",
			"accounts.csv:4: contact c1: phone contains the control character U+0007 at character 4",
		}},
		{"in a JSON file", JSON, json, []string{
			"accounts.json:3: contact c1: contact name contains the control character U+001B at character 3",
			"accounts.json:5: account A-2: account name contains the control character U+202D at character 4",
			"accounts.json:5: account A-2: product contains the control character U+009B at character 1",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Read("accounts."+string(c.format), c.format, strings.NewReader(c.data))
			if got != nil {
				t.Errorf("accounts were read despite the faults: %+v", got)
			}
			var errs *Errors
			if !errors.As(err, &errs) || !errors.Is(err, model.ErrInvalidInput) {
				t.Fatalf("error %v, want the file's faults", err)
			}
			if msg := err.Error(); msg != strings.Join(c.want, "\n") {
				t.Errorf("faults:\n%s\nwant:\n%s", msg, strings.Join(c.want, "\n"))
			}
			if strings.ContainsAny(err.Error(), "\x1b\u202e\u202d\u2066\u200f\u0085\u009b\x07") {
				t.Errorf("the error itself carries a control character: %q", err.Error())
			}
		})
	}
}

package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pindesk/pindesk/model"
)

// writeFile writes a file for an import and returns its path.
func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// withoutNiamh is testdata's A-1 without its sub-account c2 (Niamh), and A-2 unchanged.
const withoutNiamh = `account_id,account_number,account_name,product,uses_pins,contact_id,contact_name,email,phone,role,federated
A-1,10000001,Bluebird Bakery Ltd,Business Hosting,true,c1,Olivia Smith,olivia@bluebird.example,+44 7700 900001,holder,false
A-1,,,,,c3,Søren Nielsen,soren@bluebird.example,,sub-contact,false
A-2,10000002,Domain Parking,Domains Lite,false,c1,José García,,+1 212 555 0101,holder,false
`

func (d *desk) contacts(accountID string) []string {
	d.t.Helper()
	v, err := d.core().Account(context.Background(), agent, accountID)
	if err != nil {
		d.t.Fatal(err)
	}
	var ids []string
	for _, c := range v.Account.Contacts {
		ids = append(ids, c.ID)
	}
	return ids
}

func TestAReimportWithoutAContactKeepsItAndPrintsTheCounts(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "import", goodCSV)
	d.ok("", "admin", "pin", "generate", "--account", "A-1", "--holder", "c2", "--kind", "master", "--on-behalf-of", "c2")
	path := writeFile(t, "partial.csv", withoutNiamh)
	out, _ := d.ok("", "admin", "import", path)
	sum := sha256.Sum256([]byte(withoutNiamh))
	want := "Imported 2 accounts with 3 contacts from " + path + ".\n" +
		"accounts: 0 created, 0 updated, 2 unchanged; contacts: 0 created, 0 updated, 3 unchanged, 0 pruned; PINs pruned: 0.\n" +
		"File SHA-256: " + hex.EncodeToString(sum[:]) + ".\n"
	if out != want {
		t.Errorf("stdout\n%s\nwant\n%s", out, want)
	}
	if got := strings.Join(d.contacts("A-1"), " "); got != "c1 c2 c3" {
		t.Errorf("A-1's contacts after the partial import: %s; want c1 c2 c3", got)
	}
	events, _ := d.core().Audit(context.Background(), model.Operator{Name: "x", Role: model.OpSupervisor}, model.AuditQuery{Limit: 1})
	if len(events) != 1 || events[0].Action != model.ActionImport || events[0].Operator != "ada" ||
		!strings.HasPrefix(events[0].Reason, "sha256 "+hex.EncodeToString(sum[:])+"; file partial.csv; accounts: 0 created") {
		t.Errorf("the import's audit event: %+v", events)
	}
}

func TestPruneDeletesAContactWithAnActivePINOnlyWithForceAndDryRunListsIt(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "import", goodCSV)
	pin, _ := d.ok("", "admin", "pin", "generate", "--account", "A-1", "--holder", "c2", "--kind", "master", "--on-behalf-of", "c2")
	pin = strings.TrimSpace(pin)
	path := writeFile(t, "partial.csv", withoutNiamh)
	const niamh = "account A-1 contact c2 (O'Brien, Niamh; PINs: master)"

	code, out, errOut := d.run("", "admin", "import", "--prune", path)
	if code != 1 || out != "" || !strings.Contains(errOut, niamh) || !strings.Contains(errOut, "--prune --force") {
		t.Fatalf("a prune of a holder with an active PIN: exit %d\nstdout %q\nstderr %s", code, out, errOut)
	}

	out, _ = d.ok("", "admin", "import", "--prune", "--force", "--dry-run", path)
	if !strings.Contains(out, "Would prune "+niamh+".\n") || !strings.Contains(out, "1 pruned; PINs pruned: 1.") || !strings.HasSuffix(out, "Nothing was imported (--dry-run).\n") {
		t.Errorf("dry run stdout:\n%s", out)
	}
	for _, s := range []string{out, errOut} {
		if strings.Contains(s, pin) {
			t.Fatalf("the output holds the PIN:\n%s", s)
		}
	}
	if got := strings.Join(d.contacts("A-1"), " "); got != "c1 c2 c3" {
		t.Fatalf("the refused prune or the dry run changed A-1: %s", got)
	}
	if res := d.verify("A-1", "c2", pin); res.Outcome != model.OutcomeVerified {
		t.Fatalf("Niamh's PIN after the dry run: %s", res.Outcome)
	}

	out, _ = d.ok("", "admin", "import", "--prune", "--force", path)
	if !strings.Contains(out, "Pruned "+niamh+".\n") || !strings.Contains(out, "accounts: 0 created, 1 updated, 1 unchanged;") {
		t.Errorf("forced prune stdout:\n%s", out)
	}
	if got := strings.Join(d.contacts("A-1"), " "); got != "c1 c3" {
		t.Errorf("A-1's contacts after the prune: %s; want c1 c3", got)
	}
	if got := strings.Join(d.contacts("A-3"), " "); got != "" {
		t.Errorf("A-3, absent from the file, changed: %q", got)
	}
	if _, err := d.core().Account(context.Background(), agent, "A-3"); err != nil {
		t.Errorf("the prune touched A-3, an account absent from the file: %v", err)
	}
}

func TestForceWithoutPruneIsAMistakeInTheCommandLine(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	code, _, errOut := d.run("", "admin", "import", "--force", goodCSV)
	if code != 2 || !strings.HasPrefix(errOut, "pindesk: --force applies to --prune only\n") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

func TestAClashWithTheDatabaseIsAFaultAtItsLine(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "import", goodCSV)
	path := writeFile(t, "clash.csv", `account_id,account_number,account_name,contact_id,contact_name,role
A-8,20000008,Fine,c1,Ann,holder
A-9,10000001,Number Taken,c1,Bob,holder
A-7,10000002,Number Taken Too,c1,Cy,holder
`)
	code, out, errOut := d.run("", "admin", "import", path)
	want := "pindesk: " + path + ": 2 faults; nothing was imported:\n" +
		`clash.csv:3: account A-9: account number "10000001" belongs to account "A-1" in the database` + "\n" +
		`clash.csv:4: account A-7: account number "10000002" belongs to account "A-2" in the database` + "\n"
	if code != 1 || out != "" || errOut != want {
		t.Errorf("exit %d, stdout %q, stderr\n%s\nwant\n%s", code, out, errOut, want)
	}
	if _, err := d.core().Account(context.Background(), agent, "A-8"); err == nil {
		t.Error("the file's good account was imported despite the clash")
	}
}

package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pindesk/pindesk/model"
)

func TestAccountShowPrintsContactsAndEachHoldersPINStatesButNeverAPIN(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	if err := os.MkdirAll(d.dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	// Seven wrong PINs in the window hard-lock: one holder is locked, another hard-locked.
	os.WriteFile(filepath.Join(d.dataDir, "config.json"), []byte(`{"policy": {"hard_lock_failures": 7}}`), 0o600)
	d.ok("", "admin", "import", goodCSV)
	d.ok("482915\n", "admin", "pin", "set", "--account", "A-1", "--holder", "c1", "--kind", "master")
	temp, _ := d.ok("", "admin", "pin", "generate", "--account", "A-1", "--holder", "account", "--kind", "temporary", "--on-behalf-of", "c1")
	oneTime, _ := d.ok("", "admin", "pin", "generate", "--account", "A-1", "--holder", "c3", "--kind", "one-time")
	d.verify("A-1", "c3", strings.TrimSpace(oneTime)) // spends it
	d.ok("305728\n", "admin", "pin", "set", "--account", "A-1", "--holder", "c2", "--kind", "master", "--on-behalf-of", "c2")
	for range 6 {
		d.verify("A-1", "c2", "000000")
		d.verify("A-1", "c1", "000000")
	}
	// A supervisor's unlock keeps the rolling window (an admin's clears it).
	supervisor := model.Operator{Name: "sue", Role: model.OpSupervisor}
	if err := d.core().Unlock(context.Background(), supervisor, model.UnlockRequest{AccountID: "A-1", Holder: "c1", Reason: "called back"}); err != nil {
		t.Fatal(err)
	}
	d.verify("A-1", "c1", "000000") // the seventh in the window

	out, _ := d.ok("", "admin", "account", "show", "10000001")
	for _, want := range []string{
		`^Account 10000001 Bluebird Bakery Ltd \(id A-1\)\nProduct: Business Hosting \(uses support PINs\)\n`,
		`\nAccount-wide PIN \(holder "account"\): .*\n  not locked; 0 of 6 wrong PINs in a row\n  temporary PIN: created \d{4}-\d\d-\d\d \d\d:\d\d UTC; expires [^;]+ \(in 4[78]h\d*m?\); can verify\n`,
		`\nOlivia Smith \(contact c1\): holder · olivia@bluebird.example · \+44 7700 900001\n  HARD-LOCKED since [^;]+ \(only an admin or the customer through the portal may unlock it\); 1 of 6 wrong PINs in a row\n  master PIN: created [^;]+; never expires; can verify\n`,
		`\nO'Brien, Niamh \(contact c2\): sub-account[^\n]*\n  LOCKED since [^;]+; 6 of 6 wrong PINs in a row\n  master PIN: created [^;]+; never expires; can verify\n`,
		`\nSøren Nielsen \(contact c3\): sub-contact[^\n]*\n  not locked; 0 of 6 wrong PINs in a row\n  one-time PIN: created [^;]+; expires [^;]+; SPENT [^;]+; cannot verify\n`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("the account shown does not match %s:\n%s", want, out)
		}
	}
	for _, pin := range []string{"482915", "305728", strings.TrimSpace(temp), strings.TrimSpace(oneTime)} {
		if strings.Contains(out, pin) {
			t.Errorf("the account shown holds a PIN:\n%s", out)
		}
	}

	out, _ = d.ok("", "admin", "account", "show", "A-1", "--json")
	var v model.AccountView
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("--json is not an account view: %v\n%s", err, out)
	}
	want, _ := d.core().Account(context.Background(), agent, "A-1")
	if len(v.Holders) != 4 || v.Account.Number != "10000001" || len(v.Account.Contacts) != 3 {
		t.Errorf("--json = %+v", v)
	}
	for i, h := range v.Holders {
		if h.Holder != want.Holders[i].Holder || h.Failures != want.Holders[i].Failures || h.HardLocked != want.Holders[i].HardLocked || len(h.PINs) != len(want.Holders[i].PINs) {
			t.Errorf("--json holder %d = %+v, want %+v", i, h, want.Holders[i])
		}
	}
	if strings.Contains(out, "482915") || strings.Contains(out, "305728") || strings.Contains(out, strings.TrimSpace(temp)) {
		t.Errorf("--json holds a PIN:\n%s", out)
	}

	code, _, errOut := d.run("", "admin", "account", "show", "99999999")
	if code != 1 || !strings.Contains(errOut, `no account has the id or number "99999999"`) {
		t.Errorf("an unknown account: exit %d, %q", code, errOut)
	}
	if code, _, _ := d.run("", "admin", "account", "show"); code != 2 {
		t.Errorf("show without an account: exit %d, want 2", code)
	}
}

package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pindesk/pindesk/config"
	"github.com/pindesk/pindesk/internal/storetest"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// evil is what an attacker would like an operator's terminal to run: a colour sequence faking a
// verified badge, a title change ending in BEL, and a right-to-left override.
const evil = "\x1b[32m✓ VERIFIED\x1b[0m \x1b]0;pwned\x07\u202Egnp.exe"

// evilShown is how it must appear: every control escaped, the text around it as it is.
const evilShown = `\x1b[32m✓ VERIFIED\x1b[0m \x1b]0;pwned\x07\u202egnp.exe`

// rawStore opens the installation's store directly, to plant data the commands would refuse.
func (d *desk) rawStore() store.Store {
	d.t.Helper()
	s, err := config.Load(config.Source{Flags: map[string]string{"data_dir": d.dataDir}, UserName: func() string { return "test" }})
	if err != nil {
		d.t.Fatal(err)
	}
	_, st, err := openCore(context.Background(), s, existing)
	if err != nil {
		d.t.Fatal(err)
	}
	d.t.Cleanup(func() { st.Close() })
	return st
}

// TestAdminOutputShowsStoredControlCharactersEscaped: data stored before the import refused
// control characters (or written by another tool) must never drive the admin's terminal. The
// audit table, the token list, account show and the messages naming an account show them escaped.
func TestAdminOutputShowsStoredControlCharactersEscaped(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "import", goodCSV)
	ctx := context.Background()
	st := d.rawStore()
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	if err := storetest.Seed(ctx, st, []model.Account{{ID: "A-9", Number: "90", Name: evil, Product: "Hosting", UsesPINs: true,
		Contacts: []model.Contact{{ID: "c1", Name: evil, Role: model.RoleHolder}}}}); err != nil {
		t.Fatal(err)
	}
	if err := st.AppendAudit(ctx, model.AuditEvent{Time: now, Operator: evil, Role: model.OpSupervisor, Channel: model.ChannelAdmin,
		AccountID: "A-1", Holder: "c1", Action: model.ActionUnlock, Outcome: "ok", Reason: evil}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateToken(ctx, store.Token{ID: "tok_planted", Hash: []byte("h"), Operator: model.Operator{Name: evil, Role: model.OpAgent}, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{}
	outputs["audit"], _ = d.ok("", "admin", "audit")
	outputs["token list"], _ = d.ok("", "admin", "token", "list")
	outputs["pin set"], _ = d.ok("482915\n", "admin", "pin", "set", "--account", "A-9", "--holder", "c1", "--kind", "master")
	outputs["account show"], _ = d.ok("", "admin", "account", "show", "A-9")
	_, _, outputs["an error naming the holders"] = d.run("482915\n", "admin", "pin", "set", "--account", "A-9", "--holder", "c-none", "--kind", "master")
	if out, _ := d.ok("", "admin", "account", "show", "A-9", "--json"); strings.ContainsAny(out, "\x1b\x07\u202e") || !strings.Contains(out, `\u001b[32m✓ VERIFIED\u001b[0m \u001b]0;pwned\u0007\u202egnp.exe`) {
		t.Errorf("account show --json lets a control character through, or does not show it escaped:\n%q", out)
	}
	for name, out := range outputs {
		t.Run("the "+name+" output", func(t *testing.T) {
			if strings.ContainsAny(out, "\x1b\x07\u202e") {
				t.Errorf("a control character reaches the terminal:\n%q", out)
			}
			if !strings.Contains(out, evilShown) {
				t.Errorf("the data is not shown escaped (want %s):\n%s", evilShown, out)
			}
		})
	}
}

func TestAReasonWithAControlCharacterIsRefused(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "import", goodCSV)
	code, _, errOut := d.run("", "admin", "unlock", "--account", "A-1", "--holder", "c1", "--reason", "caller\nconfirmed")
	if code != 1 || !strings.Contains(errOut, "reason contains the control character U+000A") {
		t.Fatalf("exit %d, %q; want the reason refused", code, errOut)
	}
}

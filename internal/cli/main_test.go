package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/config"
	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/demo"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/ui"
)

// desk is a pindesk installation in a temporary data folder, run through the command line as a
// user would, with a fake environment (nothing of the real machine's is read).
type desk struct {
	t       *testing.T
	dataDir string
	env     map[string]string
	tmp     string // where the demo makes its folder

	terminal bool     // stdin is a terminal
	typed    []string // what is typed at no-echo prompts, in order

	// What the terminal app was opened with, by the last command that opened it.
	uiBackend client.Backend
	uiOpts    ui.Options
	uiCheck   func(b client.Backend) // runs inside the app, before it returns
}

func newDesk(t *testing.T) *desk {
	return &desk{t: t, dataDir: filepath.Join(t.TempDir(), "data"), env: map[string]string{}, tmp: t.TempDir()}
}

// run runs pindesk with args (after --data-dir) and stdin, and returns the exit code and output.
func (d *desk) run(stdin string, args ...string) (code int, stdout, stderr string) {
	d.t.Helper()
	var out, errOut bytes.Buffer
	a := newApp(strings.NewReader(stdin), &out, &errOut)
	a.lookupEnv = func(k string) (string, bool) { v, ok := d.env[k]; return v, ok }
	home := filepath.Join(d.tmp, "home")
	a.homeDir = func() (string, error) { return home, nil }
	a.userName = func() string { return "ada" }
	a.loc = time.UTC
	a.tempDir = d.tmp
	a.terminal = func(io.Reader) bool { return d.terminal }
	a.readNoEcho = func(io.Reader) (string, error) {
		if len(d.typed) == 0 {
			return "", io.EOF
		}
		s := d.typed[0]
		d.typed = d.typed[1:]
		return s, nil
	}
	a.runUI = func(ctx context.Context, b client.Backend, opts ui.Options) error {
		d.uiBackend, d.uiOpts = b, opts
		if d.uiCheck != nil {
			d.uiCheck(b)
		}
		return nil
	}
	code = run(context.Background(), append([]string{"--data-dir", d.dataDir}, args...), a)
	return code, out.String(), errOut.String()
}

// ok runs a command that must succeed.
func (d *desk) ok(stdin string, args ...string) (stdout, stderr string) {
	d.t.Helper()
	code, out, errOut := d.run(stdin, args...)
	if code != 0 {
		d.t.Fatalf("pindesk %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
	}
	return out, errOut
}

// core opens the installation's core directly, to check what a command did.
func (d *desk) core() *core.Service {
	d.t.Helper()
	s, err := config.Load(config.Source{Flags: map[string]string{"data_dir": d.dataDir}, UserName: func() string { return "test" }})
	if err != nil {
		d.t.Fatal(err)
	}
	svc, st, err := openCore(context.Background(), s, existing)
	if err != nil {
		d.t.Fatal(err)
	}
	d.t.Cleanup(func() { st.Close() })
	return svc
}

var agent = model.Operator{Name: "agent", Role: model.OpAgent}

func (d *desk) verify(accountID, holder, pin string) model.VerifyResult {
	d.t.Helper()
	res, err := d.core().Verify(context.Background(), agent, model.VerifyRequest{AccountID: accountID, Holder: holder, PIN: pin, Channel: model.ChannelPhone})
	if err != nil {
		d.t.Fatal(err)
	}
	return res
}

const goodCSV = "../../importer/testdata/good.csv"

func TestImportLoadsAFileAndReportsWhatItLoaded(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	out, _ := d.ok("", "admin", "import", "../../testdata/accounts.json")
	if !strings.HasPrefix(out, "Imported 400 accounts with 1101 contacts from ../../testdata/accounts.json.\n"+
		"accounts: 400 created, 0 updated, 0 unchanged; contacts: 1101 created, 0 updated, 0 unchanged, 0 pruned; PINs pruned: 0.\n") {
		t.Errorf("stdout = %q", out)
	}
	res, err := d.core().Search(context.Background(), agent, "64522236", model.Page{})
	if err != nil || len(res.Accounts) != 1 {
		t.Errorf("the imported account is not found: %v %+v", err, res)
	}
}

func TestABadImportFileListsEveryFaultAndImportsNothing(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	code, out, errOut := d.run("", "admin", "import", "../../importer/testdata/bad.csv")
	if code != 1 || out != "" {
		t.Fatalf("exit %d, stdout %q; want 1 and nothing", code, out)
	}
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if lines[0] != "pindesk: ../../importer/testdata/bad.csv: 12 faults; nothing was imported:" || len(lines) != 13 {
		t.Errorf("stderr:\n%s", errOut)
	}
	if !strings.Contains(errOut, `bad.csv:3: role "boss" (want holder, sub-account or sub-contact)`) {
		t.Errorf("the role fault is not reported with its line:\n%s", errOut)
	}
	if _, err := os.Stat(filepath.Join(d.dataDir, "pindesk.db")); !errors.Is(err, os.ErrNotExist) {
		t.Error("a bad file still opened (created) the database")
	}
}

func TestADryRunChecksTheFileWithoutADatabase(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	out, _ := d.ok("", "admin", "import", "--dry-run", goodCSV)
	if !strings.Contains(out, "is valid: 3 accounts with 4 contacts. Nothing was imported") {
		t.Errorf("stdout = %q", out)
	}
	if _, err := os.Stat(d.dataDir); !errors.Is(err, os.ErrNotExist) {
		t.Error("a dry run created the data folder")
	}
}

var sixDigits = regexp.MustCompile(`^\d{6}\n$`)

func TestGeneratePrintsTheNewPINOnceAndOnlyOnStdout(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "import", goodCSV)
	// By the account number, as an admin reads it off a ticket.
	out, errOut := d.ok("", "admin", "pin", "generate", "--account", "10000001", "--holder", "c1", "--kind", "temporary", "--on-behalf-of", "c1")
	if !sixDigits.MatchString(out) {
		t.Fatalf("stdout = %q, want the PIN alone", out)
	}
	pin := strings.TrimSpace(out)
	if strings.Contains(errOut, pin) {
		t.Errorf("stderr repeats the PIN: %q", errOut)
	}
	if !strings.Contains(errOut, "New temporary PIN for Olivia Smith (c1) on account 10000001 Bluebird Bakery Ltd; it expires") {
		t.Errorf("stderr = %q", errOut)
	}
	if got := d.verify("A-1", "c1", pin).Outcome; got != model.OutcomeVerified {
		t.Errorf("the printed PIN answered %s", got)
	}
	events, _ := d.core().Audit(context.Background(), model.Operator{Name: "x", Role: model.OpSupervisor}, model.AuditQuery{AccountID: "A-1"})
	var gen *model.AuditEvent
	for i := range events {
		if events[i].Action == model.ActionGenerate {
			gen = &events[i]
		}
	}
	if gen == nil || gen.Operator != "ada" || gen.Role != model.OpAdmin || gen.Channel != model.ChannelAdmin || gen.Caller != "c1" {
		t.Errorf("audit of the generation = %+v; want ada as admin on the admin channel for c1", gen)
	}
}

func TestSetReadsThePINFromStandardInput(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "import", goodCSV)
	out, _ := d.ok("482915\n", "admin", "pin", "set", "--account", "A-1", "--holder", "account", "--kind", "master", "--on-behalf-of", "c2")
	if out != "Set the account-wide master PIN on account 10000001 Bluebird Bakery Ltd; it never expires.\n" {
		t.Errorf("stdout = %q", out)
	}
	res, err := d.core().Verify(context.Background(), agent, model.VerifyRequest{AccountID: "A-1", Holder: model.AccountWide, Caller: "c3", PIN: "482915", Channel: model.ChannelPhone})
	if err != nil || res.Outcome != model.OutcomeVerified {
		t.Errorf("the set PIN answered %+v, %v", res, err)
	}
}

func TestSetOnATerminalAsksTwiceWithoutEcho(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "import", goodCSV)
	d.terminal = true
	d.typed = []string{"305728", "305729"}
	code, _, errOut := d.run("", "admin", "pin", "set", "--account", "A-1", "--holder", "c1", "--kind", "master")
	if code != 1 || !strings.Contains(errOut, "the two entries differ; nothing changed") {
		t.Errorf("mistyped confirmation: exit %d, %q", code, errOut)
	}
	if strings.Contains(errOut, "30572") {
		t.Errorf("an entry is echoed: %q", errOut)
	}
	if !strings.Contains(errOut, "New master PIN for Olivia Smith (account 10000001): ") {
		t.Errorf("the prompt does not name whose PIN and which kind: %q", errOut)
	}
	d.typed = []string{"305728", "305728"}
	d.ok("", "admin", "pin", "set", "--account", "A-1", "--holder", "c1", "--kind", "master")
	if got := d.verify("A-1", "c1", "305728").Outcome; got != model.OutcomeVerified {
		t.Errorf("the typed PIN answered %s", got)
	}
}

func TestThePromptForTheAccountWidePINNamesTheAccount(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "import", goodCSV)
	d.terminal = true
	d.typed = []string{"305728", "305728"}
	_, errOut := d.ok("", "admin", "pin", "set", "--account", "A-1", "--holder", "account", "--kind", "temporary", "--on-behalf-of", "c1")
	if !strings.HasPrefix(errOut, "New account-wide temporary PIN (account 10000001): \nAgain, to confirm: \n") {
		t.Errorf("prompts: %q", errOut)
	}
	out, _ := d.ok("", "admin", "pin", "clear", "--account", "A-1", "--holder", "account", "--kind", "temporary", "--on-behalf-of", "c1")
	if out != "Cleared the account-wide temporary PIN on account 10000001 Bluebird Bakery Ltd.\n" {
		t.Errorf("stdout = %q", out)
	}
}

func TestAPINIsNeverTakenFromAFlag(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	code, _, errOut := d.run("", "admin", "pin", "set", "--account", "A-1", "--holder", "c1", "--kind", "master", "--pin", "482915")
	if code != 2 || !strings.Contains(errOut, "unknown flag: --pin") {
		t.Errorf("exit %d, %q; want a usage error", code, errOut)
	}
}

func TestAPINThePolicyRefusesIsNamedByRuleAndNeverEchoed(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "import", goodCSV)
	for _, pin := range []string{"111123", "234567", "12ab56", "12345"} {
		code, out, errOut := d.run(pin+"\n", "admin", "pin", "set", "--account", "A-1", "--holder", "c1", "--kind", "master")
		if code != 1 || out != "" || !strings.Contains(errOut, "PIN refused by policy") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", pin, code, out, errOut)
		}
		if strings.Contains(errOut, pin) {
			t.Errorf("the error shows the PIN: %q", errOut)
		}
	}
}

func TestChangesNameTheChoicesWhenAHolderIsWrong(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "import", goodCSV)
	code, _, errOut := d.run("", "admin", "pin", "clear", "--account", "A-1", "--holder", "olivia", "--kind", "master")
	want := `pindesk: unknown PIN holder: account 10000001 has no contact "olivia"; the holder is one of: "account" for the account-wide PIN, c1 (Olivia Smith, holder), c2 (O'Brien, Niamh, sub-account), c3 (Søren Nielsen, sub-contact)` + "\n"
	if code != 1 || errOut != want {
		t.Errorf("exit %d\n got %q\nwant %q", code, errOut, want)
	}
}

func TestASubContactMayNotChangeTheAccountWidePIN(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "import", goodCSV)
	code, out, errOut := d.run("", "admin", "pin", "generate", "--account", "A-1", "--holder", "account", "--kind", "master", "--on-behalf-of", "c3")
	if code != 1 || out != "" || !strings.Contains(errOut, "not permitted: a sub-contact may give the account-wide PIN but not change it") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestClearRemovesThePIN(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "import", goodCSV)
	d.ok("482915\n", "admin", "pin", "set", "--account", "A-1", "--holder", "c1", "--kind", "master")
	out, _ := d.ok("", "admin", "pin", "clear", "--account", "A-1", "--holder", "c1", "--kind", "master")
	if out != "Cleared the master PIN of Olivia Smith (c1) on account 10000001 Bluebird Bakery Ltd.\n" {
		t.Errorf("stdout = %q", out)
	}
	if got := d.verify("A-1", "c1", "482915").Outcome; got != model.OutcomeNoPIN {
		t.Errorf("after clear: %s, want no_pin", got)
	}
	code, _, errOut := d.run("", "admin", "pin", "clear", "--account", "A-1", "--holder", "c1", "--kind", "master")
	if code != 1 || !strings.Contains(errOut, "no PIN of that kind") {
		t.Errorf("clearing twice: exit %d, %q", code, errOut)
	}
}

func TestUnlockFreesALockedHolderWithAReason(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "import", goodCSV)
	d.ok("482915\n", "admin", "pin", "set", "--account", "A-1", "--holder", "c1", "--kind", "master")
	for range 6 {
		d.verify("A-1", "c1", "000000")
	}
	if got := d.verify("A-1", "c1", "482915").Outcome; got != model.OutcomeLocked {
		t.Fatalf("not locked: %s", got)
	}
	if code, _, errOut := d.run("", "admin", "unlock", "--account", "A-1", "--holder", "c1"); code != 2 || !strings.Contains(errOut, "needs --reason") {
		t.Errorf("unlock without a reason: exit %d, %q", code, errOut)
	}
	out, _ := d.ok("", "admin", "unlock", "--account", "10000001", "--holder", "c1", "--reason", "called back on the number on file")
	if out != "Unlocked Olivia Smith (c1) on account 10000001 Bluebird Bakery Ltd.\n" {
		t.Errorf("stdout = %q", out)
	}
	if got := d.verify("A-1", "c1", "482915").Outcome; got != model.OutcomeVerified {
		t.Errorf("after unlock: %s", got)
	}
	if code, _, errOut := d.run("", "admin", "unlock", "--account", "A-1", "--holder", "c1", "--reason", "again"); code != 1 || !strings.Contains(errOut, "not locked") {
		t.Errorf("unlocking an unlocked holder: exit %d, %q", code, errOut)
	}
}

func TestResetNeedsConfirmationAndRevokesEveryPIN(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "import", goodCSV)
	d.ok("482915\n", "admin", "pin", "set", "--account", "A-1", "--holder", "c1", "--kind", "master")
	d.ok("305728\n", "admin", "pin", "set", "--account", "A-1", "--holder", "account", "--kind", "temporary", "--on-behalf-of", "c1")

	code, _, errOut := d.run("", "admin", "reset", "--account", "A-1", "--reason", "fraud")
	if code != 2 || !strings.Contains(errOut, "add --yes to confirm") {
		t.Errorf("reset from a script without --yes: exit %d, %q", code, errOut)
	}
	d.terminal = true
	code, _, errOut = d.run("n\n", "admin", "reset", "--account", "A-1", "--reason", "fraud")
	if code != 1 || !strings.Contains(errOut, "reset cancelled; nothing changed") {
		t.Errorf("answering no: exit %d, %q", code, errOut)
	}
	if got := d.verify("A-1", "c1", "482915").Outcome; got != model.OutcomeVerified {
		t.Fatalf("a cancelled reset changed the PIN: %s", got)
	}
	// A reset needs a second person (approval.reset, required by default): confirmed, it opens a
	// request and changes nothing until another operator approves it.
	code, _, errOut = d.run("y\n", "admin", "reset", "--account", "A-1", "--reason", "fraud")
	if code != 1 || !strings.Contains(errOut, "needs a second supervisor: request #1") || !strings.Contains(errOut, "pindesk admin approvals approve 1") {
		t.Errorf("a confirmed reset: exit %d, %q", code, errOut)
	}
	if got := d.verify("A-1", "c1", "482915").Outcome; got != model.OutcomeVerified {
		t.Fatalf("a reset waiting for approval changed the PIN: %s", got)
	}
	if code, _, errOut := d.run("", "admin", "approvals", "approve", "1"); code != 1 || !strings.Contains(errOut, "another supervisor must approve it") {
		t.Errorf("approving one's own request: exit %d, %q", code, errOut)
	}
	out, _ := d.ok("", "admin", "approvals", "approve", "1", "--operator", "bea")
	if out != "Approved request #1: reset of 10000001, asked by ada. Revoked 2 PINs, unlocked 0 holders.\n" {
		t.Errorf("stdout = %q", out)
	}
	if got := d.verify("A-1", "c1", "482915").Outcome; got != model.OutcomeNoPIN {
		t.Errorf("after reset: %s, want no_pin", got)
	}
}

func TestAuditShowsATableOrExportsJSONLines(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "import", goodCSV)
	d.ok("482915\n", "admin", "pin", "set", "--account", "A-1", "--holder", "c1", "--kind", "master")
	d.verify("A-1", "c1", "975319")
	d.ok("", "admin", "unlock", "--account", "A-1", "--holder", "c1", "--reason", "caller confirmed")

	out, _ := d.ok("", "admin", "audit", "--account", "10000001")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "TIME") {
		t.Fatalf("table:\n%s", out)
	}
	for i, want := range []string{"ada  admin  admin  10000001  c1  unlock", "agent  agent  phone  10000001  c1  verify  -  mismatch  5", "ada  admin  admin  10000001  c1  set  master  ok"} {
		if !strings.Contains(collapse(lines[i+1]), want) {
			t.Errorf("row %d = %q, want %q", i+1, collapse(lines[i+1]), want)
		}
	}
	if strings.Contains(out, "482915") || strings.Contains(out, "975319") {
		t.Error("the audit table shows a PIN")
	}

	out, _ = d.ok("", "admin", "audit", "--json")
	sc := bufio.NewScanner(strings.NewReader(out))
	var n int
	for sc.Scan() {
		var e model.AuditEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q is not an event: %v", sc.Text(), err)
		}
		n++
	}
	// The import, the set, the verification and the unlock: every import is audited.
	if n != 4 {
		t.Errorf("%d JSON lines, want 4", n)
	}

	_, errOut := d.ok("", "admin", "audit", "--since", "2099-01-01")
	if !strings.Contains(errOut, "No audit events match.") {
		t.Errorf("future --since: %q", errOut)
	}
	out, errOut = d.ok("", "admin", "audit", "--limit", "1", "--since", "1h")
	if len(strings.Split(strings.TrimSpace(out), "\n")) != 2 || !strings.Contains(errOut, "Showing the newest event; there are more") {
		t.Errorf("--limit 1: %q %q", out, errOut)
	}
	for _, bad := range [][]string{{"--since", "yesterday"}, {"--until", "2024-13-45"}, {"--limit", "0"}} {
		if code, _, _ := d.run("", append([]string{"admin", "audit"}, bad...)...); code != 2 {
			t.Errorf("audit %v: exit %d, want 2", bad, code)
		}
	}
}

func collapse(s string) string { return strings.Join(strings.Fields(s), "  ") }

func TestTheAuditTimeFlagsReadDatesAndAges(t *testing.T) {
	t.Parallel()
	a := newApp(nil, io.Discard, io.Discard)
	now := time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)
	a.now, a.loc = func() time.Time { return now }, time.UTC
	tests := []struct{ in, want string }{
		{"2024-06-01", "2024-06-01T00:00:00Z"},
		{"2024-06-01 14:30", "2024-06-01T14:30:00Z"},
		{"2024-06-01T14:30:00+02:00", "2024-06-01T12:30:00Z"},
		{"36h", "2026-05-03T00:00:00Z"},
		{"7d", "2026-04-27T12:00:00Z"},
	}
	for _, tt := range tests {
		got, err := a.parseTime("--since", tt.in)
		if err != nil || got.UTC().Format(time.RFC3339) != tt.want {
			t.Errorf("%q → %v, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}

func TestMistakesInTheCommandLineExit2WithOneClearLine(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `pindesk: unknown command "frobnicate" for "pindesk"`},
		{[]string{"admin", "frob"}, `pindesk: unknown command "frob" for "pindesk admin"`},
		{[]string{"admin", "import"}, "pindesk: pindesk admin import takes FILE (got 0 arguments)"},
		{[]string{"admin", "pin", "generate", "--account", "A-1"}, "pindesk: pindesk admin pin generate needs --holder and --kind"},
		{[]string{"admin", "pin", "generate", "--account", "A-1", "--holder", "c1", "--kind", "forever"}, `pindesk: unknown PIN kind: "forever" (want master, one-time or temporary)`},
		{[]string{"admin", "reset", "--acount", "A-1"}, "pindesk: unknown flag: --acount"},
		{[]string{"demo", "now"}, `pindesk: pindesk demo takes no arguments (got "now")`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errOut := d.run("", tt.args...)
			lines := strings.Split(strings.TrimSpace(errOut), "\n")
			if code != 2 || out != "" || lines[0] != tt.want || len(lines) != 2 || !strings.HasPrefix(lines[1], "Run 'pindesk") {
				t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant exit 2 and %q", code, out, errOut, tt.want)
			}
		})
	}
}

func TestFailuresExit1WithoutAGoStack(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "import", goodCSV)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"admin", "unlock", "--account", "99999999", "--holder", "c1", "--reason", "x"}, `pindesk: unknown account: no account has the id or number "99999999"`},
		{[]string{"admin", "import", "nope.csv"}, "pindesk: nope.csv: no such file"},
		{[]string{"admin", "pin", "generate", "--account", "A-2", "--holder", "c1", "--kind", "master"}, "pindesk: this account's product uses no support PIN (account 10000002, product Domains Lite)"},
		{[]string{"--role", "boss", "config"}, `pindesk: role (flag --role): "boss" (want agent, supervisor, trainer or admin)`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, errOut := d.run("", tt.args...)
			if code != 1 || !strings.HasPrefix(errOut, tt.want) || strings.Contains(errOut, "goroutine") {
				t.Errorf("exit %d, stderr %q; want 1 and %q", code, errOut, tt.want)
			}
		})
	}
}

func TestAPanicIsReportedAsOneLine(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "init")
	d.uiCheck = func(client.Backend) { panic("boom") }
	code, _, errOut := d.run("", "--operator", "x")
	if code != 1 || errOut != "pindesk: internal error: boom\n" {
		t.Errorf("exit %d, %q", code, errOut)
	}
}

func TestAnExistingDatabaseIsNeverGivenANewKey(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "import", goodCSV)
	d.ok("482915\n", "admin", "pin", "set", "--account", "A-1", "--holder", "c1", "--kind", "master")
	key := filepath.Join(d.dataDir, "pindesk.key")
	if err := os.Rename(key, key+".bak"); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := d.run("", "admin", "audit")
	if code != 1 || !strings.Contains(errOut, "the key file is missing: "+key+" does not exist, but the database") {
		t.Errorf("exit %d, %q", code, errOut)
	}
	if _, err := os.Stat(key); !errors.Is(err, os.ErrNotExist) {
		t.Error("a new key file was written beside the existing database")
	}
	os.Rename(key+".bak", key)
	if got := d.verify("A-1", "c1", "482915").Outcome; got != model.OutcomeVerified {
		t.Errorf("with the key restored: %s", got)
	}
}

func TestKeyInitMakesAKeyOnceAndNeverReplacesIt(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	key := filepath.Join(t.TempDir(), "shared.key")
	out, _ := d.ok("", "--key-file", key, "admin", "key", "init")
	if !strings.Contains(out, "Created the key file "+key) {
		t.Errorf("stdout = %q", out)
	}
	before, _ := os.ReadFile(key)
	if info, _ := os.Stat(key); info.Mode().Perm() != 0o600 {
		t.Errorf("key mode %v, want 600", info.Mode().Perm())
	}
	code, _, errOut := d.run("", "--key-file", key, "admin", "key", "init")
	after, _ := os.ReadFile(key)
	if code != 1 || !strings.Contains(errOut, "is not replaced") || !bytes.Equal(before, after) {
		t.Errorf("second init: exit %d, %q, key changed: %v", code, errOut, !bytes.Equal(before, after))
	}
}

func TestTheAppOpensOnTheDatabaseAsTheConfiguredOperator(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "import", goodCSV)
	d.env["PINDESK_ROLE"] = "supervisor"
	d.env["PINDESK_CHANNEL"] = "chat"
	d.uiCheck = func(b client.Backend) {
		res, err := b.Search(context.Background(), "Bluebird", model.Page{})
		if err != nil || len(res.Accounts) != 1 {
			t.Errorf("the app's backend does not reach the database: %v", err)
		}
	}
	d.ok("", "--operator", "Grace")
	if op := d.uiBackend.Operator(); op != (model.Operator{Name: "Grace", Role: model.OpSupervisor}) {
		t.Errorf("operator = %+v", op)
	}
	if d.uiOpts.Channel != model.ChannelChat || d.uiOpts.IdleTimeout != 2*time.Minute || d.uiOpts.Demo {
		t.Errorf("options = %+v", d.uiOpts)
	}
}

func TestRemoteModeUsesTheServerAndAdminRefusesIt(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	code, _, errOut := d.run("", "--server", "https://desk.example.com")
	if code != 1 || !strings.Contains(errOut, "not signed in: the token file") {
		t.Errorf("remote without a token: exit %d, %q", code, errOut)
	}
	code, _, errOut = d.run("", "--server", "https://desk.example.com", "admin", "audit")
	if code != 1 || !strings.Contains(errOut, "admin commands work on the database itself") {
		t.Errorf("admin in remote mode: exit %d, %q", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(d.dataDir, "pindesk.db")); !errors.Is(err, os.ErrNotExist) {
		t.Error("remote mode created a local database")
	}
}

func TestTheDemoRunsOnAThrowawayDatabaseAndRemovesIt(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	var demoDir string
	d.uiCheck = func(b client.Backend) {
		db, ok := b.(*demo.Backend)
		if !ok {
			t.Fatalf("backend is %T, want the demo's", b)
		}
		demoDir = db.Dir()
		if _, ok := b.(client.Demo); !ok {
			t.Error("the demo backend offers no clock or restore")
		}
		s := demo.Scenarios()[3] // locked
		res, err := b.Verify(context.Background(), model.VerifyRequest{AccountID: s.AccountID, Holder: s.Holder, PIN: s.PIN, Channel: model.ChannelPhone})
		if err != nil || res.Outcome != model.OutcomeLocked {
			t.Errorf("%s answered %+v, %v", s.Title, res, err)
		}
	}
	d.ok("", "--operator", "Tess", "demo")
	if !d.uiOpts.Demo || len(d.uiOpts.Scenarios) != len(demo.Scenarios()) {
		t.Errorf("options = %+v", d.uiOpts)
	}
	want := demo.Scenarios()[0]
	if got := d.uiOpts.Scenarios[0]; got != (ui.Scenario{Title: want.Title, AccountNumber: "DEMO-001", Note: want.Demonstrates, Caller: "Maria Lopez", PIN: "482915"}) {
		t.Errorf("the trainer panel's first scenario = %+v", got)
	}
	if op := d.uiBackend.Operator(); op.Name != "Tess" || op.Role != model.OpTrainer {
		t.Errorf("operator = %+v, want Tess the trainer", op)
	}
	if !strings.HasPrefix(demoDir, d.tmp) {
		t.Errorf("demo folder %q is not under the temporary folder", demoDir)
	}
	if _, err := os.Stat(demoDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("demo folder remains after exit: %v", err)
	}
	if _, err := os.Stat(d.dataDir); !errors.Is(err, os.ErrNotExist) {
		t.Error("the demo touched the real data folder")
	}
}

func TestConfigShowsEachSettingAndItsOrigin(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	if err := os.MkdirAll(d.dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(d.dataDir, "config.json"), []byte(`{"role": "supervisor"}`), 0o600)
	d.env["PINDESK_IDLE_TIMEOUT"] = "3m"
	out, _ := d.ok("", "--operator", "Grace", "config")
	cfg := filepath.Join(d.dataDir, "config.json")
	for _, want := range []string{
		`(?m)^config file: ` + regexp.QuoteMeta(cfg) + `$`,
		`(?m)^role +supervisor +file ` + regexp.QuoteMeta(cfg) + `:1$`,
		`(?m)^idle_timeout +3m0s +env PINDESK_IDLE_TIMEOUT$`,
		`(?m)^operator +Grace +flag --operator$`,
		`(?m)^database +` + regexp.QuoteMeta(filepath.Join(d.dataDir, "pindesk.db")) + ` +default, in data_dir$`,
		`(?m)^channel +phone +default$`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("config output does not match %s:\n%s", want, out)
		}
	}
}

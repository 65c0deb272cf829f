package ui

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/pindesk/pindesk/internal/uitest"
	"github.com/pindesk/pindesk/model"
)

// evil is what an attacker would put in an imported name: a colour sequence that paints a green
// "✓ VERIFIED" into the agent's header, a title change ended by BEL, and a right-to-left override.
const evil = "\x1b[32m✓ VERIFIED\x1b[0m \x1b]0;pwned\x07\u202Egnp.exe"

// evilShown is how the app must show it: every control escaped, the rest as it is.
const evilShown = `\x1b[32m✓ VERIFIED\x1b[0m \x1b]0;pwned\x07\u202egnp.exe`

// fromData are byte sequences only the data could have put in the output: with styles on, the
// app's own SGR codes are other ones, and it never sets the title or writes a bidi control.
var fromData = []string{"\x1b[32m✓", "\x1b[0m \x1b]", "\x1b]0;pwned", "pwned\x07", "\u202e"}

// evilFake is the scenario backend plus an account whose every text field carries evil (as one
// stored before imports refused control characters would), with an audit event of it.
func evilFake(t *testing.T, op model.Operator) *uitest.Backend {
	t.Helper()
	f := uitest.Scenarios(t, op)
	f.AddAccount(model.Account{ID: "acc-evil", Number: "ACC-6666\u202E", Name: "Mallory " + evil, Product: evil, UsesPINs: true,
		Contacts: []model.Contact{{ID: "c-evil", Name: "Eve " + evil, Email: "eve" + evil + "@x.example", Phone: "+44 " + evil, Role: model.RoleHolder}}})
	f.PutPIN("acc-evil", "c-evil", model.KindMaster, "482915", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	return f
}

func assertSafe(t *testing.T, what, raw string) {
	t.Helper()
	for _, seq := range fromData {
		if strings.Contains(raw, seq) {
			t.Errorf("the %s carries %q from the data: a terminal would run it", what, seq)
		}
	}
}

// TestStoredControlCharactersAreShownEscapedOnEveryScreen walks the screens that show an
// account's data and checks the raw view (styles included) never carries a control sequence from
// the data, and the visible text shows it escaped.
func TestStoredControlCharactersAreShownEscapedOnEveryScreen(t *testing.T) {
	t.Parallel()
	f := evilFake(t, supervisor)
	// The core refuses such a reason today, as imports refuse such names: the event is one an
	// older version stored, written straight to the store.
	f.AddEvent(model.AuditEvent{Time: time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC), Operator: "sue", Role: model.OpSupervisor,
		Channel: model.ChannelPhone, AccountID: "acc-evil", Holder: "c-evil", Action: model.ActionUnlock, Outcome: "ok", Reason: "asked by " + evil})
	h := newHarness(t, f, Options{})
	screens := []struct {
		name string
		keys []string
		want string // the escaped data, as seen
	}{
		{"search results", []string{"type:acc-6666"}, `ACC-6666\u202e  Mallory \x1b[32m✓`},
		{"account", []string{"enter"}, `ACC-6666\u202e · Mallory ` + evilShown},
		{"pin entry", []string{"enter"}, "Mallory " + evilShown[:20]},
		{"audit trail", []string{"esc", "a"}, "reason: asked by " + evilShown[:20]},
	}
	for _, s := range screens {
		h.keys(s.keys...)
		t.Run(s.name, func(t *testing.T) {
			assertSafe(t, "raw view", h.app.View().Content)
			if !strings.Contains(h.screen(), s.want) {
				t.Errorf("the screen does not show %q:\n%s", s.want, h.screen())
			}
		})
	}
}

// TestGoldenAccountWithControlCharacters is the account screen of that account, with colour off:
// the escapes are what the agent reads.
func TestGoldenAccountWithControlCharacters(t *testing.T) {
	t.Parallel()
	h := newHarness(t, evilFake(t, agent), Options{})
	h.openAccount("acc-6666")
	raw := h.app.View().Content
	assertSafe(t, "raw view", raw)
	golden.RequireEqual(t, h.screen())
}

// TestProgramNeverWritesAStoredEscapeSequenceToTheTerminal runs the real program with colour off
// and reads every byte it wrote to the terminal: none of the data's control sequences is among
// them, and the header never shows a "✓ VERIFIED" it did not decide.
func TestProgramNeverWritesAStoredEscapeSequenceToTheTerminal(t *testing.T) {
	t.Parallel()
	tm := startProgram(t, evilFake(t, agent), Options{})
	var out []byte // every byte written to the terminal
	wait := func(texts ...string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
			for _, x := range texts {
				if !bytes.Contains([]byte(ansi.Strip(string(b))), []byte(x)) {
					return false
				}
			}
			out = append(out, b...)
			return true
		}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	}
	wait("Who is calling? Find their account")
	press(tm, "type:acc-6666")
	wait(`Mallory \x1b[32m✓`)
	press(tm, "enter")
	wait(`Eve \x1b[32m✓ VERIFIED\x1b[0m`, `ACC-6666\u202e`)
	press(tm, "ctrl+c")
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	rest, err := io.ReadAll(tm.FinalOutput(t))
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, rest...)
	assertSafe(t, "terminal output", string(out))
	if !bytes.Contains(out, []byte(`Mallory \x1b[32m✓ VERIFIED\x1b[0m`)) {
		t.Errorf("the output does not show the escaped name")
	}
}

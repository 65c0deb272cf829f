package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/demo"
	"github.com/pindesk/pindesk/internal/uitest"
	"github.com/pindesk/pindesk/model"
)

// Whole flows through a real tea.Program: keys go in as a terminal would send them, and the test
// waits for text on the rendered output rather than sleeping.

func startProgram(t *testing.T, b client.Backend, opts Options, popts ...tea.ProgramOption) *teatest.TestModel {
	t.Helper()
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	return teatest.NewTestModel(t, New(b, opts),
		teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(append([]tea.ProgramOption{tea.WithColorProfile(colorprofile.Ascii)}, popts...)...))
}

// waitFor waits until every text has been drawn (since the last wait).
func waitFor(t *testing.T, tm *teatest.TestModel, texts ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		s := ansi.Strip(string(b))
		for _, x := range texts {
			if !strings.Contains(s, x) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

func press(tm *teatest.TestModel, keys ...string) {
	for _, k := range keys {
		if s, ok := strings.CutPrefix(k, "type:"); ok {
			tm.Type(s)
			continue
		}
		tm.Send(keyMsg(k))
	}
}

func finalApp(t *testing.T, tm *teatest.TestModel) *App {
	t.Helper()
	return tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*App)
}

func TestProgramCallFlow(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, agent)
	tm := startProgram(t, f, Options{})
	waitFor(t, tm, "Who is calling? Find their account")
	press(tm, "type:harbor")
	waitFor(t, tm, "ACC-1001", "Harbor Bakery")
	press(tm, "enter")
	waitFor(t, tm, "Maria Lopez · holder", "ACTIVE")
	press(tm, "enter", "type:111111", "enter")
	waitFor(t, tm, "WRONG PIN", "5 of 6 attempts left")
	press(tm, "enter", "type:"+uitest.HealthyPIN, "enter")
	waitFor(t, tm, "VERIFIED")
	press(tm, "ctrl+e")
	waitFor(t, tm, "Call ended. Ready for the next caller.")
	press(tm, "ctrl+c")
	a := finalApp(t, tm)
	if a.cur != scrSearch || a.c.call.view != nil || a.c.call.id != 2 {
		t.Fatalf("after end call and quit: screen %v call %+v", a.cur, a.c.call)
	}
	if n := len(f.Verifies()); n != 2 {
		t.Fatalf("%d verifications, want 2", n)
	}
}

// The first caller's verification is still on its way when the agent ends the call and takes the
// next one; its answer must never show on the next caller's screen.
func TestProgramLateVerificationAfterEndCall(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, agent)
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	f.Hook = func(ctx context.Context, op, arg string) error {
		if op == "verify" && arg == "a1/maria" {
			started <- struct{}{}
			<-release
		}
		return nil
	}
	// The filter sees every message before Update: it tells the test when the late answer is in.
	answered := make(chan struct{}, 1)
	filter := tea.WithFilter(func(_ tea.Model, msg tea.Msg) tea.Msg {
		if _, ok := msg.(verifyMsg); ok {
			answered <- struct{}{}
		}
		return msg
	})
	tm := startProgram(t, f, Options{}, filter)
	press(tm, "type:ACC-1001")
	waitFor(t, tm, "Harbor Bakery")
	press(tm, "enter")
	waitFor(t, tm, "Maria Lopez · holder")
	press(tm, "enter", "type:"+uitest.HealthyPIN, "enter")
	waitFor(t, tm, "Verifying the PIN")
	<-started
	press(tm, "ctrl+e", "type:ACC-1007")
	waitFor(t, tm, "Tandem Cycles")
	press(tm, "enter")
	waitFor(t, tm, "Tia Tandem · holder")
	close(release) // the first caller's answer arrives now
	<-answered
	press(tm, "ctrl+c") // read after the answer: the final model has handled it
	a := finalApp(t, tm)
	if a.cur != scrAccount || a.result.ans != nil || a.c.call.view == nil || a.c.call.view.Account.ID != "a7" {
		t.Fatalf("the late answer reached the next call: screen %v result %v", a.cur, a.result.ans)
	}
	if strings.Contains(ansi.Strip(a.View().Content), "VERIFIED") {
		t.Fatalf("VERIFIED shown on the next caller's screen:\n%s", ansi.Strip(a.View().Content))
	}
}

// The real core over the demo's SQLite database: a locked holder, a supervisor's unlock, verified.
func TestProgramOnTheDemoDatabase(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("opens a SQLite database")
	}
	ctx := context.Background()
	b, err := demo.Open(ctx, demo.Options{TempDir: t.TempDir(), SampleAccounts: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	var locked demo.Scenario
	for _, sc := range b.Scenarios() {
		if sc.Expect == model.OutcomeLocked {
			locked = sc
		}
	}
	if locked.PIN == "" {
		t.Fatal("the demo has no locked scenario")
	}
	tm := startProgram(t, b, Options{Demo: true})
	waitFor(t, tm, "DEMO")
	press(tm, "type:"+locked.AccountNumber)
	waitFor(t, tm, locked.AccountName)
	press(tm, "enter")
	waitFor(t, tm, "LOCKED")
	press(tm, "enter", "type:"+locked.PIN, "enter")
	waitFor(t, tm, "The PIN was not checked.")
	press(tm, "u", "type:identity confirmed by call-back", "enter", "y")
	waitFor(t, tm, "Unlocked "+locked.CallerName)
	press(tm, "enter", "type:"+locked.PIN, "enter")
	waitFor(t, tm, "VERIFIED")
	press(tm, "esc", "a")
	waitFor(t, tm, "reason: identity confirmed by call-back")
	press(tm, "ctrl+c")
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
}

func TestOpeningASearchResultPutsTheCursorOnTheContactItMatched(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, agent)
	tm := startProgram(t, f, Options{})
	waitFor(t, tm, "Who is calling? Find their account")
	press(tm, "type:vega mia") // any word order
	waitFor(t, tm, "ACC-1009", "contact: Mia Vega")
	press(tm, "enter")
	waitFor(t, tm, "› Mia Vega · sub-contact")
	press(tm, "ctrl+c")
	a := finalApp(t, tm)
	if h, ok := a.account.holder(); !ok || h.Holder.ContactID != "mia" {
		t.Fatalf("the cursor is on %+v, want Mia", h.Holder)
	}
}

// "That wasn't me": after the customer disputes a notice, every agent who opens the account sees
// the DISPUTED banner with its time (never the customer's own words); an agent has no key to clear
// it; a supervisor clears it with a reason and a yes, and the banner is gone. The banner takes the
// blank line under the policy, so the screen keeps its shape at 80×24.
func TestProgramShowsTheDisputedBannerUntilASupervisorClearsIt(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, agent)
	d := f.Dispute("a1", "maria")
	stamp := d.Time.UTC().Format("2006-01-02 15:04")

	tm := startProgram(t, f, Options{})
	press(tm, "type:ACC-1001")
	waitFor(t, tm, "Harbor Bakery")
	press(tm, "enter")
	waitFor(t, tm, "⚠ DISPUTED "+stamp+" · Maria Lopez says: that wasn't me", "LOCKED")
	press(tm, "D")
	press(tm, "ctrl+c")
	a := finalApp(t, tm)
	screen := ansi.Strip(a.View().Content)
	if a.cur != scrAccount || strings.Contains(screen, "D clears") || strings.Contains(screen, "Ignore previous") {
		t.Fatalf("an agent's screen %v offers to clear, or shows the customer's words:\n%s", a.cur, screen)
	}

	s := uitest.Scenarios(t, supervisor)
	d = s.Dispute("a1", "maria")
	tm = startProgram(t, s, Options{})
	press(tm, "type:ACC-1001")
	waitFor(t, tm, "Harbor Bakery")
	press(tm, "enter")
	waitFor(t, tm, "⚠ DISPUTED", "D clears")
	press(tm, "D")
	waitFor(t, tm, "CLEAR DISPUTE", "Maria Lopez disputed a verify.after_failures notice")
	press(tm, "enter")
	waitFor(t, tm, "A reason is required")
	press(tm, "type:called the customer back on file", "enter")
	waitFor(t, tm, "Clear the dispute on ACC-1001 now?")
	press(tm, "y")
	waitFor(t, tm, "Dispute cleared")
	press(tm, "ctrl+c")
	a = finalApp(t, tm)
	if screen := ansi.Strip(a.View().Content); a.cur != scrAccount || strings.Contains(screen, "DISPUTED") {
		t.Fatalf("after clearing, screen %v:\n%s", a.cur, screen)
	}
	if v := a.c.call.view; v == nil || len(v.Disputes) != 0 || !v.Holders[1].HardLocked {
		t.Fatalf("after clearing, the view %+v: want no open dispute and Maria still hard-locked", v)
	}
}

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
	press(tm, "q") // read after the answer: the final model has handled it
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

package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/pindesk/pindesk/internal/uitest"
	"github.com/pindesk/pindesk/model"
)

// ann is the agent whose desk the tests' alerts slow (a desk of her own: local:ann).
var ann = model.Operator{Name: "ann", Role: model.OpAgent}

func TestASlowedDeskIsToldWhenItMayVerifyAgainAndWhoLiftsIt(t *testing.T) {
	t.Parallel()
	err := &model.DeskSlowedError{Alert: "alt_X", Wait: 23200 * time.Millisecond}
	want := "This desk is slowed after failures across many accounts: next verification in 24 s; a supervisor must clear the alert."
	if got := sentence(err); got != want {
		t.Fatalf("sentence = %q, want %q", got, want)
	}
	if !keepPIN(err) {
		t.Fatal("a slowed verification compared nothing: the PIN typed must be kept to send again")
	}
}

// TestAnAgentSlowedAfterFailuresAcrossAccountsReadsWhenToTryAgain: the agent's own desk, in the
// app, after its tenth wrong PIN across five accounts: the next verification is refused with the
// sentence, and the holder's attempts are untouched.
func TestAnAgentSlowedAfterFailuresAcrossAccountsReadsWhenToTryAgain(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, ann)
	f.RaiseAlert(ann)
	f.Clock().Advance(6 * time.Second)
	h := newHarness(t, f, Options{})
	h.openAccount("ACC-1001")
	h.keys("enter", "type:111111", "enter")
	h.mustSee("This desk is slowed after failures across many accounts: next verification in 24 s; a supervisor must clear the alert.")
	for _, e := range f.Verifies() {
		if e.AccountID == "a1" && e.Outcome == string(model.OutcomeMismatch) {
			t.Fatalf("the slowed verification was compared: %+v", e)
		}
	}
}

func TestTheAlertsPanelOpensOnlyForWhoMayClearAlerts(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, agent)
	h := newHarness(t, f, Options{})
	h.keys("ctrl+g")
	if h.app.cur == scrAlerts || strings.Contains(h.screen(), "ANOMALY ALERTS") {
		t.Fatal("an agent opened the alerts panel")
	}
}

func TestGoldenAlertsPanel(t *testing.T) {
	t.Parallel()
	atEachSize(t, "alerts", func(t *testing.T) *harness {
		f := uitest.Scenarios(t, supervisor)
		f.RaiseAlert(ann)
		return newHarness(t, f, Options{})
	}, func(t *testing.T, h *harness) {
		h.keys("ctrl+g")
		a := h.app.alerts.alerts
		if len(a) != 1 {
			t.Fatalf("panel shows %d alerts", len(a))
		}
		// The id is random: a placeholder of its length keeps the frame's alignment.
		golden.RequireEqual(t, strings.ReplaceAll(h.screen(), a[0].ID, "alt_"+strings.Repeat("X", len(a[0].ID)-4)))
	})
}

// TestProgramSupervisorClearsAnAlert: through a real program, a supervisor opens the panel with
// its key, picks the alert, gives a reason and confirms; the alert is cleared in the core, with
// the reason in the audit trail, and esc returns to where the supervisor was.
func TestProgramSupervisorClearsAnAlert(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, supervisor)
	f.RaiseAlert(ann)
	tm := startProgram(t, f, Options{})
	waitFor(t, tm, "Who is calling? Find their account")
	press(tm, "ctrl+g")
	waitFor(t, tm, "ANOMALY ALERTS", "local:ann (ann)", "10 wrong PINs on 5 accounts")
	press(tm, "c")
	waitFor(t, tm, "Reason:")
	press(tm, "enter")
	waitFor(t, tm, "A reason is required")
	press(tm, "type:token revoked; agent retrained", "enter")
	waitFor(t, tm, "Clear this alert now?")
	press(tm, "y")
	waitFor(t, tm, "cleared; the reason is in the audit", "No open alerts")
	press(tm, "esc")
	waitFor(t, tm, "Who is calling? Find their account")
	press(tm, "ctrl+c")
	if app := finalApp(t, tm); app.cur != scrSearch {
		t.Fatalf("esc left the panel for screen %v, want the search", app.cur)
	}
	open, err := f.OpenAlerts(context.Background())
	if err != nil || len(open) != 0 {
		t.Fatalf("open alerts after the clear: %+v %v", open, err)
	}
	cleared := false
	for _, e := range f.Events() {
		cleared = cleared || e.Action == model.ActionAlertClear && e.Operator == supervisor.Name && strings.HasSuffix(e.Reason, "token revoked; agent retrained")
	}
	if !cleared {
		t.Fatal("no alert_clear event with the supervisor's reason")
	}
}

package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/pindesk/pindesk/internal/uitest"
	"github.com/pindesk/pindesk/model"
)

// TestProgramAVerifiedCallerIsTransferredToAnotherDesk is issue 13's transfer through two real
// programs on one database: Alice types the call's ticket (ctrl+r), which the header shows, and
// verifies Maria; Bob then opens the account on his own app and sees her verified, by whom, when,
// how, under which ticket and until when; picking her asks for no PIN. (The end of a session on
// another desk's screen is e2e/tmux_sessions_e2e.sh's.)
func TestProgramAVerifiedCallerIsTransferredToAnotherDesk(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, agent)
	tm := startProgram(t, f, Options{})
	waitFor(t, tm, "Who is calling? Find their account")
	press(tm, "ctrl+r")
	waitFor(t, tm, "Ticket or call reference")
	press(tm, "type:INC-4711", "enter")
	waitFor(t, tm, "Ticket INC-4711 is kept for this call.")
	press(tm, "type:ACC-1001")
	waitFor(t, tm, "Harbor Bakery")
	press(tm, "enter")
	waitFor(t, tm, "Maria Lopez · holder")
	press(tm, "enter", "type:"+uitest.HealthyPIN, "enter")
	waitFor(t, tm, "VERIFIED")
	press(tm, "ctrl+e")
	waitFor(t, tm, "Call ended.")
	press(tm, "ctrl+c")
	if a := finalApp(t, tm); a.c.call.ticket != "" {
		t.Fatalf("the ticket outlived its call: %q", a.c.call.ticket)
	}
	if v := f.Verifies(); len(v) != 1 || v[0].Ticket != "INC-4711" || v[0].Session == "" {
		t.Fatalf("the verification is audited as %+v, want the ticket and the session it opened", v)
	}

	bob := model.Operator{Name: "bob", Role: model.OpAgent}
	tm = startProgram(t, f.As(bob), Options{})
	press(tm, "type:ACC-1001")
	waitFor(t, tm, "Harbor Bakery")
	press(tm, "enter")
	waitFor(t, tm, "Maria Lopez ✓ verified by ann at "+clockTime(uitest.Epoch, time.UTC)+" via phone, ticket INC-4711, until "+
		clockTime(uitest.Epoch.Add(30*time.Minute), time.UTC), "✓ VERIFIED")
	press(tm, "enter")
	waitFor(t, tm, "no PIN needed")
	press(tm, "ctrl+c")
	a := finalApp(t, tm)
	if a.cur != scrAccount {
		t.Fatalf("picking a verified caller went to screen %v, want the account (no PIN entry)", a.cur)
	}
	screen := ansi.Strip(a.View().Content)
	if strings.Contains(screen, "Enter the PIN") {
		t.Fatalf("a verified caller was asked for the PIN:\n%s", screen)
	}
}

// TestWithTicketsRequiredTheAppAsksForOneBeforeThePIN: when the floor requires a ticket
// (call.ticket_required, read from the policy), picking a caller opens the ticket first, then the
// PIN entry; esc there sends nothing.
func TestWithTicketsRequiredTheAppAsksForOneBeforeThePIN(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, agent)
	h := newHarness(t, f, Options{})
	h.app.c.policy.TicketRequired = true
	h.openAccount("ACC-1001")
	h.keys("enter")
	h.mustSee("Ticket or call reference", "This floor requires one")
	h.keys("esc")
	h.mustSee("needs the call's ticket first")
	if h.app.cur != scrAccount {
		t.Fatalf("esc on the ticket went to %v", h.app.cur)
	}
	h.keys("enter", "type:   ", "enter")
	h.mustSee("This floor needs a ticket or call reference on every call.")
	h.keys("type:bad", "enter")
	h.mustSee("Ticket bad is kept", "call 1 · ticket bad")
	if h.app.cur != scrEntry {
		t.Fatalf("after the ticket the app is on %v, want the PIN entry", h.app.cur)
	}
	h.keys("type:"+uitest.HealthyPIN, "enter")
	h.mustSee("VERIFIED")
	if v := f.Verifies(); len(v) != 1 || v[0].Ticket != "bad" {
		t.Fatalf("verifications %+v", v)
	}
}

package ui

import (
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/pindesk/pindesk/internal/uitest"
	"github.com/pindesk/pindesk/model"
)

var sam = model.Operator{Name: "sam", Role: model.OpSupervisor}

// approvalsOn is the scenarios under pindesk's default dual control, acting as sue.
func approvalsOn(t *testing.T) *uitest.Backend {
	f := uitest.Scenarios(t, supervisor)
	f.EnableApprovals(model.DefaultApprovalPolicy())
	return f
}

// A reset that needs a second supervisor ends its dialog on a panel that says so — request number,
// expiry, another supervisor must approve — and changes nothing; sue cannot approve her own
// request in her app; sam sees it in his, and his approval resets the account, audited with both
// names.
func TestAResetWaitsForASecondSupervisorWhoApprovesItInTheApp(t *testing.T) {
	t.Parallel()
	f := approvalsOn(t)
	h := newHarness(t, f, Options{})
	h.openAccount("ACC-1001")
	h.keys("X", "type:fraud suspected", "enter", "y")
	h.mustSee("NEEDS A SECOND SUPERVISOR · request #1", "This reset was not done. Another supervisor must approve it", "before 14:15",
		"Not done yet: needs a second supervisor. Request #1 expires at 14:15; another supervisor must approve it.")
	h.keys("enter")
	if h.app.cur != scrAccount {
		t.Fatalf("after the panel the screen is %v", h.app.cur)
	}
	h.mustSee("ACTIVE")
	h.keys("ctrl+a")
	h.mustSee("APPROVALS", "#1  reset of ACC-1001  asked by sue", "(yours)", "Reason: fraud suspected")
	h.keys("a")
	h.mustSee("Request #1 is yours: another supervisor must approve or refuse it.")
	h.keys("esc")
	if h.app.cur != scrAccount {
		t.Fatalf("esc from the approvals left the screen at %v", h.app.cur)
	}

	h2 := newHarness(t, f.As(sam), Options{})
	h2.keys("ctrl+a")
	h2.mustSee("#1  reset of ACC-1001  asked by sue  expires 14:15 (in 15 min)")
	h2.mustNotSee("(yours)")
	h2.keys("a")
	h2.mustSee("Reset account ACC-1001, revoking every PIN now, as sue asked?")
	h2.keys("n")
	h2.mustSee("Not approved; nothing was changed.")
	h2.keys("a", "y")
	h2.mustSee("Approved request #1: reset of ACC-1001, asked by sue, is done.", "No request is waiting for approval.")
	var reset *model.AuditEvent
	for _, e := range f.Events() {
		if e.Action == model.ActionReset {
			reset = &e
		}
	}
	if reset == nil || reset.Operator != "sue" || reset.Approver != "sam" || reset.Request != 1 {
		t.Fatalf("the reset audited as %+v", reset)
	}
}

// The call's ticket goes with a reset that waits for approval: the second supervisor sees it on the
// request, and the reset, done when approved, is audited with it (the asking call's, not the
// approver's).
func TestTheCallsTicketGoesWithAResetThatWaitsForApproval(t *testing.T) {
	t.Parallel()
	f := approvalsOn(t)
	h := newHarness(t, f, Options{})
	h.keys("ctrl+r", "type:INC-4711", "enter")
	h.mustSee("Ticket INC-4711 is kept for this call.")
	h.openAccount("ACC-1001")
	h.keys("X", "type:fraud suspected", "enter", "y")
	h.mustSee("NEEDS A SECOND SUPERVISOR · request #1")

	h2 := newHarness(t, f.As(sam), Options{})
	h2.keys("ctrl+a")
	h2.mustSee("Reason: fraud suspected · ticket INC-4711")
	h2.keys("a", "y")
	h2.mustSee("Approved request #1: reset of ACC-1001, asked by sue, is done.")
	var reset *model.AuditEvent
	for _, e := range f.Events() {
		if e.Action == model.ActionReset {
			reset = &e
		}
	}
	if reset == nil || reset.Approver != "sam" || reset.Ticket != "INC-4711" {
		t.Fatalf("the approved reset audited as %+v, want it with sue's call's ticket", reset)
	}
}

// A first unlock is done at once; the repeat unlock within 24 hours waits; the second supervisor
// refuses it with a reason, through a real program; nothing is unlocked.
func TestProgramRepeatUnlockWaitsAndASecondSupervisorRefusesIt(t *testing.T) {
	t.Parallel()
	f := approvalsOn(t)
	f.UnlockElsewhere("a4", "tom") // the first unlock today, done at once
	f.Lock("a4", "tom", uitest.Epoch)

	tm := startProgram(t, f, Options{})
	waitFor(t, tm, "Who is calling?")
	press(tm, "type:ACC-1004")
	waitFor(t, tm, "Quill Legal")
	press(tm, "enter")
	waitFor(t, tm, "Tom Quill · holder", "LOCKED")
	press(tm, "enter", "type:"+uitest.LockedPIN, "enter")
	waitFor(t, tm, "unlock (u)")
	press(tm, "u", "type:caller called back", "enter", "y")
	waitFor(t, tm, "NEEDS A SECOND SUPERVISOR · request #1")
	press(tm, "ctrl+c")
	finalApp(t, tm)

	tm2 := startProgram(t, f.As(sam), Options{})
	waitFor(t, tm2, "Who is calling?")
	press(tm2, "ctrl+a")
	waitFor(t, tm2, "#1  unlock of ACC-1004/tom  asked by sue", "unlocked once already in the last 24")
	press(tm2, "x", "enter")
	waitFor(t, tm2, "A reason is required")
	press(tm2, "type:no call-back on file", "enter")
	waitFor(t, tm2, "Refused request #1: unlock of ACC-1004/tom, asked by sue. Nothing was changed.")
	press(tm2, "ctrl+c")
	finalApp(t, tm2)

	refused := false
	for _, e := range f.Events() {
		if e.Action == model.ActionApprovalRefuse && e.Operator == "sue" && e.Approver == "sam" && e.Request == 1 {
			refused = true
		}
		if e.Action == model.ActionUnlock && e.Request != 0 {
			t.Fatalf("unlocked: %+v", e)
		}
	}
	if !refused {
		t.Fatal("the refusal is not in the audit trail")
	}
}

// An approval whose request expired meanwhile says so plainly and changes nothing.
func TestAnExpiredRequestCannotBeApprovedInTheApp(t *testing.T) {
	t.Parallel()
	f := approvalsOn(t)
	h := newHarness(t, f, Options{})
	h.openAccount("ACC-1001")
	h.keys("X", "type:fraud suspected", "enter", "y")
	h2 := newHarness(t, f.As(sam), Options{})
	h2.keys("ctrl+a")
	h2.mustSee("#1  reset of ACC-1001")
	f.Clock().Advance(15 * time.Minute)
	h2.keys("a", "y")
	h2.mustSee("Request #1 expired at 14:15 UTC.", "No request is waiting for approval.")
}

// The approvals screen and the dialog's panel, as golden screens at each size.
func TestGoldenApprovals(t *testing.T) {
	t.Parallel()
	newH := func(t *testing.T) *harness {
		f := approvalsOn(t)
		h := newHarness(t, f, Options{})
		h.openAccount("ACC-1001")
		h.keys("X", "type:fraud suspected", "enter", "y")
		return h
	}
	atEachSize(t, "reset_needs_approval", newH, func(t *testing.T, h *harness) {
		golden.RequireEqual(t, []byte(h.screen()))
	})
	atEachSize(t, "approvals_list", newH, func(t *testing.T, h *harness) {
		h.keys("enter", "ctrl+a")
		golden.RequireEqual(t, []byte(h.screen()))
	})
}

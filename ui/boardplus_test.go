package ui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/internal/uitest"
	"github.com/pindesk/pindesk/model"
)

// The lock board's desk alerts and requests waiting for a second supervisor (boardplus.go).

// askRepeatUnlock has op ask to unlock Tom Quill (ACC-1004) a second time today: the first unlock
// (by sue, UnlockElsewhere) was done at once, so this one waits for a second supervisor.
func askRepeatUnlock(t *testing.T, f *uitest.Backend, op model.Operator, reason string) model.Approval {
	t.Helper()
	err := f.As(op).Unlock(context.Background(), model.UnlockRequest{AccountID: "a4", Holder: "tom", Reason: reason, Channel: model.ChannelPhone})
	var ar *model.ApprovalRequiredError
	if !errors.As(err, &ar) {
		t.Fatalf("%s's repeat unlock of tom: %v, want it to wait for approval", op.Name, err)
	}
	return ar.Request
}

// urgentFloor is the board with all four sections, seen by sue: ann's desk slowed by an alert, a
// repeat unlock of Tom asked by sam, a reset of ACC-1001 asked by sue herself, the locks of Maria
// and Tom, and Rosa (and the alert's accounts) failing.
func urgentFloor(t *testing.T) *uitest.Backend {
	f := approvalsOn(t)
	f.UnlockElsewhere("a4", "tom")
	f.Lock("a4", "tom", uitest.Epoch)
	f.LockElsewhere("desk-7", "a1", "maria", 6)
	askRepeatUnlock(t, f, sam, "caller called back from the number on file")
	if _, err := f.ResetAccount(context.Background(), model.ResetRequest{AccountID: "a1", Reason: "fraud suspected", Channel: model.ChannelPhone}); !errors.As(err, new(*model.ApprovalRequiredError)) {
		t.Fatalf("sue's reset: %v, want it to wait for approval", err)
	}
	f.RaiseAlert(ann)
	return f
}

// stableAlertIDs replaces the random alert ids on screen by a stand-in of the same length.
func stableAlertIDs(t *testing.T, h *harness, screen string) string {
	t.Helper()
	for _, a := range h.app.board.alerts {
		screen = strings.ReplaceAll(screen, a.ID, "alt_"+strings.Repeat("X", len(a.ID)-4))
	}
	return screen
}

func TestGoldenBoardWithAlertsAndRequests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		keys []string
	}{
		{"board_four_sections", []string{"ctrl+o"}},
		{"board_request_selected", []string{"ctrl+o", "down"}},
		{"board_request_approve_confirm", []string{"ctrl+o", "down", "enter", "a"}},
		{"board_alert_clear_reason", []string{"ctrl+o", "enter", "type:token revoked"}},
	}
	for _, tt := range tests {
		atEachSize(t, tt.name, func(t *testing.T) *harness {
			return newHarness(t, urgentFloor(t), Options{})
		}, func(t *testing.T, h *harness) {
			h.keys(tt.keys...)
			golden.RequireEqual(t, stableAlertIDs(t, h, h.screen()))
		})
	}
}

func TestBoardListsAlertsThenRequestsAboveTheLocks(t *testing.T) {
	t.Parallel()
	h := newHarness(t, urgentFloor(t), Options{})
	h.keys("ctrl+o")
	s := h.screen()
	at := func(x string) int {
		i := strings.Index(s, x)
		if i < 0 {
			t.Fatalf("the board lacks %q:\n%s", x, s)
		}
		return i
	}
	if !(at("DESK ALERTS (1)") < at("WAITING FOR A SECOND SUPERVISOR (2)") && at("WAITING FOR A SECOND SUPERVISOR (2)") < at("LOCKED NOW (2)") &&
		at("LOCKED NOW (2)") < at("FAILING, NOT LOCKED")) {
		t.Fatalf("sections out of order:\n%s", s)
	}
	h.mustSee("▲ SLOWED since 14:00:00  local:ann (ann) · 10 wrong PINs on 5 accounts",
		"◇ UNLOCK  ACC-1004 · Tom Quill · asked by sam · expires 14:15",
		"◇ RESET  ACC-1001 · yours — another supervisor must decide")
	h.keys("down")
	h.mustSee("Reason: caller called back from the number on file", "Asked by sam (supervisor) at 14:00; unlocked once already in the last 24 hours.",
		"Expires 14:15 (in 15 min).")
}

// sam's request shows on sue's board; sue approves it there; Tom is unlocked, audited with both
// names; the row is gone at once and the lock with the next read.
func TestASecondSupervisorApprovesARequestFromTheBoard(t *testing.T) {
	t.Parallel()
	f := urgentFloor(t)
	h := newHarness(t, f, Options{})
	h.keys("ctrl+o", "type:quill")
	h.mustSee("◇ UNLOCK  ACC-1004 · Tom Quill · asked by sam", "⊘ LOCKED")
	h.keys("enter")
	h.mustSee("a approves (the action is done at once), x refuses with a reason.")
	if strings.Contains(h.app.board.filter.Value(), "a") {
		t.Fatal("the decision's keys went to the filter")
	}
	h.keys("a")
	h.mustSee("Unlock tom on ACC-1004 now, as sam asked?")
	if h.app.board.filter.Value() != "quill" {
		t.Fatalf("filter %q after a: the decision's keys reached it", h.app.board.filter.Value())
	}
	h.keys("y")
	h.mustSee("Approved request #1: unlock of ACC-1004/tom, asked by sam, is done.")
	h.mustNotSee("◇ UNLOCK", "⊘ LOCKED")
	if h.app.cur != scrBoard {
		t.Fatalf("after the approval: screen %v, want the board", h.app.cur)
	}
	v, err := f.Account(context.Background(), "a4")
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := v.Holder("tom"); st.Locked() {
		t.Fatalf("Tom after the approval on the board: %+v", st)
	}
	var unlock *model.AuditEvent
	for _, e := range f.Events() {
		if e.Action == model.ActionUnlock && e.Request == 1 {
			unlock = &e
		}
	}
	if unlock == nil || unlock.Operator != "sam" || unlock.Approver != "sue" {
		t.Fatalf("the approved unlock audited as %+v", unlock)
	}
}

func TestTheBoardRefusesARequestWithAReason(t *testing.T) {
	t.Parallel()
	f := urgentFloor(t)
	h := newHarness(t, f, Options{})
	h.keys("ctrl+o", "type:quill", "enter", "x", "enter")
	h.mustSee("A reason is required")
	h.keys("type:no call-back on file", "enter")
	h.mustSee("Refused request #1: unlock of ACC-1004/tom, asked by sam. Nothing was changed.", "⊘ LOCKED")
	h.mustNotSee("◇ UNLOCK")
}

// Cancelling at each step leaves nothing decided and gives the letters back to the filter.
func TestLeavingADecisionOnTheBoardDecidesNothing(t *testing.T) {
	t.Parallel()
	f := urgentFloor(t)
	h := newHarness(t, f, Options{})
	h.keys("ctrl+o", "type:quill", "enter", "esc")
	h.mustSee("Nothing was decided.")
	h.keys("enter", "a", "n")
	h.mustSee("Not approved; nothing was changed.")
	h.keys("enter", "x", "type:no", "esc")
	h.mustSee("Not refused; nothing was changed.")
	h.keys("type:xyz")
	if got := h.app.board.filter.Value(); got != "quillxyz" {
		t.Fatalf("filter %q, want letters to filter again once nothing is being decided", got)
	}
	if list, _ := f.ListApprovals(context.Background()); len(list) != 2 {
		t.Fatalf("%d requests pending, want both still", len(list))
	}
}

// sue's own request is on her board, marked as hers; enter does not open a decision on it.
func TestTheBoardShowsYourOwnRequestButWillNotDecideIt(t *testing.T) {
	t.Parallel()
	f := urgentFloor(t)
	h := newHarness(t, f, Options{})
	h.keys("ctrl+o", "type:harbor")
	h.mustSee("◇ RESET  ACC-1001 · yours — another supervisor must decide", "Yours: another supervisor must approve or refuse it.")
	h.keys("enter")
	h.mustSee("Request #2 is yours: another supervisor must approve or refuse it.")
	if h.app.board.acting() {
		t.Fatal("enter on one's own request opened a decision")
	}
	h.keys("a") // a letter: the filter's
	if got := h.app.board.filter.Value(); got != "harbora" {
		t.Fatalf("filter %q", got)
	}
	if list, _ := f.ListApprovals(context.Background()); len(list) != 2 {
		t.Fatalf("%d requests pending, want both still", len(list))
	}
}

// ann's desk alert is cleared from the board with a reason and a yes; the desk verifies at full
// pace again.
func TestASupervisorClearsADeskAlertFromTheBoard(t *testing.T) {
	t.Parallel()
	f := urgentFloor(t)
	h := newHarness(t, f, Options{})
	h.keys("ctrl+o", "type:ann")
	h.mustSee("DESK ALERTS (1)", "local:ann (ann)")
	h.keys("enter")
	h.mustSee("Clear it only once you know why the desk failed", "Reason:")
	h.keys("enter")
	h.mustSee("A reason is required")
	h.keys("type:token revoked; agent retrained", "enter")
	h.mustSee("Clear this alert now?")
	if h.app.board.filter.Value() != "ann" {
		t.Fatalf("filter %q: the reason's keys reached it", h.app.board.filter.Value())
	}
	h.keys("y")
	h.mustSee("cleared; the reason is in the audit trail")
	h.mustNotSee("DESK ALERTS", "local:ann (ann)")
	if open, err := f.OpenAlerts(context.Background()); err != nil || len(open) != 0 {
		t.Fatalf("open alerts after the clear on the board: %+v %v", open, err)
	}
	cleared := false
	for _, e := range f.Events() {
		cleared = cleared || e.Action == model.ActionAlertClear && e.Operator == "sue" && strings.HasSuffix(e.Reason, "token revoked; agent retrained")
	}
	if !cleared {
		t.Fatal("no alert_clear event with sue's reason")
	}
}

func TestTheFilterAppliesToAlertsAndRequests(t *testing.T) {
	t.Parallel()
	h := newHarness(t, urgentFloor(t), Options{})
	h.keys("ctrl+o", "type:sam")
	h.mustSee("asked by sam", "DESK ALERTS (1)", "Nothing here matches the filter.")
	h.mustNotSee("local:ann (ann)", "yours —", "Maria Lopez")
	h.keys("esc", "type:INC") // nothing has that ticket
	h.mustNotSee("asked by sam", "local:ann")
}

// A request asked while the board is open shows at its next read (a second later), as a lock does;
// the alerts and requests are read with the board, once a read.
func TestARequestAskedElsewhereShowsAtTheBoardsNextRead(t *testing.T) {
	t.Parallel()
	f := approvalsOn(t)
	f.UnlockElsewhere("a4", "tom")
	f.Lock("a4", "tom", uitest.Epoch)
	var mu sync.Mutex
	reads := map[string]int{}
	f.Hook = func(_ context.Context, op, _ string) error {
		mu.Lock()
		reads[op]++
		mu.Unlock()
		return nil
	}
	h := newHarness(t, f, Options{})
	h.keys("ctrl+o")
	h.mustNotSee("WAITING FOR A SECOND SUPERVISOR", "DESK ALERTS") // none: left out
	askRepeatUnlock(t, f, sam, "caller called back")
	polls := h.pendingBoardPolls()
	if len(polls) != 1 {
		t.Fatalf("%d board timers, want 1", len(polls))
	}
	h.send(polls[0])
	h.mustSee("WAITING FOR A SECOND SUPERVISOR (1)", "asked by sam")
	mu.Lock()
	defer mu.Unlock()
	if reads["board"] != 2 || reads["alerts"] != 2 || reads["approvals"] != 2 {
		t.Fatalf("reads %v, want the board, the alerts and the requests twice each", reads)
	}
}

// lockBoardOnly is a backend with a lock board but neither alerts nor dual control.
type lockBoardOnly struct {
	client.Backend
	client.LockBoard
}

func TestABackendWithoutAlertsOrApprovalsHasNoSuchSection(t *testing.T) {
	t.Parallel()
	f := urgentFloor(t)
	h := newHarness(t, lockBoardOnly{f, f}, Options{})
	h.keys("ctrl+o")
	h.mustSee("LOCKED NOW (2)")
	h.mustNotSee("DESK ALERTS", "WAITING FOR A SECOND SUPERVISOR")
}

// A trainer may see and act on both; the board reads neither for a role that may not: no role has
// the board without them today, so the rule is held by boardWant on a made-up role.
func TestTheBoardReadsAlertsAndRequestsOnlyForRolesThatMay(t *testing.T) {
	t.Parallel()
	h := newHarness(t, urgentFloor(t), Options{})
	if w := h.app.boardWant(); !w.alerts || !w.approvals {
		t.Fatalf("a supervisor's board wants %+v", w)
	}
	h.app.c.op.Role = model.OpAgent
	if w := h.app.boardWant(); w.alerts || w.approvals {
		t.Fatalf("an agent's board would read %+v", w)
	}
	f := urgentFloor(t)
	var mu sync.Mutex
	reads := map[string]int{}
	f.Hook = func(_ context.Context, op, _ string) error {
		mu.Lock()
		reads[op]++
		mu.Unlock()
		return nil
	}
	x := (&backendCmds{ctx: context.Background(), b: f, timeout: time.Second}).boardExtras(context.Background(), boardWant{})
	if x.on.alerts || x.on.approvals || reads["alerts"]+reads["approvals"] != 0 {
		t.Fatalf("read %v with nothing wanted", reads)
	}
}

// A request decided by someone else while sue is deciding it stays on her board until she ends
// the decision, which then says plainly that it is closed.
func TestARequestDecidedElsewhereMeanwhileEndsWithTheCoresAnswer(t *testing.T) {
	t.Parallel()
	f := urgentFloor(t)
	h := newHarness(t, f, Options{})
	h.keys("ctrl+o", "type:quill", "enter", "a")
	tina := model.Operator{Name: "tina", Role: model.OpTrainer}
	if _, err := f.As(tina).Approve(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	for _, p := range h.pendingBoardPolls() {
		h.send(p)
	}
	h.mustSee("Unlock tom on ACC-1004 now, as sam asked?")
	h.keys("y")
	h.mustNotSee("◇ UNLOCK")
	if !strings.Contains(h.app.status, "#1") {
		t.Fatalf("status %q, want it to say request #1 is closed", h.app.status)
	}
}

// Through real programs, two supervisors on one floor: sue asks a repeat unlock of Tom from her
// board; it shows on sam's board (open already, no key pressed) within its next reads; sue cannot
// decide her own from her board; sam approves it from his and Tom is unlocked; then ann's desk is
// slowed by an alert, which shows on sam's board and which he clears there.
func TestProgramTwoSupervisorsDecideAndClearFromTheBoard(t *testing.T) {
	t.Parallel()
	f := approvalsOn(t) // sue's
	f.UnlockElsewhere("a4", "tom")
	f.Lock("a4", "tom", uitest.Epoch)

	b := startProgram(t, f.As(sam), Options{})
	waitFor(t, b, "Who is calling? Find their account")
	press(b, "ctrl+o")
	waitFor(t, b, "LOCK BOARD", "Quill Legal · Tom Quill")

	a := startProgram(t, f, Options{})
	waitFor(t, a, "Who is calling? Find their account")
	press(a, "ctrl+o")
	waitFor(t, a, "LOCK BOARD", "Quill Legal · Tom Quill")
	press(a, "type:quill", "enter")
	waitFor(t, a, "UNLOCK Tom Quill")
	press(a, "type:caller called back", "enter", "y")
	waitFor(t, a, "NEEDS A SECOND SUPERVISOR · request #1", "Press any key to go back to the board.")
	press(a, "enter")
	waitFor(t, a, "◇ UNLOCK  ACC-1004 · Tom Quill · yours — another supervisor must decide")
	press(a, "up", "enter") // from Tom's lock, still selected, to the request above it
	waitFor(t, a, "Request #1 is yours: another supervisor must approve or refuse it.")

	waitFor(t, b, "WAITING FOR A SECOND SUPERVISOR (1)", "◇ UNLOCK  ACC-1004 · Tom Quill · asked by sue")
	// The selection stays where sam left it (Tom's lock) when a row comes above it: up to the request.
	press(b, "type:quill", "up", "enter", "a")
	waitFor(t, b, "Unlock tom on ACC-1004 now, as sue asked?")
	press(b, "y")
	waitFor(t, b, "Approved request #1: unlock of ACC-1004/tom, asked by sue, is done.")
	press(b, "esc") // the filter

	f.RaiseAlert(ann)
	waitFor(t, b, "DESK ALERTS (1)", "local:ann (ann) · 10 wrong PINs on 5 accounts")
	press(b, "type:ann", "enter")
	waitFor(t, b, "Reason:")
	press(b, "type:token revoked; agent retrained", "enter")
	waitFor(t, b, "Clear this alert now?")
	press(b, "y")
	waitFor(t, b, "cleared; the reason is in the audit")
	press(b, "ctrl+c", "y")
	press(a, "ctrl+c")
	finalApp(t, a)
	if app := finalApp(t, b); app.cur != scrBoard || len(app.board.alerts) != 0 || len(app.board.approvals) != 0 {
		t.Fatalf("sam's app ends on screen %v with alerts %v and requests %v", app.cur, app.board.alerts, app.board.approvals)
	}

	v, err := f.Account(context.Background(), "a4")
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := v.Holder("tom"); st.Locked() {
		t.Fatalf("Tom after sam's approval on the board: %+v", st)
	}
	var unlocked, cleared bool
	for _, e := range f.Events() {
		unlocked = unlocked || e.Action == model.ActionUnlock && e.Request == 1 && e.Operator == "sue" && e.Approver == "sam"
		cleared = cleared || e.Action == model.ActionAlertClear && e.Operator == "sam"
	}
	if !unlocked || !cleared {
		t.Fatalf("audit: unlock approved by sam %v, alert cleared by sam %v", unlocked, cleared)
	}
	if open, _ := f.OpenAlerts(context.Background()); len(open) != 0 {
		t.Fatalf("open alerts: %+v", open)
	}
}

// An unlock from the board that waits for approval says where a key goes back to (the board, not
// the account) and that the request can be decided on the board.
func TestThePendingPanelOverTheBoardSaysItGoesBackToTheBoard(t *testing.T) {
	t.Parallel()
	f := approvalsOn(t)
	f.UnlockElsewhere("a4", "tom")
	f.Lock("a4", "tom", uitest.Epoch)
	h := newHarness(t, f, Options{})
	h.keys("ctrl+o", "type:quill", "enter", "type:caller called back", "enter", "y")
	h.mustSee("NEEDS A SECOND SUPERVISOR · request #1", "on the lock board, ctrl+o", "Press any key to go back to the board.")
	h.keys("enter")
	if h.app.cur != scrBoard {
		t.Fatalf("after the panel: screen %v, want the board", h.app.cur)
	}
}

package ui

import (
	"testing"

	"github.com/pindesk/pindesk/model"
)

// The call's ticket beside the lock board and the approvals (issue 13 with the board and dual
// control): the board's unlock asks for the ticket first when the floor requires one, as the
// account's does, and a ticket typed over the board or the approvals returns to them without
// becoming the screen their esc goes back to.

func TestWithTicketsRequiredTheBoardsUnlockAsksForTheTicketFirst(t *testing.T) {
	t.Parallel()
	f := boardFloor(t, supervisor)
	h := newHarness(t, f, Options{})
	h.app.c.policy.TicketRequired = true
	h.keys("ctrl+o", "type:harbor", "enter")
	if h.app.cur != scrTicket {
		t.Fatalf("enter on Maria's row with tickets required shows %v, want the ticket first", h.app.cur)
	}
	h.keys("type:INC-9", "enter")
	if h.app.cur != scrDialog {
		t.Fatalf("after the ticket: screen %v, want the unlock dialog", h.app.cur)
	}
	h.mustSee("UNLOCK Maria Lopez · ACC-1001 · Harbor Bakery")
	h.keys("type:called back on the number on file", "enter", "y")
	if h.app.cur != scrBoard {
		t.Fatalf("after the unlock: screen %v, want the board", h.app.cur)
	}
	h.mustSee("Unlocked Maria Lopez")
	ev := f.Events()
	if last := ev[len(ev)-1]; last.Holder != "maria" || last.Ticket != "INC-9" {
		t.Fatalf("the board's unlock audited as %+v, want it with the call's ticket", last)
	}
}

func TestATicketTypedOverTheBoardOrTheApprovalsReturnsToThem(t *testing.T) {
	t.Parallel()
	f := boardFloor(t, supervisor)
	f.EnableApprovals(model.DefaultApprovalPolicy())
	h := newHarness(t, f, Options{})
	h.keys("ctrl+o", "ctrl+r", "type:INC-7", "enter")
	if h.app.cur != scrBoard {
		t.Fatalf("after a ticket typed over the board: screen %v, want the board", h.app.cur)
	}
	h.mustSee("call 1 · ticket INC-7")
	h.keys("esc")
	if h.app.cur != scrSearch {
		t.Fatalf("esc on the board after a ticket shows %v, want the search it was opened from", h.app.cur)
	}
	h.keys("ctrl+a", "ctrl+r", "type:INC-8", "enter")
	if h.app.cur != scrApprovals {
		t.Fatalf("after a ticket typed over the approvals: screen %v, want them", h.app.cur)
	}
	h.keys("esc")
	if h.app.cur != scrSearch {
		t.Fatalf("esc on the approvals after a ticket shows %v, want the search they were opened from", h.app.cur)
	}
}

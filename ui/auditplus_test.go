package ui

import (
	"regexp"
	"strings"
	"testing"

	"github.com/pindesk/pindesk/internal/uitest"
	"github.com/pindesk/pindesk/model"
)

// A verification session's id is random (crypto/rand): a golden screen has a stand-in of the
// same width.
var sessionID = regexp.MustCompile(`vs_[A-Z2-7]+`)

func maskSessionIDs(screen string) string {
	return sessionID.ReplaceAllStringFunc(screen, func(id string) string { return "vs_" + strings.Repeat("X", len(id)-3) })
}

// An unlock approved by a second supervisor shows both names in the audit view: the requester
// as the operator, and "approved by" the approver, with the request's number.
func TestTheAuditViewShowsWhoApprovedAnUnlockAndTheRequest(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, supervisor)
	f.EnableApprovals(model.ApprovalPolicy{Unlock: true, TTL: model.DefaultApprovalTTL})
	h := newHarness(t, f, Options{})
	h.openAccount("ACC-1004")
	h.keys("u", "type:called back on file number", "enter", "y")
	h.mustSee("NEEDS A SECOND SUPERVISOR · request #1")
	if _, err := f.As(sam).Approve(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	h.keys("enter", "a")
	h.mustSee("unlock   ok", "sue (supervisor) · approved by sam · request #1")
}

func TestAuditCallPartsAreTerminalSafeAndTheSessionShort(t *testing.T) {
	t.Parallel()
	got := strings.Join(auditCallParts(model.AuditEvent{Action: model.ActionApprovalRefuse, Approver: "bea\x1b[32m", Request: 12,
		Ticket: "T-1\u202e", Session: "vs_ABCDEFGHIJKLMNOPQRSTUVWXYZ"}), " · ")
	if want := `refused by bea\x1b[32m · request #12 · ticket T-1\u202e · session vs_ABCDEF…`; got != want {
		t.Fatalf("parts %q, want %q", got, want)
	}
}

package cli

import (
	"errors"
	"strings"
	"testing"

	"github.com/pindesk/pindesk/model"
)

// The hint of an unlock or reset that waits for approval names the app's keys as the app has
// them: the lock board (ctrl+o) and the approvals (ctrl+a); there is no key A.
func TestThePendingApprovalHintNamesTheAppsKeys(t *testing.T) {
	t.Parallel()
	err := pendingHint(&model.ApprovalRequiredError{Request: model.Approval{ID: 7, Action: model.ApprovalUnlock}})
	msg := err.Error()
	if !strings.Contains(msg, "lock board, ctrl+o") || !strings.Contains(msg, "approvals, ctrl+a") || strings.Contains(msg, "key A") {
		t.Fatalf("hint %q, want the lock board (ctrl+o) and the approvals (ctrl+a)", msg)
	}
	if !strings.Contains(msg, "pindesk admin approvals approve 7") {
		t.Fatalf("hint %q lost the command line's way", msg)
	}
	var ar *model.ApprovalRequiredError
	if !errors.As(err, &ar) {
		t.Fatal("the hint no longer wraps the approval error")
	}
}

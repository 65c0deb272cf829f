package cli

import (
	"fmt"
	"strings"

	"github.com/pindesk/pindesk/model"
)

// withApproval adds to the table's REASON column who approved (or refused) the event's
// dual-control request and the request's number, so both people of a four-eyes action show on
// its line. The table escapes the whole column (clean), the approver's name with it.
func withApproval(reason string, e model.AuditEvent) string {
	var parts []string
	if reason != "" {
		parts = append(parts, reason)
	}
	if e.Approver != "" {
		verb := "approved by "
		switch e.Action {
		case model.ActionApprovalRefuse:
			verb = "refused by "
		case model.ActionApprovalVoid:
			verb = "closed by " // the approver found the lock gone: nothing was done
		}
		parts = append(parts, verb+e.Approver)
	}
	if e.Request != 0 {
		parts = append(parts, fmt.Sprintf("request #%d", e.Request))
	}
	return strings.Join(parts, "; ")
}

package ui

import (
	"fmt"

	"github.com/pindesk/pindesk/model"
)

// auditCallParts is what an audit event says of its dual-control request and its call, for the
// audit view's line: who approved (or refused) and the request's number, the ticket, and the
// verification session, shortened (its full id is in `pindesk admin audit`). Stored text, so each
// part is made terminal-safe here (safeEvents leaves these fields as they came).
func auditCallParts(e model.AuditEvent) []string {
	var parts []string
	if e.Approver != "" {
		verb := "approved by "
		switch e.Action {
		case model.ActionApprovalRefuse:
			verb = "refused by "
		case model.ActionApprovalVoid:
			verb = "closed by " // the approver found the lock gone: nothing was done
		}
		parts = append(parts, verb+safe(e.Approver))
	}
	if e.Request != 0 {
		parts = append(parts, fmt.Sprintf("request #%d", e.Request))
	}
	if e.Ticket != "" {
		parts = append(parts, "ticket "+safe(e.Ticket))
	}
	if e.Session != "" {
		parts = append(parts, "session "+shortSession(safe(e.Session)))
	}
	return parts
}

// shortSession is a session id cut to what tells sessions apart on one account's screen:
// "vs_" and six characters.
func shortSession(id string) string {
	const keep = 9
	if r := []rune(id); len(r) > keep+1 {
		return string(r[:keep]) + "…"
	}
	return id
}

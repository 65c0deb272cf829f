package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/pindesk/pindesk/model"
)

// Verification that follows the call (issue 13) at the command line: the ticket of an unlock or a
// reset (which the floor may require, call.ticket_required), and the ticket and session an audit
// event was recorded with.

// ticketFlag gives an unlock or reset its --ticket.
func ticketFlag(cmd *cobra.Command, ticket *string) {
	cmd.Flags().StringVar(ticket, "ticket", "", "the call's ticket or call reference (required when call.ticket_required is set)")
}

// withCall adds the event's ticket and session to what the table's REASON column says, so a call
// can be followed through the trail.
func withCall(reason string, e model.AuditEvent) string {
	var parts []string
	if reason != "" {
		parts = append(parts, reason)
	}
	if e.Ticket != "" {
		parts = append(parts, "ticket "+e.Ticket)
	}
	if e.Session != "" {
		parts = append(parts, "session "+e.Session)
	}
	return strings.Join(parts, "; ")
}

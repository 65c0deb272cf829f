package model

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Verification that follows the call (issue 13).
//
// A call may carry a ticket (a call or case reference the agent types once). It is recorded on
// every attempt, unlock and reset of that call (AuditEvent.Ticket), and the audit can be searched
// by it. The floor can require one (Policy.TicketRequired): then a verification, unlock or reset
// without one is refused with ErrTicketRequired before anything is compared or changed.
//
// A successful verification opens a verification session for the caller (VerifySession), stored
// in the database so every desk on every server sees it: an agent who opens the account while it
// lasts (after a transfer, say) may go on without asking for the PIN again, and what is done on
// the account meanwhile is recorded under the session's id (AuditEvent.Session). An unlock, a
// reset, a PIN change or a dispute ends every live session of the account in its own transaction,
// each ending audited (ActionSessionEnd, with why).

// ActionSessionEnd is the audit action of a verification session ended before its time: Session
// names it, Reason says why ("ended by unlock").
const ActionSessionEnd Action = "session_end"

// MaxTicketLength is the longest ticket, in characters.
const MaxTicketLength = 64

// ErrTicketRequired: the floor requires a ticket on every verification, unlock and reset of a
// call (call.ticket_required), and none was given. Nothing was compared or changed.
var ErrTicketRequired = errors.New("a ticket or call reference is required for this call")

// CheckTicket returns the ticket trimmed, or ErrInvalidInput naming what is wrong (never echoing
// the value): at most MaxTicketLength printable characters, no control characters. An empty
// ticket is valid (whether one is required is the core's to say).
func CheckTicket(t string) (string, error) {
	t = strings.TrimSpace(t)
	if !utf8.ValidString(t) {
		return "", fmt.Errorf("%w: a ticket is not valid UTF-8", ErrInvalidInput)
	}
	if n := utf8.RuneCountInString(t); n > MaxTicketLength {
		return "", fmt.Errorf("%w: a ticket has at most %d characters, not %d", ErrInvalidInput, MaxTicketLength, n)
	}
	if err := CheckText("a ticket", t); err != nil {
		return "", err
	}
	for i, r := range t {
		if !unicode.IsPrint(r) {
			return "", fmt.Errorf("%w: a ticket has the unprintable character U+%04X at character %d", ErrInvalidInput, r, utf8.RuneCountInString(t[:i])+1)
		}
	}
	return t, nil
}

// VerifySession is a caller's successful verification, good until ExpiresAt unless an unlock, a
// reset, a PIN change or a dispute on the account ends it first.
type VerifySession struct {
	ID        string `json:"id"`
	AccountID string `json:"account_id"`
	// Contact is the caller verified; Holder is whose PIN they gave (the contact's own, or
	// "account" for the account-wide PIN).
	Contact   string    `json:"contact"`
	Holder    string    `json:"holder"`
	Operator  string    `json:"operator"` // the desk that verified
	Channel   Channel   `json:"channel"`
	Ticket    string    `json:"ticket,omitempty"`
	StartedAt time.Time `json:"started_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Live reports whether the session still stands at now (ended sessions are never returned).
func (s VerifySession) Live(now time.Time) bool { return now.Before(s.ExpiresAt) }

// SessionFor is the live session of sessions (newest first) that an action on the contact's
// behalf is done under: the contact's own newest one, else the account's newest. ok is false when
// there is none.
func SessionFor(sessions []VerifySession, contact string) (VerifySession, bool) {
	for _, s := range sessions {
		if s.Contact == contact {
			return s, true
		}
	}
	if len(sessions) > 0 {
		return sessions[0], true
	}
	return VerifySession{}, false
}

// OnCall reports whether the role acts on a customer's call (agent, supervisor, trainer): its
// actions are recorded under the caller's verification session and need the call's ticket when
// the floor requires one. The portal is the customer's own self-service, never a call.
func (r OperatorRole) OnCall() bool { return r == OpAgent || r == OpSupervisor || r == OpTrainer }

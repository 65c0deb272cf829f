package model

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"
)

// A code emailed to the contact on file (issue 11): for a caller with no PIN at hand, the agent
// has pindesk email a one-time code (KindEmailed) to the calling contact's address on file; the
// caller reads it back and it is verified like any PIN, by DecideCaller, on the contact's own
// holder. Only that email carries the code.

// ActionSendCode is the audit action of a code sent, or refused ("refused", with the reason).
const ActionSendCode Action = "send_code"

// NoticeCodeSent is the outbox row that carries a sealed code to the email destination. It is
// not one of NoticeTypes: it is never sent to a webhook, and notify.email_events does not select it.
const NoticeCodeSent NoticeType = "contact.code"

// Errors of a code send.
var (
	// ErrNoEmail: the contact has no email address on file to send a code to.
	ErrNoEmail = errors.New("no email on file")
	// ErrCodeUndeliverable: this pindesk cannot email a code (no SMTP server configured, or the
	// app runs without `pindesk serve`), so none is made: the agent is never told "sent" for a
	// code that nothing will deliver.
	ErrCodeUndeliverable = errors.New("emailed codes are not available: no mail server configured")
)

// CodeRequest asks for a code to be emailed to the calling contact.
type CodeRequest struct {
	AccountID string  `json:"account_id"`
	Contact   string  `json:"contact"`
	Channel   Channel `json:"channel"`
}

// CodeSent is what the agent learns of a code sent: never the code.
type CodeSent struct {
	ExpiresAt time.Time `json:"expires_at"`
	SentTo    string    `json:"sent_to"` // the address, masked: m•••@example.com
}

// CodeLimitError is a send refused by a limit: the holder's, or the token's (the desk's). It wraps
// ErrRateLimited; RetryAt is when the oldest send in the window leaves it.
type CodeLimitError struct {
	Limit   string // LimitCodeHolder or LimitCodeToken
	RetryAt time.Time
}

// The code send limits, stable across the API.
const (
	LimitCodeHolder = "code_holder" // codes sent to one contact in the rolling hour
	LimitCodeToken  = "code_token"  // codes sent by one token (one desk) in the rolling hour
)

func (e *CodeLimitError) Error() string {
	return ErrRateLimited.Error() + " (" + e.Limit + " limit, until " + e.RetryAt.UTC().Format(time.RFC3339) + ")"
}
func (e *CodeLimitError) Unwrap() error { return ErrRateLimited }

// OneUse reports whether a PIN of the kind is spent by one successful verification.
func (k Kind) OneUse() bool { return k == KindOneTime || k == KindEmailed }

// MaskEmail shows enough of an address for the agent and the caller to recognise it, and no more:
// the local part's first character, then •••, then the domain ("m•••@example.com").
func MaskEmail(addr string) string {
	local, domain, ok := strings.Cut(strings.TrimSpace(addr), "@")
	if !ok || local == "" {
		return "•••"
	}
	r, _ := utf8.DecodeRuneInString(local)
	return string(r) + "•••@" + domain
}

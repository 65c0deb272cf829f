package model

// Requests shared by the core, the REST API and the client. The operator who acts is never part of
// a request: the core takes it from its caller (the server from the bearer token, the local client
// from config), so a request body cannot claim to be someone else.

// Page selects a page of results.
type Page struct {
	Limit  int `json:"limit"`  // 0 for DefaultPageSize; at most MaxPageSize
	Offset int `json:"offset"` // results to skip
}

const (
	DefaultPageSize = 20
	MaxPageSize     = 200
	MaxQueryLength  = 100
	MaxReasonLength = 500
	MaxIDLength     = 64
)

// SearchResult is a page of accounts.
type SearchResult struct {
	Accounts []AccountSummary `json:"accounts"`
	More     bool             `json:"more"` // another page follows
}

// VerifyRequest asks whether the caller's PIN is right.
type VerifyRequest struct {
	AccountID      string  `json:"account_id"`
	Holder         string  `json:"holder"`           // a contact id, or "account" for the account-wide PIN
	Caller         string  `json:"caller,omitempty"` // with an account-wide PIN: the contact giving it
	PIN            string  `json:"pin"`
	Channel        Channel `json:"channel"`
	IdempotencyKey string  `json:"-"`                // a repeated key with the same request returns the first answer, counted once
	Ticket         string  `json:"ticket,omitempty"` // the call's ticket (VerifySession)
}

// PINChange names a holder's PIN of one kind, and the contact on whose behalf it changes.
type PINChange struct {
	AccountID  string  `json:"account_id"`
	Holder     string  `json:"holder"`
	Kind       Kind    `json:"kind"`
	OnBehalfOf string  `json:"on_behalf_of,omitempty"` // the contact asking; required for the account-wide PIN
	Channel    Channel `json:"channel,omitempty"`
}

// GeneratedPIN is a new PIN, returned once to whoever generated it.
type GeneratedPIN struct {
	PIN   string   `json:"pin,omitempty"` // over the API: for the portal role only
	State PINState `json:"state"`
}

// UnlockRequest unlocks a locked holder.
type UnlockRequest struct {
	AccountID string  `json:"account_id"`
	Holder    string  `json:"holder"`
	Reason    string  `json:"reason"`
	Channel   Channel `json:"channel,omitempty"`
	Ticket    string  `json:"ticket,omitempty"` // the call's ticket
}

// ResetRequest revokes every PIN of an account, after a malicious attempt.
type ResetRequest struct {
	AccountID string  `json:"account_id"`
	Reason    string  `json:"reason"`
	Channel   Channel `json:"channel,omitempty"`
	Ticket    string  `json:"ticket,omitempty"` // the call's ticket
}

// ResetResult says what a reset revoked.
type ResetResult struct {
	RevokedPINs     int `json:"revoked_pins"`
	UnlockedHolders int `json:"unlocked_holders"`
}

// CallerVerifyRequest asks whether the PIN a caller gave is one they may give: their own, or the
// account's account-wide PIN. The agent names who is calling, never which PIN they hold (a caller
// cannot know that).
type CallerVerifyRequest struct {
	AccountID      string  `json:"account_id"`
	Contact        string  `json:"contact"` // the contact who is calling
	PIN            string  `json:"pin"`
	Channel        Channel `json:"channel"`
	IdempotencyKey string  `json:"-"`                // as VerifyRequest's
	Ticket         string  `json:"ticket,omitempty"` // the call's ticket
}

package model

import "errors"

// Sentinel errors. Every layer maps them: the HTTP layer to a status and a stable code, the
// remote client back to the same error (both by the one table in package api), the UI to a
// sentence. Messages never contain a PIN.
var (
	ErrInvalidInput   = errors.New("invalid input")
	ErrInvalidPIN     = errors.New("invalid PIN entry")
	ErrUnknownAccount = errors.New("unknown account")
	ErrUnknownHolder  = errors.New("unknown PIN holder")
	ErrUnknownKind    = errors.New("unknown PIN kind")
	ErrNoPINs         = errors.New("this account's product uses no support PIN")
	ErrNoSuchPIN      = errors.New("no PIN of that kind")
	ErrLocked         = errors.New("PIN holder is locked")
	ErrNotLocked      = errors.New("PIN holder is not locked")
	// ErrHardLocked: a supervisor or trainer may not unlock a holder the rolling cap hard-locked.
	ErrHardLocked   = errors.New("hard-locked: the customer must set a new PIN in the portal, or an admin must unlock")
	ErrNotPermitted = errors.New("not permitted")
	ErrPolicy       = errors.New("PIN refused by policy")
	ErrConflict     = errors.New("conflict")
	ErrBusy         = errors.New("the database is busy; try again")
	ErrUnavailable  = errors.New("the server cannot be reached")
	ErrUnauthorized = errors.New("not signed in")
	ErrRateLimited  = errors.New("too many attempts; wait and try again")
	// ErrIdempotencyMismatch: an idempotency key already answered another request (another
	// holder, caller, channel or PIN). Nothing was compared or counted.
	ErrIdempotencyMismatch = errors.New("idempotency key already used for another request")
)

// RateLimitError is a refusal by a rate limit that names which limit was hit, so the agent knows
// whether waiting helps this desk (its token's limit) or the account itself is being tried too
// often, from any desk. It wraps ErrRateLimited.
type RateLimitError struct {
	Limit string // LimitToken, LimitAccount or LimitUnlock
}

// The rate limits, stable across the API.
const (
	LimitToken   = "token"   // verifications by one token (one desk)
	LimitAccount = "account" // verifications on one account, from every token
	LimitUnlock  = "unlock"  // unlocks by one token
)

func (e *RateLimitError) Error() string { return ErrRateLimited.Error() + " (" + e.Limit + " limit)" }
func (e *RateLimitError) Unwrap() error { return ErrRateLimited }

// PolicyError names the policy rule a chosen PIN breaks. It wraps ErrPolicy.
type PolicyError struct {
	Rule   string // length, digits, repeat, sequence, reuse
	Detail string
}

func (e *PolicyError) Error() string { return "PIN refused by policy (" + e.Rule + "): " + e.Detail }
func (e *PolicyError) Unwrap() error { return ErrPolicy }

// Policy rule names, stable across the API.
const (
	RuleLength   = "length"
	RuleDigits   = "digits"
	RuleRepeat   = "repeat"
	RuleSequence = "sequence"
	RuleReuse    = "reuse"
)

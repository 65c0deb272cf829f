package model

import "time"

// Outcome is the answer to one verification.
type Outcome string

const (
	OutcomeVerified      Outcome = "verified"
	OutcomeMismatch      Outcome = "mismatch"
	OutcomeExpired       Outcome = "expired"
	OutcomeLocked        Outcome = "locked"
	OutcomeSpent         Outcome = "spent"
	OutcomeNoPIN         Outcome = "no_pin"
	OutcomeNotApplicable Outcome = "not_applicable"
)

// Outcomes lists the whole vocabulary.
var Outcomes = []Outcome{OutcomeVerified, OutcomeMismatch, OutcomeExpired, OutcomeLocked, OutcomeSpent, OutcomeNoPIN, OutcomeNotApplicable}

// VerifyResult is what an agent learns from a verification. It never carries the PIN.
type VerifyResult struct {
	Outcome      Outcome    `json:"outcome"`
	AttemptsLeft int        `json:"attempts_left"`
	MaxAttempts  int        `json:"max_attempts"`
	MatchedKind  Kind       `json:"matched_kind,omitempty"` // verified, expired or spent
	ExpiresAt    *time.Time `json:"expires_at,omitempty"`   // of the matched PIN (expired: when it expired)
	LockedSince  *time.Time `json:"locked_since,omitempty"` // set when locked, including by this attempt
	SpentAt      *time.Time `json:"spent_at,omitempty"`     // spent: when it was used
	// The answer to a caller's verification (CallerVerifyRequest) says also what it did with each
	// holder whose PIN the caller may give; the holder-level verification leaves these out.
	//
	// MatchedHolder is whose PIN the entry equalled (verified, expired or spent): the caller's id,
	// or "account" for the account-wide PIN.
	MatchedHolder string `json:"matched_holder,omitempty"`
	// Compared are the holders whose PINs the entry was compared with, the caller's own first. For
	// a mismatch, AttemptsLeft above is the most left on any of them (the tries before nothing is
	// left to compare), and LockedSince is set once every one is locked.
	Compared []HolderCheck `json:"compared,omitempty"`
	// Skipped are the holders not compared because they are locked.
	Skipped []HolderCheck `json:"skipped,omitempty"`
	// Replayed: this is the stored answer to an earlier request with the same idempotency key;
	// nothing was compared or counted this time.
	Replayed bool `json:"replayed,omitempty"`
}

// Counted reports whether this outcome counted as a failed attempt.
func (r VerifyResult) Counted() bool { return r.Outcome == OutcomeMismatch }

// HolderCheck is what a caller's verification did with one holder whose PIN the caller may give.
type HolderCheck struct {
	Holder       string `json:"holder"` // a contact id, or "account"
	AttemptsLeft int    `json:"attempts_left"`
	// Counted: the entry was compared with the holder's PINs, matched none, and counted as a
	// failure against it.
	Counted     bool       `json:"counted,omitempty"`
	LockedSince *time.Time `json:"locked_since,omitempty"` // set when locked, including by this attempt
	HardLocked  bool       `json:"hard_locked,omitempty"`
}

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
	// Replayed: this is the stored answer to an earlier request with the same idempotency key;
	// nothing was compared or counted this time.
	Replayed bool `json:"replayed,omitempty"`
}

// Counted reports whether this outcome counted as a failed attempt.
func (r VerifyResult) Counted() bool { return r.Outcome == OutcomeMismatch }

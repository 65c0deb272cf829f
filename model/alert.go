package model

import (
	"errors"
	"fmt"
	"time"
)

// Anomaly alerts (issue 12). A stolen desk token, or a caller working through a list of accounts,
// shows as one desk failing PINs across many accounts. When a desk's counted wrong PINs within a
// window reach a threshold, across enough distinct accounts, an alert is raised (once: a desk has at
// most one open alert) and, until a supervisor clears it with a reason, that desk's verifications
// are slowed to one per interval. A slowed verification is refused before anything is compared or
// counted against the holder.
//
// A desk is who verifies: an API token over the API ("token:<id>"), the local operator in the
// embedded app ("local:<name>") — the scope of idempotency keys, for the same reason: two tokens
// may share an operator's name, and one stolen token must not slow the other.

const (
	ActionAlert      Action = "alert"       // an alert was raised on a desk
	ActionAlertClear Action = "alert_clear" // a supervisor cleared a desk's alert
)

// PermAlerts: list a floor's open anomaly alerts and clear one, with a reason.
const PermAlerts Permission = "alerts"

// ErrDeskSlowed: the desk has an open anomaly alert and its next verification is not due yet.
// Nothing was compared or counted. Its error is a *DeskSlowedError, which says when.
var ErrDeskSlowed = errors.New("this desk is slowed after failures across many accounts")

// DeskSlowedError is a verification refused because the desk is slowed. It wraps ErrDeskSlowed.
type DeskSlowedError struct {
	Alert string        // the open alert's id (empty when not known, as over the API)
	Wait  time.Duration // how long from the refusal until the next verification is allowed
}

func (e *DeskSlowedError) Error() string {
	s := fmt.Sprintf("%s: next verification in %s; a supervisor must clear the alert", ErrDeskSlowed, e.Wait.Round(time.Second))
	if e.Alert != "" {
		s += " (" + e.Alert + ")"
	}
	return s
}
func (e *DeskSlowedError) Unwrap() error { return ErrDeskSlowed }

// AnomalyPolicy is when an alert is raised and how hard it slows the desk.
type AnomalyPolicy struct {
	// Failures counted wrong PINs by one desk within Window, across at least Accounts distinct
	// accounts, raise an alert. Failures 0 turns anomaly alerts off.
	Failures int
	Accounts int
	Window   time.Duration
	// SlowInterval is the least time between two verifications of a desk with an open alert.
	SlowInterval time.Duration
}

// DefaultAnomalyPolicy: 10 wrong PINs across 5 accounts in 15 minutes; then one verification per
// 30 seconds. An agent on a busy floor mistypes, but rarely on five customers in a quarter hour.
func DefaultAnomalyPolicy() AnomalyPolicy {
	return AnomalyPolicy{Failures: 10, Accounts: 5, Window: 15 * time.Minute, SlowInterval: 30 * time.Second}
}

// Enabled reports whether alerts are raised at all.
func (p AnomalyPolicy) Enabled() bool { return p.Failures > 0 }

// Validate refuses a policy that cannot work: accounts must be at least 1 and at most failures
// (each account needs a failure), the window and interval positive.
func (p AnomalyPolicy) Validate() error {
	switch {
	case p.Failures < 0:
		return fmt.Errorf("%w: anomaly.failures must be 0 (off) or more", ErrInvalidInput)
	case !p.Enabled():
		return nil
	case p.Accounts < 1 || p.Accounts > p.Failures:
		return fmt.Errorf("%w: anomaly.accounts must be from 1 to anomaly.failures (%d)", ErrInvalidInput, p.Failures)
	case p.Window <= 0:
		return fmt.Errorf("%w: anomaly.window must be positive", ErrInvalidInput)
	case p.SlowInterval <= 0:
		return fmt.Errorf("%w: anomaly.slow_interval must be positive", ErrInvalidInput)
	}
	return nil
}

// Alert is an open anomaly alert on a desk.
type Alert struct {
	ID       string       `json:"id"`   // alt_…
	Desk     string       `json:"desk"` // token:<id> or local:<name>
	Operator string       `json:"operator"`
	Role     OperatorRole `json:"role"`
	RaisedAt time.Time    `json:"raised_at"`
	// Failures and Accounts are the counted wrong PINs, and the distinct accounts they were on,
	// within the window when the alert was raised.
	Failures int `json:"failures"`
	Accounts int `json:"accounts"`
	// NextVerifyAt is when the desk may verify again.
	NextVerifyAt time.Time `json:"next_verify_at"`
}

// ClearAlertRequest clears an open alert, with the reason.
type ClearAlertRequest struct {
	ID      string
	Reason  string
	Channel Channel
}

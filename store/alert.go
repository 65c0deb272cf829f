package store

import (
	"context"
	"time"

	"github.com/pindesk/pindesk/model"
)

// Anomaly alerts (issue 12; see model.Alert). The counters live in the database, so every server
// sharing it counts one desk's failures together and agrees on its alert and its pace: a desk's
// failures are rows of desk_failures (one per counted wrong PIN, written in the transaction that
// counted it against the holder), its alert a row of desk_alerts (at most one open per desk).

// DeskSlot is what TakeDeskSlot found of a desk's open alert.
type DeskSlot struct {
	Open  bool      // the desk has an open alert
	Alert string    // its id
	Taken bool      // the slot was due and is now taken: the verification may go on
	Next  time.Time // when the next verification is allowed (after this one, when Taken)
}

// DeskFailure is one counted wrong PIN by a desk, with the thresholds of an alert and the alert to
// raise when they are met.
type DeskFailure struct {
	Desk      string
	AccountID string
	At        time.Time
	Window    time.Duration // failures at or before At-Window no longer count
	Failures  int           // the thresholds (model.AnomalyPolicy)
	Accounts  int
	// Alert is raised (stored, with Failures and Accounts as counted) when the thresholds are met
	// and the desk has no open alert.
	Alert model.Alert
}

// DeskTx is a holder transaction's side of anomaly alerts. Both run inside the holder's
// transaction, so they commit or roll back with the verification.
type DeskTx interface {
	// TakeDeskSlot looks for the desk's open alert. With none, it changes nothing (Open false).
	// With one whose next verification is due at now, it moves that to now+every and reports
	// Taken; otherwise it changes nothing and reports when the next is due. Taking a slot is one
	// step under the alert row's lock, so two servers never take the same slot.
	TakeDeskSlot(ctx context.Context, desk string, now time.Time, every time.Duration) (DeskSlot, error)
	// CountDeskFailure notes one counted wrong PIN of f.Desk at f.At, forgets the desk's failures
	// that left the window, and counts those left and their distinct accounts. When they reach
	// f.Failures and f.Accounts and the desk has no open alert, it stores f.Alert with the counts
	// and reports raised. The desk's counting is serialised across servers (PostgreSQL: a row lock
	// per desk, taken after the holders' and before the audit chain's), so the count is exact and
	// one alert is raised, whichever server counts the failure that reaches the threshold.
	CountDeskFailure(ctx context.Context, f DeskFailure) (raised bool, failures, accounts int, err error)
}

// ClearedAlert is an open alert cleared by a supervisor.
type ClearedAlert struct {
	ID     string
	At     time.Time
	By     string
	Reason string
	// Audit makes the audit event appended in the clearing transaction, from the alert as stored
	// (so it names the desk).
	Audit func(model.Alert) model.AuditEvent
}

// Alerts is the store's side of anomaly alerts outside a holder's transaction.
type Alerts interface {
	// OpenAlerts returns every open alert, oldest first.
	OpenAlerts(ctx context.Context) ([]model.Alert, error)
	// ClearAlert marks the alert cleared, forgets its desk's counted failures (a cleared desk
	// starts afresh) and appends the audit event, in one transaction. An id that names no alert is
	// model.ErrInvalidInput; one already cleared is model.ErrConflict.
	ClearAlert(ctx context.Context, c ClearedAlert) error
	// AlertCounts returns how many alerts are open and how many were ever raised (for /metrics:
	// the database's figures, the same whichever server is asked).
	AlertCounts(ctx context.Context) (open, raised int, err error)
}

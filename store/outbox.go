package store

import (
	"context"
	"time"

	"github.com/pindesk/pindesk/model"
)

// The outbox (issue 11): a notice is written by HolderTx.Notify (or ResetAccount) in the
// transaction of the change it tells of, so it commits or rolls back with that change, and a crash
// after the commit loses nothing. A deliverer (package notify) then claims due notices under a
// lease, sends them, and either removes them (delivered) or records the failure and when to try
// again; past its retry window a notice is dead, kept with its reason until an admin retries it.
//
// A lease is what keeps two deliverers (two servers on one PostgreSQL) off one notice: a claim
// takes only notices whose lease has run out, and stamps its own. A deliverer that dies while
// holding a lease leaves the notice to be claimed again when the lease ends (at least once). Each
// outcome names the lease's owner, and one recorded by a deliverer whose lease was taken over is
// ignored.

// Notice states.
const (
	NoticePending = "pending" // waiting for its first try, or for a retry after failures
	NoticeDead    = "dead"    // its retry window ran out; kept with the reason until retried
)

// OutboxEntry is a notice with its delivery state.
type OutboxEntry struct {
	model.Notice
	State    string
	Attempts int
	// NextAt is when the notice is next due (pending only).
	NextAt time.Time
	// Since is when its retry window began: when it was written, or when an admin retried it.
	Since time.Time
	// Done are the destinations (see notify) that already took it: a retry skips them.
	Done      []string
	LastError string
}

// NoticeFailure is a failed delivery: what still failed, and when to try again, or that the
// notice is dead.
type NoticeFailure struct {
	Done   []string // every destination delivered to so far
	Error  string   // the reason, without a PIN, a secret or a full phone number
	NextAt time.Time
	Dead   bool
}

// NoticeQuery selects outbox entries for `pindesk admin events list`: by state (empty: all),
// oldest first.
type NoticeQuery struct {
	State string
	Limit int
}

// Outbox is the store's side of notice delivery.
type Outbox interface {
	// ClaimNotices leases up to limit pending notices due at now, whose lease (if any) ended, to
	// owner until now+lease, oldest first. Concurrent claims never return one notice to two owners.
	ClaimNotices(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]OutboxEntry, error)
	// NoticeDelivered removes a notice owner holds the lease of: every destination took it.
	NoticeDelivered(ctx context.Context, id, owner string) error
	// NoticeFailed records a failed try of a notice owner holds the lease of, and ends the lease.
	NoticeFailed(ctx context.Context, id, owner string, f NoticeFailure) error
	// Notices lists outbox entries (see NoticeQuery).
	Notices(ctx context.Context, q NoticeQuery) ([]OutboxEntry, error)
	// RetryNotice makes a dead notice pending again, due at now, with a new retry window from now
	// (destinations that took it are still skipped). An id that names no dead notice is
	// model.ErrInvalidInput.
	RetryNotice(ctx context.Context, id string, now time.Time) error
}

package store

import (
	"context"

	"github.com/pindesk/pindesk/model"
)

// LockBoard is the store's side of the lock board (issue 13; model.Board). A supervisor's app
// reads it about once a second while the board is open, on every server of a floor, so it reads
// only the holders that are locked or failing (partial indexes, migration 0009) and, for each, its
// last failed verifications (a partial index of the audit's failures): its cost follows the
// number of locked and failing holders, not the number of accounts.
type LockBoard interface {
	// Board reads, from one snapshot: every holder locked or hard-locked, the newest lock first;
	// at most q.FailingLimit holders with failures but no lock (the most failures first, then the
	// latest failure; FailingMore says when more are failing); and for each listed holder its last
	// failed verifications (at most its failures in a row, and at most q.Attempts), newest first,
	// and its account's open disputes, oldest first.
	Board(ctx context.Context, q BoardQuery) (model.Board, error)
}

// BoardQuery bounds what Board reads.
type BoardQuery struct {
	Attempts     int // failed attempts per holder
	FailingLimit int // holders in the failing section
}

// BoardAttemptsFor is how many failed attempts Board reads for a holder with failures in a row:
// those, up to limit.
func BoardAttemptsFor(failures, limit int) int { return max(min(limit, failures), 0) }

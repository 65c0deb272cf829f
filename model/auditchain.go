package model

import (
	"fmt"
	"time"
)

// AuditChainHead is one audit chain's last event as a checkpoint records it: the chain's number,
// the event's place in it and its chain value (hex).
type AuditChainHead struct {
	Chain int    `json:"chain"`
	Seq   int64  `json:"seq"`
	Value string `json:"value"`
}

// AuditCheckpoint is the state of every audit chain at a time — each chain's head — exported to
// be kept apart from the database: whoever rewrites the history and recomputes the chains still
// cannot make them reach a checkpoint held elsewhere with the same values without the key file.
type AuditCheckpoint struct {
	Time  time.Time        `json:"time"`
	Heads []AuditChainHead `json:"heads"`
}

// Events is how many events the heads count between them: every event chained, when they are a
// database's heads.
func (cp AuditCheckpoint) Events() int64 {
	n := int64(0)
	for _, h := range cp.Heads {
		n += h.Seq
	}
	return n
}

// AuditBreakKind says how the audit chain was found broken.
type AuditBreakKind string

const (
	// AuditChanged: an event's chain value does not match with its seq in place: the event was
	// changed (or another put in its place).
	AuditChanged AuditBreakKind = "changed"
	// AuditDeleted: a gap in a chain's sequence, or a chain that ends before its head.
	AuditDeleted AuditBreakKind = "deleted"
	// AuditInserted: an event without a chain value, or a sequence number seen twice.
	AuditInserted AuditBreakKind = "inserted"
	// AuditReordered: sequence numbers of a chain out of order.
	AuditReordered AuditBreakKind = "reordered"
	// AuditHeadMismatch: a chain's head disagrees with its last event.
	AuditHeadMismatch AuditBreakKind = "head"
	// AuditCheckpointMismatch: a chain does not reach the checkpoint with the checkpoint's value.
	AuditCheckpointMismatch AuditBreakKind = "checkpoint"
)

// AuditBreak is the first place the audit chain was found broken.
type AuditBreak struct {
	Kind   AuditBreakKind `json:"kind"`
	ID     int64          `json:"id,omitempty"` // the event where it was found (none at a chain's end)
	Chain  int            `json:"chain"`        // the chain broken
	Seq    int64          `json:"seq"`          // the sequence number expected there, in that chain
	Detail string         `json:"detail"`
}

// Where names the place of the break: the event's id, or the chain's place when it was found at a
// chain's end.
func (b AuditBreak) Where() string {
	if b.ID > 0 {
		return fmt.Sprintf("#%d", b.ID)
	}
	return fmt.Sprintf("chain %d #%d", b.Chain, b.Seq)
}

// AuditChainState is what verifying the audit chains found. Events are numbered by their id,
// the order of the whole trail.
type AuditChainState struct {
	Intact    bool            `json:"intact"`
	From      int64           `json:"from"`    // the first event id the check covered
	Through   int64           `json:"through"` // the last event id found intact (0 when none)
	Events    int64           `json:"events"`  // how many events were checked
	Head      AuditCheckpoint `json:"head"`    // the chain heads as the database records them
	Break     *AuditBreak     `json:"break,omitempty"`
	CheckedAt time.Time       `json:"checked_at"` // when the check ran
}

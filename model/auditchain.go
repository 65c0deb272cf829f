package model

import "time"

// AuditCheckpoint is a point of the audit chain — an event's sequence number, its chain value (hex)
// and its time — exported to be kept apart from the database: whoever rewrites the history and
// recomputes the chain still cannot make it reach a checkpoint held elsewhere with the same value
// without the key file.
type AuditCheckpoint struct {
	Seq   int64     `json:"seq"`
	Chain string    `json:"chain"`
	Time  time.Time `json:"time"`
}

// AuditBreakKind says how the audit chain was found broken.
type AuditBreakKind string

const (
	// AuditChanged: an event's chain value does not match with its seq in place: the event was
	// changed (or another put in its place).
	AuditChanged AuditBreakKind = "changed"
	// AuditDeleted: a gap in the sequence, or the chain ends before its head.
	AuditDeleted AuditBreakKind = "deleted"
	// AuditInserted: an event without a chain value, or a sequence number seen twice.
	AuditInserted AuditBreakKind = "inserted"
	// AuditReordered: sequence numbers out of order.
	AuditReordered AuditBreakKind = "reordered"
	// AuditHeadMismatch: the chain head disagrees with the last event.
	AuditHeadMismatch AuditBreakKind = "head"
	// AuditCheckpointMismatch: the chain does not reach the checkpoint with the checkpoint's value.
	AuditCheckpointMismatch AuditBreakKind = "checkpoint"
)

// AuditBreak is the first place the chain is broken.
type AuditBreak struct {
	Kind   AuditBreakKind `json:"kind"`
	Seq    int64          `json:"seq"` // the sequence number expected there
	ID     int64          `json:"id,omitempty"`
	Detail string         `json:"detail"`
}

// AuditChainState is what verifying the audit chain found.
type AuditChainState struct {
	Intact  bool            `json:"intact"`
	From    int64           `json:"from"`    // the first sequence number checked
	Through int64           `json:"through"` // the last one found intact (From-1 when none)
	Events  int64           `json:"events"`  // how many events were checked
	Head    AuditCheckpoint `json:"head"`    // the chain head as the database records it
	Break   *AuditBreak     `json:"break,omitempty"`
}

package store

import (
	"context"
	"time"

	"github.com/pindesk/pindesk/model"
)

// Disputes (issue 11, "that wasn't me"). Every notice written (HolderTx.Notify, ResetAccount) is
// also recorded, for good, in a log of notice ids by account (notice_log): the outbox forgets a
// notice once it is delivered, but the customer may dispute it days later, so the id must still be
// found, and found on its own account only.

// SentNotice is what the notice log keeps of a notice: enough to check a dispute against it.
type SentNotice struct {
	ID        string
	Type      model.NoticeType
	AccountID string
	Holder    string // "" for the whole account
	Time      time.Time
}

// NewDispute is a dispute to record, with everything that happens in its transaction.
type NewDispute struct {
	model.Dispute
	Text     string       // the customer's own words (kept, never shown to agents)
	Operator string       // the portal's name
	Revoke   []model.Kind // the kinds of every holder of the account to revoke
	Audit    model.AuditEvent
	Notice   model.Notice // the holder.disputed notice for the desk's supervisors
}

// ClearedDispute is a dispute's DISPUTED mark lifted by a supervisor.
type ClearedDispute struct {
	AccountID string
	ID        string
	At        time.Time
	By        string
	Reason    string
	Audit     model.AuditEvent
}

// Disputes is the store's side of disputes.
type Disputes interface {
	// SentNotice returns the logged notice with the id, or model.ErrInvalidInput when none was
	// written for the account (another account's notice is not told apart from none; an empty
	// accountID, that of a system notice, finds none).
	SentNotice(ctx context.Context, accountID, id string) (SentNotice, error)
	// Dispute records d in one transaction: the holder (its row created when absent) is
	// hard-locked and locked at d.Time (a lock already set keeps its time), the kinds in d.Revoke
	// of every holder of the account are revoked (each kept as previous), the account's
	// idempotency keys forgotten, the dispute stored, the audit event appended and the notice
	// written to the outbox. It returns how many PINs it revoked. A notice disputed before is
	// model.ErrConflict, and changes nothing.
	Dispute(ctx context.Context, d NewDispute) (revoked int, err error)
	// OpenDisputes returns the account's disputes not yet cleared, oldest first.
	OpenDisputes(ctx context.Context, accountID string) ([]model.Dispute, error)
	// ClearDispute marks the account's open dispute cleared and appends the audit event, in one
	// transaction. An id that names no dispute of the account is model.ErrInvalidInput; one
	// already cleared is model.ErrConflict.
	ClearDispute(ctx context.Context, c ClearedDispute) error
}

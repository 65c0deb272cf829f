package store

import (
	"context"
	"fmt"
	"time"

	"github.com/pindesk/pindesk/model"
)

// Approvals are dual control's requests (model/approval.go): an unlock or reset waiting for a
// second person. A store keeps at most one pending request per account, holder and action (a
// unique index), and closes a request only from pending, in the transaction of whatever closing
// it does, so two people deciding at once (on two servers) cannot both succeed.

// NewApproval is a request to open, with the audit events of its transaction.
type NewApproval struct {
	model.Approval // ID is given by the store; Status is pending
	// Audit is the approval_request event; the store sets its Request to the new id.
	Audit model.AuditEvent
	// Expire is the approval_expire event of a request found pending past its expiry, which is
	// expired before the new one is opened.
	Expire func(model.Approval) model.AuditEvent
}

// ApprovalDecision closes a pending request.
type ApprovalDecision struct {
	ID     int64
	Status model.ApprovalStatus // approved, refused or void
	By     string
	At     time.Time // a request expired at At is not closed (model.ErrApprovalClosed)
	Reason string    // a refusal's reason; a void's explanation
	// Audit is appended in the closing transaction (by DecideApproval and ApproveReset; a holder's
	// transaction appends its own).
	Audit model.AuditEvent
}

// Approvals is the store's side of dual control.
type Approvals interface {
	// OpenApproval opens a.Approval in one transaction: a request pending for the same account,
	// holder and action whose expiry has passed at a.Created is expired first (a.Expire's event
	// appended); one still pending is returned with created false, and nothing is written;
	// otherwise the request is stored, a.Audit appended with its id, and it is returned with
	// created true.
	OpenApproval(ctx context.Context, a NewApproval) (_ model.Approval, created bool, err error)
	// Approval returns the request with the id, or model.ErrUnknownApproval.
	Approval(ctx context.Context, id int64) (model.Approval, error)
	// PendingApprovals returns the requests pending and not expired at now, oldest first.
	PendingApprovals(ctx context.Context, now time.Time) ([]model.Approval, error)
	// ExpireApprovals marks expired every pending request whose expiry is at or before now,
	// appending event's audit event for each, in one transaction, and returns them. Of two
	// servers expiring at once, each request is expired (and audited) once.
	ExpireApprovals(ctx context.Context, now time.Time, event func(model.Approval) model.AuditEvent) ([]model.Approval, error)
	// DecideApproval closes a pending request as d says and appends d.Audit, in one transaction.
	// An unknown id is model.ErrUnknownApproval; a request not pending (or expired at d.At),
	// model.ErrApprovalClosed.
	DecideApproval(ctx context.Context, d ApprovalDecision) error
	// ApproveReset closes the pending reset request d.ID as approved and resets the account as
	// ResetAccount does (appending e and writing the notices), all in one transaction; the
	// refusals are DecideApproval's.
	ApproveReset(ctx context.Context, d ApprovalDecision, accountID string, e model.AuditEvent, notices ...model.Notice) (model.ResetResult, error)
}

// ClosedError says why request a, found not pending at now, cannot be decided: it wraps
// model.ErrApprovalClosed.
func ClosedError(a model.Approval, now time.Time) error {
	switch {
	case a.Status == model.ApprovalPending && !now.Before(a.Expires):
		return fmt.Errorf("%w: request #%d expired at %s UTC", model.ErrApprovalClosed, a.ID, a.Expires.UTC().Format("15:04"))
	case a.Status == model.ApprovalExpired:
		return fmt.Errorf("%w: request #%d expired at %s UTC", model.ErrApprovalClosed, a.ID, a.Expires.UTC().Format("15:04"))
	case a.DecidedBy != "":
		return fmt.Errorf("%w: request #%d was %s by %s", model.ErrApprovalClosed, a.ID, a.Status, a.DecidedBy)
	}
	return fmt.Errorf("%w: request #%d is %s", model.ErrApprovalClosed, a.ID, a.Status)
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// Dual control's requests (store.Approvals). A request's status moves from pending by one
// conditional UPDATE, so of two servers deciding or expiring it at once one wins and the other
// finds it closed. Every transaction here appends its audit events last, after its other writes,
// as appendAuditID requires (the chain head is the last lock a transaction takes).

const approvalColumns = `id, action, account_id, holder_id, reason, channel, rule, requested_by, requester_role, requester_token,
	created_at, expires_at, status, decided_by, decided_at, decision_reason, ticket`

func scanApproval(r pgx.Row) (model.Approval, error) {
	var a model.Approval
	var action, channel, role, status string
	err := r.Scan(&a.ID, &action, &a.AccountID, &a.Holder, &a.Reason, &channel, &a.Rule, &a.RequestedBy, &role,
		&a.RequesterToken, &a.Created, &a.Expires, &status, &a.DecidedBy, &a.DecidedAt, &a.DecisionReason, &a.Ticket)
	a.Action, a.Channel, a.RequesterRole, a.Status = model.ApprovalAction(action), model.Channel(channel), model.OperatorRole(role), model.ApprovalStatus(status)
	a.Created, a.Expires, a.DecidedAt = a.Created.UTC(), a.Expires.UTC(), utc(a.DecidedAt)
	return a, err
}

func (s *Store) OpenApproval(ctx context.Context, na store.NewApproval) (_ model.Approval, created bool, err error) {
	defer mapped(&err)
	a := na.Approval
	if !storable(a.AccountID, a.Holder, a.Reason, a.RequestedBy, a.RequesterToken, a.Rule, a.Ticket) {
		return model.Approval{}, false, fmt.Errorf("%w: an approval request's text must be UTF-8 without NUL characters", model.ErrInvalidInput)
	}
	a.Created, a.Expires, a.Status = storedTime(a.Created), storedTime(a.Expires), model.ApprovalPending
	var out model.Approval
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		created = false
		expired, err := expireRows(ctx, tx, a.Created, `AND account_id = $2 AND holder_id = $3 AND action = $4`, a.AccountID, a.Holder, string(a.Action))
		if err != nil {
			return err
		}
		// A request pending on another server's uncommitted transaction is waited for: then it
		// conflicts, and is read below.
		id := a.ID
		err = tx.QueryRow(ctx, `INSERT INTO approvals (action, account_id, holder_id, reason, channel, rule, requested_by,
			requester_role, requester_token, created_at, expires_at, ticket) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
			ON CONFLICT (account_id, holder_id, action) WHERE status = 'pending' DO NOTHING RETURNING id`,
			string(a.Action), a.AccountID, a.Holder, a.Reason, string(a.Channel), a.Rule, a.RequestedBy, string(a.RequesterRole),
			a.RequesterToken, a.Created, a.Expires, a.Ticket).Scan(&id)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			out, err = scanApproval(tx.QueryRow(ctx, `SELECT `+approvalColumns+` FROM approvals
				WHERE account_id = $1 AND holder_id = $2 AND action = $3 AND status = 'pending'`, a.AccountID, a.Holder, string(a.Action)))
			if err != nil {
				return fmt.Errorf("read the pending approval request: %w", err)
			}
		case err != nil:
			return fmt.Errorf("open approval request: %w", err)
		default:
			a.ID = id
			out, created = a, true
		}
		for _, x := range expired {
			if err := s.appendAudit(ctx, tx, na.Expire(x)); err != nil {
				return err
			}
		}
		if !created {
			return nil
		}
		e := na.Audit
		e.Request = a.ID
		return s.appendAudit(ctx, tx, e)
	})
	if err != nil {
		return model.Approval{}, false, err
	}
	return out, created, nil
}

func (s *Store) Approval(ctx context.Context, id int64) (_ model.Approval, err error) {
	defer mapped(&err)
	a, err := scanApproval(s.pool.QueryRow(ctx, `SELECT `+approvalColumns+` FROM approvals WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return model.Approval{}, fmt.Errorf("%w: #%d", model.ErrUnknownApproval, id)
	}
	if err != nil {
		return model.Approval{}, fmt.Errorf("approval request #%d: %w", id, err)
	}
	return a, nil
}

func (s *Store) PendingApprovals(ctx context.Context, now time.Time) (_ []model.Approval, err error) {
	defer mapped(&err)
	rows, err := s.pool.Query(ctx, `SELECT `+approvalColumns+` FROM approvals
		WHERE status = 'pending' AND expires_at > $1 ORDER BY created_at, id`, now)
	if err != nil {
		return nil, fmt.Errorf("approval requests: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.Approval, error) { return scanApproval(r) })
	if err != nil {
		return nil, fmt.Errorf("approval requests: %w", err)
	}
	if out == nil {
		out = []model.Approval{}
	}
	return out, nil
}

func (s *Store) ExpireApprovals(ctx context.Context, now time.Time, event func(model.Approval) model.AuditEvent) (_ []model.Approval, err error) {
	defer mapped(&err)
	var out []model.Approval
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		expired, err := expireRows(ctx, tx, now, "")
		if err != nil {
			return err
		}
		for _, a := range expired {
			if err := s.appendAudit(ctx, tx, event(a)); err != nil {
				return err
			}
		}
		out = expired
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("expire approval requests: %w", err)
	}
	return out, nil
}

// expireRows marks expired the pending requests (those where narrows, with args from $2) whose
// expiry is at or before now. The caller appends their events.
func expireRows(ctx context.Context, db dbtx, now time.Time, where string, args ...any) ([]model.Approval, error) {
	rows, err := db.Query(ctx, `UPDATE approvals SET status = 'expired' WHERE status = 'pending' AND expires_at <= $1 `+where+`
		RETURNING `+approvalColumns, append([]any{now}, args...)...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.Approval, error) { return scanApproval(r) })
}

// closeApproval moves request d.ID from pending to d.Status, or says why it cannot.
func closeApproval(ctx context.Context, db dbtx, d store.ApprovalDecision) error {
	if !storable(d.By, d.Reason) {
		return fmt.Errorf("%w: a decision's text must be UTF-8 without NUL characters", model.ErrInvalidInput)
	}
	tag, err := db.Exec(ctx, `UPDATE approvals SET status = $1, decided_by = $2, decided_at = $3, decision_reason = $4
		WHERE id = $5 AND status = 'pending' AND expires_at > $3`, string(d.Status), d.By, d.At, d.Reason, d.ID)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	a, err := scanApproval(db.QueryRow(ctx, `SELECT `+approvalColumns+` FROM approvals WHERE id = $1`, d.ID))
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w: #%d", model.ErrUnknownApproval, d.ID)
	}
	if err != nil {
		return err
	}
	return store.ClosedError(a, d.At)
}

func (s *Store) DecideApproval(ctx context.Context, d store.ApprovalDecision) (err error) {
	defer mapped(&err)
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if err := closeApproval(ctx, tx, d); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, d.Audit)
	})
}

func (s *Store) ApproveReset(ctx context.Context, d store.ApprovalDecision, accountID string, e model.AuditEvent, notices ...model.Notice) (model.ResetResult, error) {
	return s.resetAccount(ctx, accountID, e, notices, func(ctx context.Context, tx pgx.Tx) error { return closeApproval(ctx, tx, d) })
}

func (t *holderTx) CloseApproval(ctx context.Context, d store.ApprovalDecision) error {
	return closeApproval(ctx, t.tx, d)
}

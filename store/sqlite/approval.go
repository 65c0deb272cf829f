package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// Dual control's requests (store.Approvals). Every write runs under the database write lock, so a
// request's status moves from pending once.

const approvalColumns = `id, action, account_id, holder_id, reason, channel, rule, requested_by, requester_role, requester_token,
	created_at, expires_at, status, decided_by, decided_at, decision_reason, ticket`

type scanner interface{ Scan(dest ...any) error }

func scanApproval(r scanner) (model.Approval, error) {
	var a model.Approval
	var created, expires int64
	var decided sql.NullInt64
	err := r.Scan(&a.ID, &a.Action, &a.AccountID, &a.Holder, &a.Reason, &a.Channel, &a.Rule, &a.RequestedBy, &a.RequesterRole,
		&a.RequesterToken, &created, &expires, &a.Status, &a.DecidedBy, &decided, &a.DecisionReason, &a.Ticket)
	if err != nil {
		return a, err
	}
	a.Created, a.Expires, a.DecidedAt = fromNanos(created), fromNanos(expires), fromNull(decided)
	return a, nil
}

func (s *Store) OpenApproval(ctx context.Context, na store.NewApproval) (model.Approval, bool, error) {
	var out model.Approval
	var created bool
	err := s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		created = false
		a := na.Approval
		if _, err := expireApprovals(ctx, s, tx, a.Created, na.Expire, `AND account_id = ? AND holder_id = ? AND action = ?`,
			a.AccountID, a.Holder, string(a.Action)); err != nil {
			return err
		}
		prev, err := scanApproval(tx.QueryRowContext(ctx, `SELECT `+approvalColumns+` FROM approvals
			WHERE account_id = ? AND holder_id = ? AND action = ? AND status = 'pending'`, a.AccountID, a.Holder, string(a.Action)))
		if err == nil {
			out = prev
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return mapErr(err)
		}
		a.Status = model.ApprovalPending
		err = tx.QueryRowContext(ctx, `INSERT INTO approvals (action, account_id, holder_id, reason, channel, rule, requested_by,
			requester_role, requester_token, created_at, expires_at, ticket) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			string(a.Action), a.AccountID, a.Holder, a.Reason, string(a.Channel), a.Rule, a.RequestedBy, string(a.RequesterRole),
			a.RequesterToken, nanos(a.Created), nanos(a.Expires), a.Ticket).Scan(&a.ID)
		if err != nil {
			return fmt.Errorf("open approval request: %w", mapErr(err))
		}
		e := na.Audit
		e.Request = a.ID
		if err := s.appendAudit(ctx, tx, e); err != nil {
			return err
		}
		out, created = a, true
		return nil
	})
	if err != nil {
		return model.Approval{}, false, err
	}
	return out, created, nil
}

func (s *Store) Approval(ctx context.Context, id int64) (model.Approval, error) {
	if err := s.guard.err(); err != nil {
		return model.Approval{}, err
	}
	a, err := scanApproval(s.r.QueryRowContext(ctx, `SELECT `+approvalColumns+` FROM approvals WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return model.Approval{}, fmt.Errorf("%w: #%d", model.ErrUnknownApproval, id)
	}
	if err != nil {
		return model.Approval{}, fmt.Errorf("approval request #%d: %w", id, mapErr(err))
	}
	return a, nil
}

func (s *Store) PendingApprovals(ctx context.Context, now time.Time) ([]model.Approval, error) {
	if err := s.guard.err(); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+approvalColumns+` FROM approvals
		WHERE status = 'pending' AND expires_at > ? ORDER BY created_at, id`, nanos(now))
	if err != nil {
		return nil, fmt.Errorf("approval requests: %w", mapErr(err))
	}
	defer rows.Close()
	out := []model.Approval{}
	for rows.Next() {
		a, err := scanApproval(rows)
		if err != nil {
			return nil, fmt.Errorf("approval requests: %w", mapErr(err))
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("approval requests: %w", mapErr(err))
	}
	return out, nil
}

func (s *Store) ExpireApprovals(ctx context.Context, now time.Time, event func(model.Approval) model.AuditEvent) ([]model.Approval, error) {
	var out []model.Approval
	err := s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) (err error) {
		out, err = expireApprovals(ctx, s, tx, now, event, "")
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("expire approval requests: %w", err)
	}
	return out, nil
}

// expireApprovals marks expired the pending requests (those where narrows, with args) whose expiry
// is at or before now, appending event's event for each.
func expireApprovals(ctx context.Context, s *Store, tx *sql.Tx, now time.Time, event func(model.Approval) model.AuditEvent, where string, args ...any) ([]model.Approval, error) {
	rows, err := tx.QueryContext(ctx, `UPDATE approvals SET status = 'expired' WHERE status = 'pending' AND expires_at <= ? `+where+`
		RETURNING `+approvalColumns, append([]any{nanos(now)}, args...)...)
	if err != nil {
		return nil, mapErr(err)
	}
	var expired []model.Approval
	for rows.Next() {
		a, err := scanApproval(rows)
		if err != nil {
			rows.Close()
			return nil, mapErr(err)
		}
		expired = append(expired, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	for _, a := range expired {
		if err := s.appendAudit(ctx, tx, event(a)); err != nil {
			return nil, err
		}
	}
	return expired, nil
}

// closeApproval moves request d.ID from pending to d.Status, or says why it cannot.
func closeApproval(ctx context.Context, tx *sql.Tx, d store.ApprovalDecision) error {
	r, err := tx.ExecContext(ctx, `UPDATE approvals SET status = ?, decided_by = ?, decided_at = ?, decision_reason = ?
		WHERE id = ? AND status = 'pending' AND expires_at > ?`, string(d.Status), d.By, nanos(d.At), d.Reason, d.ID, nanos(d.At))
	if err != nil {
		return mapErr(err)
	}
	if n, _ := r.RowsAffected(); n == 1 {
		return nil
	}
	a, err := scanApproval(tx.QueryRowContext(ctx, `SELECT `+approvalColumns+` FROM approvals WHERE id = ?`, d.ID))
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: #%d", model.ErrUnknownApproval, d.ID)
	}
	if err != nil {
		return mapErr(err)
	}
	return store.ClosedError(a, d.At)
}

func (s *Store) DecideApproval(ctx context.Context, d store.ApprovalDecision) error {
	return s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := closeApproval(ctx, tx, d); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, d.Audit)
	})
}

func (s *Store) ApproveReset(ctx context.Context, d store.ApprovalDecision, accountID string, e model.AuditEvent, notices ...model.Notice) (model.ResetResult, error) {
	return s.resetAccount(ctx, accountID, e, notices, func(ctx context.Context, tx *sql.Tx) error { return closeApproval(ctx, tx, d) })
}

func (t *holderTx) CloseApproval(ctx context.Context, d store.ApprovalDecision) error {
	return closeApproval(nocancel(ctx), t.tx, d)
}

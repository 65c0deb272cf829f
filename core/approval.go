package core

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// Dual control, four eyes (issue 12): the rules are in model/approval.go. Here they are enforced,
// for every way in, since Unlock and ResetAccount ask askApproval before they change anything.

// WithApprovals sets which unlocks and resets need a second person. A core given none enforces
// none (an embedding or test that wants the plain actions); pindesk's settings default to
// model.DefaultApprovalPolicy().
func WithApprovals(p model.ApprovalPolicy) Option { return func(s *Service) { s.approvals = p } }

// Approvals is the dual-control policy in force.
func (s *Service) Approvals() model.ApprovalPolicy { return s.approvals }

func (s *Service) checkApprovals() error {
	p := &s.approvals
	if p.TTL == 0 {
		p.TTL = model.DefaultApprovalTTL
	}
	if p.TTL < time.Minute || p.TTL > 24*time.Hour {
		return fmt.Errorf("%w: an approval request waits 1m..24h, not %v", model.ErrInvalidInput, p.TTL)
	}
	return nil
}

// approvalRule is the rule under which op's action on ref needs a second person, or "" when it
// does not.
func (s *Service) approvalRule(ctx context.Context, op model.Operator, action model.ApprovalAction, ref model.HolderRef) (string, error) {
	if !op.Role.NeedsApproval() {
		return "", nil
	}
	switch {
	case action == model.ApprovalReset && s.approvals.Reset:
		return model.RuleApprovalReset, nil
	case action == model.ApprovalUnlock && s.approvals.Unlock:
		return model.RuleApprovalUnlock, nil
	case action == model.ApprovalUnlock && s.approvals.RepeatUnlock:
		again, err := s.unlockedSince(ctx, ref, s.Now().Add(-model.RepeatUnlockWindow))
		if err != nil || !again {
			return "", err
		}
		return model.RuleApprovalRepeatUnlock, nil
	}
	return "", nil
}

// unlockedSince reports whether the holder was unlocked (by anyone: the desk, the portal, an
// admin, an approved request) since the time, from the audit trail. It runs before the holder's
// lock is taken; a second unlock racing it finds the holder unlocked already (model.ErrNotLocked),
// unless six wrong PINs locked it again in between.
func (s *Service) unlockedSince(ctx context.Context, ref model.HolderRef, since time.Time) (bool, error) {
	q := model.AuditQuery{AccountID: ref.AccountID, Since: since, Limit: 1000}
	for {
		page, err := s.store.Audit(ctx, q)
		if err != nil {
			return false, fmt.Errorf("read the holder's unlocks: %w", err)
		}
		for _, e := range page {
			if e.Action == model.ActionUnlock && e.Holder == ref.ContactID && e.Outcome == "ok" {
				return true, nil
			}
		}
		if len(page) < q.Limit {
			return false, nil
		}
		q.BeforeID = page[len(page)-1].ID
	}
}

// askApproval returns nil when op may do the action at once; otherwise it opens an approval
// request (or finds the one pending for the same holder and action) and returns it as
// *model.ApprovalRequiredError, having changed nothing else.
func (s *Service) askApproval(ctx context.Context, op model.Operator, ch model.Channel, action model.ApprovalAction, ref model.HolderRef, reason, ticket string) error {
	rule, err := s.approvalRule(ctx, op, action, ref)
	if err != nil || rule == "" {
		return err
	}
	if action == model.ApprovalUnlock {
		// A request for an unlock the requester could not do (nothing to unlock, a hard lock a
		// supervisor may not lift) would only be approved into the same refusal: say so now.
		st, err := s.holderState(ctx, ref)
		if err != nil {
			return err
		}
		if _, err := model.UnlockClearsWindow(op.Role, st); errors.Is(err, model.ErrNotLocked) {
			return fmt.Errorf("%w: %s has no lock and no failed attempts", err, ref.ContactID)
		} else if err != nil {
			return fmt.Errorf("%s: %w", ref.ContactID, err)
		}
	}
	now := s.Now()
	a := model.Approval{Action: action, AccountID: ref.AccountID, Holder: ref.ContactID, Reason: reason, Channel: ch, Rule: rule,
		RequestedBy: op.Name, RequesterRole: op.Role, RequesterToken: op.TokenID, Created: now, Expires: now.Add(s.approvals.TTL), Ticket: ticket}
	e := s.event(op, ch, ref, model.ActionApprovalRequest)
	e.Outcome, e.Reason, e.Ticket = string(model.ApprovalPending), string(action)+": "+reason, ticket
	got, created, err := s.store.OpenApproval(ctx, store.NewApproval{Approval: a, Audit: e, Expire: s.expireEvent})
	if err != nil {
		return fmt.Errorf("ask for approval: %w", err)
	}
	s.describeApproval(ctx, &got)
	return &model.ApprovalRequiredError{Request: got, Existing: !created}
}

// holderState is the holder's state as stored, without its lock.
func (s *Service) holderState(ctx context.Context, ref model.HolderRef) (model.HolderState, error) {
	rows, err := s.store.Holders(ctx, ref.AccountID)
	if err != nil {
		return model.HolderState{}, fmt.Errorf("load holders: %w", err)
	}
	for _, h := range rows {
		if h.Ref == ref {
			return h.State(s.policy.MaxFailures), nil
		}
	}
	return store.Holder{Ref: ref}.State(s.policy.MaxFailures), nil
}

// requester is the operator a request's action is performed as.
func requester(a model.Approval) model.Operator {
	return model.Operator{Name: a.RequestedBy, Role: a.RequesterRole}
}

// approvalEvent is an event of request a's life: the requester as operator, the request's id, the
// ticket of the call that asked.
func (s *Service) approvalEvent(a model.Approval, action model.Action, outcome string) model.AuditEvent {
	e := s.event(requester(a), a.Channel, model.HolderRef{AccountID: a.AccountID, ContactID: a.Holder}, action)
	e.Outcome, e.Request, e.Ticket = outcome, a.ID, a.Ticket
	return e
}

func (s *Service) expireEvent(a model.Approval) model.AuditEvent {
	e := s.approvalEvent(a, model.ActionApprovalExpire, string(model.ApprovalExpired))
	e.Reason = fmt.Sprintf("%s: nobody decided by %s UTC", a.Action, a.Expires.UTC().Format("2006-01-02 15:04"))
	return e
}

// ExpireApprovals expires, and audits, every request pending past its expiry. The core does it
// whenever it reads requests; `pindesk serve` sweeps too, so an expiry is audited when nobody
// looks.
func (s *Service) ExpireApprovals(ctx context.Context) (int, error) {
	expired, err := s.store.ExpireApprovals(ctx, s.Now(), s.expireEvent)
	return len(expired), err
}

// describeApproval names the request's account for a person deciding.
func (s *Service) describeApproval(ctx context.Context, a *model.Approval) {
	if acct, err := s.store.Account(ctx, a.AccountID); err == nil {
		a.AccountNumber, a.AccountName = acct.Number, acct.Name
	}
}

// ListApprovals returns the requests pending, oldest first, for those who may decide them.
func (s *Service) ListApprovals(ctx context.Context, op model.Operator) ([]model.Approval, error) {
	if err := op.Require(model.PermApprove); err != nil {
		return nil, err
	}
	if _, err := s.ExpireApprovals(ctx); err != nil {
		return nil, err
	}
	list, err := s.store.PendingApprovals(ctx, s.Now())
	if err != nil {
		return nil, err
	}
	for i := range list {
		s.describeApproval(ctx, &list[i])
	}
	return list, nil
}

// Approval returns one request, whatever its status.
func (s *Service) Approval(ctx context.Context, op model.Operator, id int64) (model.Approval, error) {
	if err := op.Require(model.PermApprove); err != nil {
		return model.Approval{}, err
	}
	if id <= 0 {
		return model.Approval{}, fmt.Errorf("%w: #%d", model.ErrUnknownApproval, id)
	}
	if _, err := s.ExpireApprovals(ctx); err != nil {
		return model.Approval{}, err
	}
	a, err := s.store.Approval(ctx, id)
	if err != nil {
		return model.Approval{}, err
	}
	s.describeApproval(ctx, &a)
	return a, nil
}

// decidable loads request id for op to decide: it must be pending, and not op's own.
func (s *Service) decidable(ctx context.Context, op model.Operator, id int64, verb string) (model.Approval, error) {
	a, err := s.Approval(ctx, op, id)
	if err != nil {
		return a, err
	}
	if !a.Pending(s.Now()) {
		return a, store.ClosedError(a, s.Now())
	}
	if model.SameOperator(op, a.RequestedBy, a.RequesterToken) {
		return a, fmt.Errorf("%w: request #%d is yours (asked by %s); another supervisor must %s it", model.ErrNotPermitted, a.ID, a.RequestedBy, verb)
	}
	return a, nil
}

// Approve approves request id and performs its action as the requester's, in the transaction that
// closes the request: the unlock under the holder's lock, the reset as ResetAccount does. The
// action's audit event carries both names and the request's id. An unlock whose lock has gone
// since it was asked (the holder unlocked by other means, or locked afresh, or hard-locked beyond
// the requester's reach) is not done: the request is closed as void, audited, and the answer says
// why (model.ErrNotLocked, model.ErrHardLocked).
func (s *Service) Approve(ctx context.Context, op model.Operator, id int64) (model.ApprovalResult, error) {
	a, err := s.decidable(ctx, op, id, "approve")
	if err != nil {
		return model.ApprovalResult{}, err
	}
	now := s.Now()
	d := store.ApprovalDecision{ID: a.ID, Status: model.ApprovalApproved, By: op.Name, At: now}
	by := requester(a)
	switch a.Action {
	case model.ApprovalReset:
		e := s.approvalEvent(a, model.ActionReset, "ok")
		e.Reason, e.Approver = a.Reason, op.Name
		res, err := s.store.ApproveReset(ctx, d, a.AccountID, e,
			s.newNotice(by, a.Channel, notice{Type: model.NoticeAccountReset, Ref: model.HolderRef{AccountID: a.AccountID}}))
		if err != nil {
			return model.ApprovalResult{}, fmt.Errorf("approve request #%d: %w", a.ID, err)
		}
		a.Status, a.DecidedBy, a.DecidedAt = model.ApprovalApproved, op.Name, &now
		return model.ApprovalResult{Approval: a, Reset: &res}, nil
	case model.ApprovalUnlock:
		ref := model.HolderRef{AccountID: a.AccountID, ContactID: a.Holder}
		var gone error
		err := s.store.UpdateHolder(ctx, ref, func(tx store.HolderTx) error {
			gone = nil
			h := tx.Holder()
			clearsWindow, err := model.UnlockClearsWindow(by.Role, h.State(s.policy.MaxFailures))
			switch {
			case errors.Is(err, model.ErrNotLocked):
				gone = fmt.Errorf("%w: %s was unlocked since request #%d was asked; nothing was changed, and the request is closed", err, a.Holder, a.ID)
			case err != nil:
				gone = fmt.Errorf("%w: %s was hard-locked since request #%d was asked; nothing was changed, and the request is closed", err, a.Holder, a.ID)
			case h.LockedSince != nil && h.LockedSince.After(a.Created):
				gone = fmt.Errorf("%w: %s was unlocked and locked again since request #%d was asked; nothing was changed, and the request is closed: ask again for this lock", model.ErrNotLocked, a.Holder, a.ID)
			}
			if gone != nil {
				d.Status, d.Reason = model.ApprovalVoid, "the lock the request was about is gone"
				if err := tx.CloseApproval(ctx, d); err != nil {
					return err
				}
				e := s.approvalEvent(a, model.ActionApprovalVoid, string(model.ApprovalVoid))
				e.Approver, e.Reason = op.Name, d.Reason
				return tx.AppendAudit(ctx, e)
			}
			if err := tx.CloseApproval(ctx, d); err != nil {
				return err
			}
			if err := tx.Unlock(ctx); err != nil {
				return err
			}
			if err := tx.ForgetIdempotent(ctx, store.IdempotencyKey{}); err != nil {
				return err
			}
			if clearsWindow {
				if err := tx.ClearHardLock(ctx); err != nil {
					return err
				}
			}
			e := s.approvalEvent(a, model.ActionUnlock, "ok")
			e.Reason, e.Approver = a.Reason, op.Name
			// As an unlock done at once, it ends every verification session of the account
			// (session.go); an approved reset's store call ends them likewise.
			if err := s.appendEnding(ctx, tx, e); err != nil {
				return err
			}
			return s.notify(ctx, tx, by, a.Channel, notice{Type: model.NoticeUnlocked, Ref: ref, Failures: h.Failures})
		})
		if err != nil {
			return model.ApprovalResult{}, fmt.Errorf("approve request #%d: %w", a.ID, err)
		}
		if gone != nil {
			return model.ApprovalResult{}, gone
		}
		a.Status, a.DecidedBy, a.DecidedAt = model.ApprovalApproved, op.Name, &now
		return model.ApprovalResult{Approval: a}, nil
	}
	return model.ApprovalResult{}, fmt.Errorf("%w: request #%d asks for %q, which pindesk does not know", model.ErrInvalidInput, a.ID, a.Action)
}

// Refuse refuses request id with a reason; nothing else changes.
func (s *Service) Refuse(ctx context.Context, op model.Operator, id int64, reason string) (model.Approval, error) {
	reason, err := checkReason(reason)
	if err != nil {
		return model.Approval{}, err
	}
	a, err := s.decidable(ctx, op, id, "refuse")
	if err != nil {
		return model.Approval{}, err
	}
	now := s.Now()
	e := s.approvalEvent(a, model.ActionApprovalRefuse, string(model.ApprovalRefused))
	e.Approver, e.Reason = op.Name, string(a.Action)+" refused: "+reason
	err = s.store.DecideApproval(ctx, store.ApprovalDecision{ID: a.ID, Status: model.ApprovalRefused, By: op.Name, At: now, Reason: reason, Audit: e})
	if err != nil {
		return model.Approval{}, fmt.Errorf("refuse request #%d: %w", a.ID, err)
	}
	a.Status, a.DecidedBy, a.DecidedAt, a.DecisionReason = model.ApprovalRefused, op.Name, &now, reason
	return a, nil
}

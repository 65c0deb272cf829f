package core

import (
	"context"
	"errors"
	"fmt"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// errAfterCount marks a failure of a step that ran after a wrong PIN was compared; Verify then
// records the failure on its own before reporting the error, so an error never buys a free guess.
type errAfterCount struct{ err error }

func (e errAfterCount) Error() string { return e.err.Error() }
func (e errAfterCount) Unwrap() error { return e.err }

// Verify checks the PIN a caller gave. The answer is durable before it is returned: the count, the
// lock, a spent one-time PIN and the audit event commit in one transaction, under the holder's lock,
// so concurrent attempts on one holder are decided one at a time and exactly MaxFailures wrong ones
// are ever compared before the lock.
func (s *Service) Verify(ctx context.Context, op model.Operator, req model.VerifyRequest) (model.VerifyResult, error) {
	if err := op.Require(model.PermVerify); err != nil {
		return model.VerifyResult{}, err
	}
	ch, err := model.ParseChannel(string(req.Channel))
	if err != nil {
		return model.VerifyResult{}, err
	}
	// Canonicalised once: this value, and only this, is compared and its outcome audited.
	pin, err := s.policy.Canonical(req.PIN)
	if err != nil {
		return model.VerifyResult{}, err
	}
	if len(req.IdempotencyKey) > 128 {
		return model.VerifyResult{}, fmt.Errorf("%w: an idempotency key has at most 128 characters", model.ErrInvalidInput)
	}
	acct, ref, err := s.holder(ctx, req.AccountID, req.Holder)
	if err != nil {
		return model.VerifyResult{}, err
	}
	if req.Caller != "" {
		if _, ok := acct.Contact(req.Caller); !ok {
			return model.VerifyResult{}, fmt.Errorf("%w: account %s has no contact %q", model.ErrUnknownHolder, acct.Number, req.Caller)
		}
		if !ref.IsAccountWide() && req.Caller != ref.ContactID {
			return model.VerifyResult{}, fmt.Errorf("%w: a contact's own PIN is given by that contact", model.ErrInvalidInput)
		}
	}
	key := ""
	if req.IdempotencyKey != "" {
		key = op.Name + "\x00" + req.IdempotencyKey
	}
	fingerprint := ref.String() + "/" + req.Caller

	// A request cancelled after the comparison must still commit what it counted.
	ctx = context.WithoutCancel(ctx)
	var res model.VerifyResult
	err = s.store.UpdateHolder(ctx, ref, func(tx store.HolderTx) error {
		if key != "" {
			prev, ok, err := tx.Idempotent(ctx, key)
			if err != nil {
				return err
			}
			if ok {
				if prev.Fingerprint != fingerprint {
					return fmt.Errorf("%w: idempotency key reused for another holder", model.ErrConflict)
				}
				res = prev.Result
				return nil
			}
		}
		r, err := s.decide(ctx, tx, acct, pin)
		if err != nil {
			return err
		}
		e := s.event(op, ch, ref, model.ActionVerify)
		e.Caller, e.Kind, e.Outcome, e.AttemptsLeft = req.Caller, r.MatchedKind, string(r.Outcome), &r.AttemptsLeft
		after := func(err error) error {
			if r.Counted() {
				return errAfterCount{err}
			}
			return err
		}
		if err := tx.AppendAudit(ctx, e); err != nil {
			return after(err)
		}
		if key != "" {
			if err := tx.SaveIdempotent(ctx, key, store.Idempotent{Fingerprint: fingerprint, Result: r}, e.Time); err != nil {
				return after(err)
			}
		}
		res = r
		return nil
	})
	var ac errAfterCount
	if errors.As(err, &ac) {
		s.recordFailure(ctx, op, ch, ref, req.Caller)
		return model.VerifyResult{}, fmt.Errorf("verify: %w", ac.err)
	}
	if err != nil {
		return model.VerifyResult{}, fmt.Errorf("verify: %w", err)
	}
	s.log.Info("verify", "operator", op.Name, "account", ref.AccountID, "holder", ref.ContactID, "outcome", res.Outcome, "attempts_left", res.AttemptsLeft)
	return res, nil
}

// decide runs the decision table on the locked holder and applies its effect.
func (s *Service) decide(ctx context.Context, tx store.HolderTx, acct model.Account, pin string) (model.VerifyResult, error) {
	h := tx.Holder()
	now := s.Now()
	var states []model.PINState
	var sealed []store.SealedPIN
	for _, p := range h.PINs {
		if p.Sealed != nil {
			states = append(states, p.PINState)
			sealed = append(sealed, p)
		}
	}
	binding := h.Ref.Key()
	var keyFault error
	d := model.Decide(s.policy, now, acct.UsesPINs, h.State(s.policy.MaxFailures), states, func() []model.Candidate {
		out := make([]model.Candidate, len(sealed))
		for i, p := range sealed { // every PIN is compared, whatever matched first
			match, err := s.sealer.Compare(binding, p.Sealed, pin)
			out[i] = model.Candidate{PIN: p.PINState, Matches: match}
			if keyFault == nil {
				keyFault = err
			}
		}
		return out
	})
	if keyFault != nil {
		// A PIN that does not open says nothing of the caller's PIN: this process's key is not the
		// database's (rotated while it ran). Counting it would lock out callers who gave the right PIN.
		s.log.Error("a stored PIN does not open under this process's key; nothing was counted. Restart with the database's key file", "account", h.Ref.AccountID, "holder", h.Ref.ContactID, "error", keyFault)
		return model.VerifyResult{}, keyFault
	}
	switch d.Effect {
	case model.EffectCountFailure:
		failures, locked, err := tx.AddFailure(ctx, s.policy.MaxFailures, now)
		if err != nil {
			return model.VerifyResult{}, err
		}
		d = d.Counted(s.policy, failures, locked)
	case model.EffectSucceed:
		if h.Failures != 0 {
			if err := tx.ResetFailures(ctx); err != nil {
				return model.VerifyResult{}, err
			}
		}
		if d.Spend {
			if err := tx.SpendPIN(ctx, d.Result.MatchedKind, now); err != nil {
				return model.VerifyResult{}, err
			}
		}
	}
	return d.Result, nil
}

// recordFailure counts a wrong PIN whose transaction failed after the comparison, in a transaction
// of its own. It does not compare again.
func (s *Service) recordFailure(ctx context.Context, op model.Operator, ch model.Channel, ref model.HolderRef, caller string) {
	err := s.store.UpdateHolder(ctx, ref, func(tx store.HolderTx) error {
		if tx.Holder().LockedSince != nil {
			return nil
		}
		failures, locked, err := tx.AddFailure(ctx, s.policy.MaxFailures, s.Now())
		if err != nil {
			return err
		}
		left := model.Decision{}.Counted(s.policy, failures, locked).Result.AttemptsLeft
		e := s.event(op, ch, ref, model.ActionVerify)
		e.Caller, e.Outcome, e.AttemptsLeft, e.Reason = caller, string(model.OutcomeMismatch), &left, "recorded after an error"
		return tx.AppendAudit(ctx, e)
	})
	if err != nil {
		// The count matters more than its audit line: a guess must never go uncounted.
		err = s.store.UpdateHolder(ctx, ref, func(tx store.HolderTx) error {
			if tx.Holder().LockedSince != nil {
				return nil
			}
			_, _, err := tx.AddFailure(ctx, s.policy.MaxFailures, s.Now())
			return err
		})
	}
	if err != nil {
		s.log.Error("could not record a failed verification", "account", ref.AccountID, "holder", ref.ContactID, "error", err)
	}
}

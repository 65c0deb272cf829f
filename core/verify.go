package core

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"time"

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
	ch, ticket, pin, err := s.verifyEntry(op, req.Channel, req.Ticket, req.PIN, req.IdempotencyKey,
		func() error { return s.RefuseVerify(ctx, op, req) })
	if err != nil {
		return model.VerifyResult{}, err
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
	var key store.IdempotencyKey
	var fingerprint []byte
	if req.IdempotencyKey != "" {
		key = store.IdempotencyKey{Scope: idempotencyScope(op), Key: req.IdempotencyKey}
		// The whole request, PIN included: a key answers only the request that claimed it.
		fingerprint = s.sealer.Fingerprint(ref.AccountID, ref.ContactID, req.Caller, string(ch), pin)
	}

	// A request cancelled after the comparison must still commit what it counted.
	ctx = context.WithoutCancel(ctx)
	var res model.VerifyResult
	err = s.store.UpdateHolder(ctx, ref, func(tx store.HolderTx) error {
		res = model.VerifyResult{}
		if key.Key != "" {
			// The key is claimed before anything is compared, so a key that belongs to another
			// request is refused having compared nothing, whichever holder or server that was.
			now := s.Now()
			prev, found, err := tx.ClaimIdempotent(ctx, key, fingerprint, now, now.Add(s.keyTTL))
			if err != nil {
				return err
			}
			if found {
				res, err = s.replay(ctx, tx, op, ch, req.Caller, ticket, fingerprint, prev)
				return err
			}
		}
		// A slowed desk is refused here, after a replay (which compares nothing) and before the
		// comparison.
		alerted, err := s.deskSlot(ctx, tx, op)
		if err != nil {
			return err
		}
		r, notices, err := s.decide(ctx, tx, acct, pin)
		if err != nil {
			return err
		}
		e := s.event(op, ch, ref, model.ActionVerify)
		e.Caller, e.Kind, e.Outcome, e.AttemptsLeft, e.Ticket = req.Caller, r.MatchedKind, string(r.Outcome), &r.AttemptsLeft, ticket
		after := func(err error) error {
			if r.Counted() {
				return errAfterCount{err}
			}
			return err
		}
		for _, n := range notices {
			if err := s.notify(ctx, tx, op, ch, n); err != nil {
				return after(err)
			}
		}
		if r.LockedSince != nil && tx.Holder().LockedSince == nil {
			// This attempt locked the holder: the answers its keys hold no longer do.
			if err := tx.ForgetIdempotent(ctx, key); err != nil {
				return after(err)
			}
		}
		if r.Outcome == model.OutcomeVerified {
			// The caller is verified for the rest of the call, on every desk: the session opens
			// with the answer, in its event (core/session.go).
			e.Session = newSession()
		}
		if r.Counted() && !alerted {
			if err := s.deskFailure(ctx, tx, op, ch, ref.AccountID); err != nil {
				return after(err)
			}
		}
		// The append comes after every other write but the answer on the key this transaction
		// already holds: it takes the audit chain's head, which must be the last lock taken.
		id, err := tx.AppendAuditID(ctx, e)
		if err != nil {
			return after(err)
		}
		if key.Key != "" {
			if err := tx.SaveIdempotent(ctx, key, r, id); err != nil {
				return after(err)
			}
		}
		res = r
		return nil
	})
	var ac errAfterCount
	if errors.As(err, &ac) {
		s.recordFailure(ctx, op, ch, ref, req.Caller, ticket)
		return model.VerifyResult{}, fmt.Errorf("verify: %w", ac.err)
	}
	if slowed := slowedErr(err); slowed != nil {
		return model.VerifyResult{}, s.refuseSlowed(ctx, op, ch, ref, req.Caller, slowed)
	}
	if err != nil {
		return model.VerifyResult{}, fmt.Errorf("verify: %w", err)
	}
	s.log.Info("verify", "operator", op.Name, "account", ref.AccountID, "holder", ref.ContactID, "outcome", res.Outcome, "attempts_left", res.AttemptsLeft, "replay", res.Replayed)
	return res, nil
}

// idempotencyScope is whose keys a key is among: the API token's (never its operator's name, which
// two tokens may share), or in embedded mode the local operator's.
func idempotencyScope(op model.Operator) string {
	if op.TokenID != "" {
		return "token:" + op.TokenID
	}
	return "local:" + op.Name
}

// replay answers a request whose key was claimed before: with the stored answer when the request
// is the same, audited as a replay of the first answer's event; with ErrIdempotencyMismatch when it
// is not. Nothing is compared or counted either way.
func (s *Service) replay(ctx context.Context, tx store.HolderTx, op model.Operator, ch model.Channel, caller, ticket string, fingerprint []byte, prev store.Idempotent) (model.VerifyResult, error) {
	if !hmac.Equal(prev.Fingerprint, fingerprint) {
		return model.VerifyResult{}, fmt.Errorf("%w: send a new key for a new attempt; nothing was compared or counted", model.ErrIdempotencyMismatch)
	}
	if !prev.Answered {
		// Only a claim whose transaction has not committed lacks an answer, and no store shows one.
		return model.VerifyResult{}, fmt.Errorf("%w: the first request with this idempotency key is still being answered", model.ErrConflict)
	}
	r := prev.Result
	e := s.event(op, ch, tx.Holder().Ref, model.ActionVerify)
	e.Caller, e.Kind, e.Outcome, e.AttemptsLeft, e.ReplayOf, e.Ticket = caller, r.MatchedKind, string(r.Outcome), &r.AttemptsLeft, &prev.EventID, ticket
	if err := tx.AppendAudit(ctx, e); err != nil {
		return model.VerifyResult{}, err
	}
	r.Replayed = true
	return r, nil
}

// decide runs the decision table on the locked holder and applies its effect. It returns the
// notices the customer is owed for what it did (a lock, a hard lock, a success after failures),
// for the caller to write in the same transaction.
func (s *Service) decide(ctx context.Context, tx store.HolderTx, acct model.Account, pin string) (model.VerifyResult, []notice, error) {
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
		return model.VerifyResult{}, nil, keyFault
	}
	var notices []notice
	switch d.Effect {
	case model.EffectCountFailure:
		failures, locked, hard, err := s.countFailure(ctx, tx, now)
		if err != nil {
			return model.VerifyResult{}, nil, err
		}
		d = d.Counted(s.policy, failures, locked)
		notices = lockNotices(h, failures, locked, hard)
	case model.EffectSucceed:
		if h.Failures != 0 {
			if err := tx.ResetFailures(ctx); err != nil {
				return model.VerifyResult{}, nil, err
			}
			// The right PIN after wrong ones: the customer hears of it, in case the wrong ones,
			// or this right one, were not theirs.
			notices = append(notices, notice{Type: model.NoticeVerifiedAfterFailures, Ref: h.Ref, Kind: d.Result.MatchedKind, Failures: h.Failures})
		}
		if d.Spend {
			if err := tx.SpendPIN(ctx, d.Result.MatchedKind, now); err != nil {
				return model.VerifyResult{}, nil, err
			}
		}
	}
	return d.Result, notices, nil
}

// lockNotices are the notices of a counted failure: a hard lock set by it, else a lock set by it.
func lockNotices(h store.Holder, failures int, locked *time.Time, hard hardLock) []notice {
	switch {
	case hard.now:
		// The hard lock's number is the wrong PINs in the rolling window that set it, not the run
		// in a row (which unlocks reset): the customer is told "20 wrong PINs in 24 hours".
		return []notice{{Type: model.NoticeHardLocked, Ref: h.Ref, Failures: hard.inWindow}}
	case locked != nil && h.LockedSince == nil:
		return []notice{{Type: model.NoticeLocked, Ref: h.Ref, Failures: failures}}
	}
	return nil
}

// countFailure counts one wrong PIN twice over, in the holder's transaction: toward the lock
// (MaxFailures in a row) and toward the rolling cap (HardLockFailures in HardLockWindow, across
// unlocks), which hard-locks. It returns the count and the lock as they stand after both, and
// whether this failure set the hard lock.
func (s *Service) countFailure(ctx context.Context, tx store.HolderTx, now time.Time) (int, *time.Time, hardLock, error) {
	// The lock AddFailure returns is read again below, after the hard lock may have set it.
	failures, _, err := tx.AddFailure(ctx, s.policy.MaxFailures, now)
	if err != nil {
		return 0, nil, hardLock{}, err
	}
	recent, lockedNow, hard, err := tx.RecordFailure(ctx, now, s.policy.HardLockWindow, s.policy.HardLockFailures)
	if err != nil {
		return 0, nil, hardLock{}, err
	}
	hardNow := hard != nil && hard.Equal(now) && s.policy.HardLocks(recent) && tx.Holder().HardLockedAt == nil
	if hardNow {
		s.log.Warn("PIN holder hard-locked", "account", tx.Holder().Ref.AccountID, "holder", tx.Holder().Ref.ContactID,
			"failures_in_window", recent, "window", s.policy.HardLockWindow.String())
	}
	return failures, lockedNow, hardLock{now: hardNow, inWindow: recent}, nil
}

// hardLock says whether a counted failure set the hard lock, and how many wrong PINs the rolling
// window then held.
type hardLock struct {
	now      bool
	inWindow int
}

// recordFailure counts a wrong PIN whose transaction failed after the comparison, in a transaction
// of its own. It does not compare again.
func (s *Service) recordFailure(ctx context.Context, op model.Operator, ch model.Channel, ref model.HolderRef, caller, ticket string) {
	err := s.store.UpdateHolder(ctx, ref, func(tx store.HolderTx) error {
		if tx.Holder().LockedSince != nil {
			return nil
		}
		failures, locked, hard, err := s.countFailure(ctx, tx, s.Now())
		if err != nil {
			return err
		}
		if locked != nil {
			if err := tx.ForgetIdempotent(ctx, store.IdempotencyKey{}); err != nil {
				return err
			}
		}
		for _, n := range lockNotices(tx.Holder(), failures, locked, hard) {
			if err := s.notify(ctx, tx, op, ch, n); err != nil {
				return err
			}
		}
		left := model.Decision{}.Counted(s.policy, failures, locked).Result.AttemptsLeft
		e := s.event(op, ch, ref, model.ActionVerify)
		e.Caller, e.Outcome, e.AttemptsLeft, e.Reason, e.Ticket = caller, string(model.OutcomeMismatch), &left, "recorded after an error", ticket
		return tx.AppendAudit(ctx, e)
	})
	if err != nil {
		// The count matters more than its audit line: a guess must never go uncounted.
		err = s.store.UpdateHolder(ctx, ref, func(tx store.HolderTx) error {
			if tx.Holder().LockedSince != nil {
				return nil
			}
			// The count alone: its audit line and notice could not be written a moment ago.
			_, _, _, err := s.countFailure(ctx, tx, s.Now())
			return err
		})
	}
	if err != nil {
		s.log.Error("could not record a failed verification", "account", ref.AccountID, "holder", ref.ContactID, "error", err)
	}
}

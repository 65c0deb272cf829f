package core

import (
	"context"
	"errors"
	"fmt"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// VerifyCaller checks the PIN a caller gave against every PIN they may give: their own and the
// account-wide one (the caller table of package model). Both holders are locked together, in one
// transaction (store.UpdateHolders), so a mismatch counts once against each holder compared, under
// that holder's lock: under any concurrency no holder's PIN is compared more often than its lockout
// allows. The answer is durable before it is returned, as Verify's.
//
// The audit trail gets one event per holder the verification touched, each naming the caller: the
// holder whose PIN matched, every holder a mismatch counted against (with its own attempts left),
// every holder skipped as locked; and when none of these, one event on the caller's own holder.
func (s *Service) VerifyCaller(ctx context.Context, op model.Operator, req model.CallerVerifyRequest) (model.VerifyResult, error) {
	ch, ticket, pin, err := s.verifyEntry(op, req.Channel, req.Ticket, req.PIN, req.IdempotencyKey,
		func() error { return s.RefuseVerifyCaller(ctx, op, req) })
	if err != nil {
		return model.VerifyResult{}, err
	}
	acct, own, err := s.caller(ctx, req.AccountID, req.Contact)
	if err != nil {
		return model.VerifyResult{}, err
	}
	refs := []model.HolderRef{own, {AccountID: acct.ID, ContactID: model.AccountWide}}
	var key store.IdempotencyKey
	var fingerprint []byte
	if req.IdempotencyKey != "" {
		key = store.IdempotencyKey{Scope: idempotencyScope(op), Key: req.IdempotencyKey}
		// Six parts where a holder's verification has five: a key never answers the other kind.
		fingerprint = s.sealer.Fingerprint("caller", acct.ID, own.ContactID, "", string(ch), pin)
	}

	ctx = context.WithoutCancel(ctx) // a request cancelled after the comparison still commits its count
	var res model.VerifyResult
	var counted []model.HolderRef
	err = s.store.UpdateHolders(ctx, refs, func(txs []store.HolderTx) error {
		res, counted = model.VerifyResult{}, nil
		if key.Key != "" {
			now := s.Now()
			prev, found, err := txs[0].ClaimIdempotent(ctx, key, fingerprint, now, now.Add(s.keyTTL))
			if err != nil {
				return err
			}
			if found {
				res, err = s.replay(ctx, txs[0], op, ch, own.ContactID, ticket, fingerprint, prev)
				return err
			}
		}
		// A slowed desk is refused here, after a replay and before any comparison.
		alerted, err := s.deskSlot(ctx, txs[0], op)
		if err != nil {
			return err
		}
		r, touched, notices, err := s.decideCaller(ctx, txs, acct, pin)
		if err != nil {
			return err
		}
		for _, i := range touched.counted {
			counted = append(counted, refs[i])
		}
		after := func(err error) error {
			if len(counted) > 0 {
				return errAfterCount{err}
			}
			return err
		}
		for _, n := range notices {
			if err := s.notify(ctx, txs[n.holder], op, ch, n.notice); err != nil {
				return after(err)
			}
		}
		for i, tx := range txs {
			if touched.lockedNow[i] {
				// This attempt locked the holder: the answers its keys hold no longer do.
				if err := tx.ForgetIdempotent(ctx, key); err != nil {
					return after(err)
				}
			}
		}
		var session string
		if r.Outcome == model.OutcomeVerified {
			// The caller is verified for the rest of the call, on every desk: the session opens
			// with the answer, in the matched holder's event (core/session.go).
			session = newSession()
		}
		if len(counted) > 0 && !alerted { // one wrong PIN for the desk, however many holders it counted against
			if err := s.deskFailure(ctx, txs[0], op, ch, acct.ID); err != nil {
				return after(err)
			}
		}
		// The appends come after every other write but the answer on the key this transaction
		// already holds: they take the audit chain's head, which must be the last lock taken.
		var first int64
		for n, ev := range touched.events {
			e := s.event(op, ch, refs[ev.holder], model.ActionVerify)
			e.Caller, e.Kind, e.Outcome, e.AttemptsLeft, e.Ticket = own.ContactID, ev.kind, string(ev.outcome), &ev.left, ticket
			if ev.outcome == model.OutcomeVerified {
				e.Session = session
			}
			id, err := txs[ev.holder].AppendAuditID(ctx, e)
			if err != nil {
				return after(err)
			}
			if n == 0 {
				first = id
			}
		}
		if key.Key != "" {
			if err := txs[0].SaveIdempotent(ctx, key, r, first); err != nil {
				return after(err)
			}
		}
		res = r
		return nil
	})
	var ac errAfterCount
	if errors.As(err, &ac) {
		for _, ref := range counted {
			s.recordFailure(ctx, op, ch, ref, own.ContactID, ticket)
		}
		return model.VerifyResult{}, fmt.Errorf("verify: %w", ac.err)
	}
	if slowed := slowedErr(err); slowed != nil {
		return model.VerifyResult{}, s.refuseSlowed(ctx, op, ch, own, own.ContactID, slowed)
	}
	if err != nil {
		return model.VerifyResult{}, fmt.Errorf("verify: %w", err)
	}
	s.log.Info("verify caller", "operator", op.Name, "account", own.AccountID, "caller", own.ContactID, "outcome", res.Outcome,
		"matched_holder", res.MatchedHolder, "attempts_left", res.AttemptsLeft, "skipped", len(res.Skipped), "replay", res.Replayed)
	return res, nil
}

// caller resolves the contact who is calling. The account itself does not call.
func (s *Service) caller(ctx context.Context, accountID, contactID string) (model.Account, model.HolderRef, error) {
	acct, ref, err := s.holder(ctx, accountID, contactID)
	if err != nil {
		return acct, ref, err
	}
	if ref.IsAccountWide() {
		return acct, ref, fmt.Errorf("%w: the caller is a contact of the account; the account-wide PIN is compared for every caller", model.ErrInvalidInput)
	}
	return acct, ref, nil
}

// callerEvent is one audit event a caller's verification writes, on holder (an index of its refs).
type callerEvent struct {
	holder  int
	outcome model.Outcome
	kind    model.Kind
	left    int
}

// holderNotice is a notice owed for one holder (an index of the refs).
type holderNotice struct {
	holder int
	notice notice
}

// touched is what decideCaller did to each holder.
type touched struct {
	counted   []int         // holders a failure was counted against
	lockedNow []bool        // by holder: this attempt locked it
	events    []callerEvent // the audit events owed, the first one the answer's
}

// decideCaller runs the caller table on the locked holders (the caller's own first) and applies
// its effects to each: a success to the holder matched, a failure to every holder compared.
func (s *Service) decideCaller(ctx context.Context, txs []store.HolderTx, acct model.Account, pin string) (model.VerifyResult, touched, []holderNotice, error) {
	now := s.Now()
	var t touched
	t.lockedNow = make([]bool, len(txs))
	states := make([]model.HolderState, len(txs))
	for i, tx := range txs {
		states[i] = tx.Holder().State(s.policy.MaxFailures)
	}
	var keyFault error
	d := model.DecideCaller(s.policy, now, acct.UsesPINs, states, func(i int) []model.Candidate {
		h := txs[i].Holder()
		binding := h.Ref.Key()
		var out []model.Candidate
		for _, p := range h.PINs { // every PIN of the holder is compared, whatever matched first
			if p.Sealed == nil {
				continue
			}
			match, err := s.sealer.Compare(binding, p.Sealed, pin)
			out = append(out, model.Candidate{PIN: p.PINState, Matches: match})
			if keyFault == nil {
				keyFault = err
			}
		}
		return out
	})
	if keyFault != nil {
		s.log.Error("a stored PIN does not open under this process's key; nothing was counted. Restart with the database's key file", "account", acct.ID, "error", keyFault)
		return model.VerifyResult{}, t, nil, keyFault
	}
	var notices []holderNotice
	switch {
	case d.Result.Outcome == model.OutcomeMismatch:
		counts := make([]model.HolderCount, len(d.Count))
		for j, i := range d.Count {
			h := txs[i].Holder()
			failures, locked, hard, err := s.countFailure(ctx, txs[i], now)
			if err != nil {
				return model.VerifyResult{}, t, nil, err
			}
			t.counted = append(t.counted, i)
			counts[j] = model.HolderCount{Failures: failures, LockedSince: locked, HardLocked: hard.now || h.HardLockedAt != nil}
			t.lockedNow[i] = locked != nil && h.LockedSince == nil
			for _, n := range lockNotices(h, failures, locked, hard) {
				notices = append(notices, holderNotice{i, n})
			}
		}
		d = d.Counted(s.policy, counts)
		for j, i := range d.Count {
			t.events = append(t.events, callerEvent{holder: i, outcome: model.OutcomeMismatch, left: d.Result.Compared[j].AttemptsLeft})
		}
	case d.Matched >= 0:
		i, h := d.Matched, txs[d.Matched].Holder()
		if d.Succeed && h.Failures != 0 {
			if err := txs[i].ResetFailures(ctx); err != nil {
				return model.VerifyResult{}, t, nil, err
			}
			notices = append(notices, holderNotice{i, notice{Type: model.NoticeVerifiedAfterFailures, Ref: h.Ref, Kind: d.Result.MatchedKind, Failures: h.Failures}})
		}
		if d.Spend {
			if err := txs[i].SpendPIN(ctx, d.Result.MatchedKind, now); err != nil {
				return model.VerifyResult{}, t, nil, err
			}
		}
		t.events = append(t.events, callerEvent{holder: i, outcome: d.Result.Outcome, kind: d.Result.MatchedKind, left: d.Result.AttemptsLeft})
	}
	for _, sk := range d.Result.Skipped {
		for i, st := range states {
			if st.Holder.ContactID == sk.Holder {
				t.events = append(t.events, callerEvent{holder: i, outcome: model.OutcomeLocked})
			}
		}
	}
	if len(t.events) == 0 { // no PIN, not applicable: the attempt is recorded on the caller
		t.events = append(t.events, callerEvent{holder: 0, outcome: d.Result.Outcome, left: d.Result.AttemptsLeft})
	}
	return d.Result, t, notices, nil
}

package core

import (
	"context"
	"fmt"

	"github.com/pindesk/pindesk/model"
)

// CheckPINEntry reports whether an entered PIN is well formed under the policy (MinLength to
// MaxLength ASCII digits), wrapping model.ErrInvalidPIN when not. It is the same check Verify makes
// before comparing anything, so the server can refuse a malformed entry before it charges the
// account's rate limit. The error never contains the entry.
func (s *Service) CheckPINEntry(entered string) error {
	_, err := s.policy.Canonical(entered)
	return err
}

// RefuseVerify refuses a verification whose PIN entry is malformed, and records the refusal.
// Nothing is compared and nothing counts against the holder: a malformed entry is not a guess. It
// is audited as outcome "refused", with the rule the entry broke as the reason (the policy's
// sentence, never the entry or a part of it), so a flood of them shows in the trail. It returns the
// model.ErrInvalidPIN the entry earned; a request naming an unknown account or holder gets that
// error instead, and no event. The core checks the entry itself rather than take a reason from its
// caller, so no other text can reach the trail this way.
func (s *Service) RefuseVerify(ctx context.Context, op model.Operator, req model.VerifyRequest) error {
	return s.refuse(ctx, op, req.Channel, req.Ticket, req.PIN, "verify", "holder", func() (model.HolderRef, string, error) {
		acct, ref, err := s.holder(ctx, req.AccountID, req.Holder)
		if err != nil {
			return ref, "", err
		}
		// The caller is client input: it is recorded only when it names a contact of the account.
		if _, ok := acct.Contact(req.Caller); ok {
			return ref, req.Caller, nil
		}
		return ref, "", nil
	})
}

// RefuseVerifyCaller is RefuseVerify for a caller's verification: the refusal is recorded on the
// caller's own holder, naming the caller. Nothing is compared or counted against any holder.
func (s *Service) RefuseVerifyCaller(ctx context.Context, op model.Operator, req model.CallerVerifyRequest) error {
	return s.refuse(ctx, op, req.Channel, req.Ticket, req.PIN, "verify caller", "caller", func() (model.HolderRef, string, error) {
		_, ref, err := s.caller(ctx, req.AccountID, req.Contact)
		return ref, ref.ContactID, err
	})
}

// refuse is RefuseVerify and RefuseVerifyCaller: the same checks in the same order, then one
// refused event on the holder that resolve finds, naming the caller it returns (if any), logged
// as what with the holder under logKey.
func (s *Service) refuse(ctx context.Context, op model.Operator, channel model.Channel, ticket, pin, what, logKey string,
	resolve func() (ref model.HolderRef, caller string, err error)) error {
	if err := op.Require(model.PermVerify); err != nil {
		return err
	}
	ch, err := model.ParseChannel(string(channel))
	if err != nil {
		return err
	}
	ticket, err = s.ticket(op, ticket) // refused as Verify refuses it, before the entry
	if err != nil {
		return err
	}
	cause := s.CheckPINEntry(pin)
	if cause == nil {
		return fmt.Errorf("%w: the PIN entry is well formed; it is verified, not refused", model.ErrInvalidInput)
	}
	ref, caller, err := resolve()
	if err != nil {
		return err
	}
	e := s.event(op, ch, ref, model.ActionVerify)
	e.Caller, e.Outcome, e.Reason, e.Ticket = caller, model.AuditRefused, cause.Error(), ticket
	if err := s.store.AppendAudit(context.WithoutCancel(ctx), e); err != nil {
		return fmt.Errorf("verify: audit a refused entry: %w", err)
	}
	s.log.Info(what, "operator", op.Name, "account", ref.AccountID, logKey, ref.ContactID, "outcome", model.AuditRefused, "reason", e.Reason)
	return cause
}

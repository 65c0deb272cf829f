package core

import (
	"context"
	"fmt"
	"time"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// CodeSettings configures the codes emailed to a calling contact (issue 11).
type CodeSettings struct {
	// Deliverable: a mail server is configured and this process's outbox is delivered by email
	// (`pindesk serve` with notify.smtp_host). Without it no code is made: the agent is never told
	// "sent" when nothing will send it.
	Deliverable bool
	TTL         time.Duration // how long a code verifies (default 10m)
	PerHolder   int           // codes to one contact per rolling hour (default 3)
	PerToken    int           // codes sent by one token (one desk) per rolling hour (default 20)
}

// Defaults of the code settings.
const (
	DefaultCodeTTL       = 10 * time.Minute
	DefaultCodePerHolder = 3
	DefaultCodePerToken  = 20
	// CodeWindow is the rolling window the send limits count in.
	CodeWindow = time.Hour
	// CodeLength is the digits of a code, when the PIN policy admits it (else the policy's length:
	// a code is verified as a PIN entry, so it must be one).
	CodeLength = 6
)

// WithEmailCodes configures emailed codes; zero fields take the defaults.
func WithEmailCodes(c CodeSettings) Option { return func(s *Service) { s.codes = c } }

func (c CodeSettings) withDefaults() (CodeSettings, error) {
	if c.TTL == 0 {
		c.TTL = DefaultCodeTTL
	}
	if c.PerHolder == 0 {
		c.PerHolder = DefaultCodePerHolder
	}
	if c.PerToken == 0 {
		c.PerToken = DefaultCodePerToken
	}
	if c.TTL < time.Minute || c.TTL > time.Hour || c.PerHolder < 1 || c.PerToken < 1 {
		return c, fmt.Errorf("%w: a code lives 1m..1h and each send limit is at least 1", model.ErrInvalidInput)
	}
	return c, nil
}

// codeBinding seals the outbox's copy of a code to its one notice, so the ciphertext opens nowhere
// else (not as a PIN of the holder, not in another notice).
func codeBinding(n model.Notice) []byte {
	return []byte("pindesk/v1/emailed-code/" + n.AccountID + "/" + n.Holder + "/" + n.ID)
}

// OpenCode opens the sealed code a contact.code notice carries, for the email that delivers it
// (package notify, in `pindesk serve`, which holds the key file). Nothing else ever reads it.
func (s *Service) OpenCode(n model.Notice) (string, error) {
	if n.Type != model.NoticeCodeSent || n.Sealed == nil {
		return "", fmt.Errorf("%w: notice %s carries no code", model.ErrInvalidInput, n.ID)
	}
	return s.sealer.Open(codeBinding(n), n.Sealed)
}

// SendCode emails a one-time code to the calling contact's address on file: 6 digits, valid for
// the code lifetime, stored sealed as the contact's own PIN of kind emailed (replacing an unspent
// one) and verified like any PIN by VerifyCaller, with its lockout and audit, spent by one success.
//
// The code is sealed twice in one transaction: as the holder's PIN, and in the outbox row that the
// email destination opens when it sends (notify); it is never returned, logged or audited. A send
// is refused, and audited as refused with its reason, when the product uses no PINs, the contact
// has no email on file, no mail server will deliver it, the contact's holder is locked, or a send
// limit is reached (codes per contact, and per token, in a rolling hour, counted in the database so
// every server of one PostgreSQL shares them).
func (s *Service) SendCode(ctx context.Context, op model.Operator, req model.CodeRequest) (model.CodeSent, error) {
	if err := op.Require(model.PermVerify); err != nil {
		return model.CodeSent{}, err
	}
	ch, err := model.ParseCallChannel(string(req.Channel))
	if err != nil {
		return model.CodeSent{}, err
	}
	acct, own, err := s.caller(ctx, req.AccountID, req.Contact)
	if err != nil {
		return model.CodeSent{}, err
	}
	contact, _ := acct.Contact(own.ContactID)
	ctx = context.WithoutCancel(ctx) // a send that committed is audited whatever the client does
	masked := model.MaskEmail(contact.Email)
	var refusal error
	switch {
	case !acct.UsesPINs:
		refusal = fmt.Errorf("%w (account %s, product %s)", model.ErrNoPINs, acct.Number, acct.Product)
	case contact.Email == "":
		refusal = fmt.Errorf("%w for %s", model.ErrNoEmail, contact.Name)
	case !s.codes.Deliverable:
		refusal = fmt.Errorf("%w: codes are emailed by `pindesk serve` with notify.smtp_host set", model.ErrCodeUndeliverable)
	}
	if refusal != nil {
		e := s.event(op, ch, own, model.ActionSendCode)
		e.Kind, e.Outcome, e.Reason = model.KindEmailed, model.AuditRefused, refusal.Error()
		if err := s.store.AppendAudit(ctx, e); err != nil {
			return model.CodeSent{}, fmt.Errorf("send code: audit a refusal: %w", err)
		}
		s.log.Info("send code", "operator", op.Name, "account", own.AccountID, "contact", own.ContactID, "outcome", model.AuditRefused, "reason", refusal.Error())
		return model.CodeSent{}, refusal
	}
	policy := s.policy
	if CodeLength >= policy.MinLength && CodeLength <= policy.MaxLength {
		policy.Length = CodeLength
	}
	var out model.CodeSent
	err = s.store.UpdateHolder(ctx, own, func(tx store.HolderTx) error {
		refusal, out = nil, model.CodeSent{}
		now := s.Now()
		refuse := func(err error) error {
			refusal = err
			e := s.event(op, ch, own, model.ActionSendCode)
			e.Kind, e.Outcome, e.Reason = model.KindEmailed, model.AuditRefused, err.Error()
			return tx.AppendAudit(ctx, e)
		}
		if h := tx.Holder(); h.LockedSince != nil {
			what := "locked"
			if h.HardLockedAt != nil {
				what = "hard-locked"
			}
			return refuse(fmt.Errorf("%w: %s is %s; no code is sent until the lock is lifted", model.ErrLocked, contact.Name, what))
		}
		sends, err := tx.CountCodeSend(ctx, idempotencyScope(op), now, CodeWindow, s.codes.PerHolder, s.codes.PerToken)
		if err != nil {
			return err
		}
		if !sends.Recorded {
			if sends.Holder >= s.codes.PerHolder {
				return refuse(&model.CodeLimitError{Limit: model.LimitCodeHolder, RetryAt: sends.HolderOldest.Add(CodeWindow)})
			}
			return refuse(&model.CodeLimitError{Limit: model.LimitCodeToken, RetryAt: sends.ScopeOldest.Add(CodeWindow)})
		}
		code, err := policy.Generate(nil) // nil: crypto/rand
		if err != nil {
			return err
		}
		sealed, err := s.sealer.Seal(own.Key(), code)
		if err != nil {
			return err
		}
		expires := now.Add(s.codes.TTL)
		st := model.PINState{Kind: model.KindEmailed, CreatedAt: now, ExpiresAt: &expires}
		if err := tx.PutPIN(ctx, store.SealedPIN{PINState: st, Sealed: sealed}); err != nil {
			return err
		}
		// A verification answered before this code existed must not be replayed as its answer.
		if err := tx.ForgetIdempotent(ctx, store.IdempotencyKey{}); err != nil {
			return err
		}
		n := s.newNotice(op, ch, notice{Type: model.NoticeCodeSent, Ref: own, Kind: model.KindEmailed})
		n.ExpiresAt = &expires
		if n.Sealed, err = s.sealer.Seal(codeBinding(n), code); err != nil {
			return err
		}
		if err := tx.Notify(ctx, n); err != nil {
			return err
		}
		out = model.CodeSent{ExpiresAt: expires, SentTo: masked}
		e := s.event(op, ch, own, model.ActionSendCode)
		e.Kind, e.Reason = model.KindEmailed, fmt.Sprintf("emailed to %s, valid until %s", masked, expires.Format("15:04 UTC"))
		return tx.AppendAudit(ctx, e)
	})
	if err != nil {
		return model.CodeSent{}, fmt.Errorf("send code: %w", err)
	}
	if refusal != nil {
		s.log.Info("send code", "operator", op.Name, "account", own.AccountID, "contact", own.ContactID, "outcome", model.AuditRefused, "reason", refusal.Error())
		return model.CodeSent{}, refusal
	}
	s.log.Info("send code", "operator", op.Name, "account", own.AccountID, "contact", own.ContactID, "outcome", "ok", "sent_to", masked, "expires_at", out.ExpiresAt)
	return out, nil
}

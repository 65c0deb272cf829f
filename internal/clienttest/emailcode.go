package clienttest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// mailing is a core that emails codes, as `pindesk serve` with notify.smtp_host does.
func mailing(c core.CodeSettings) core.Option {
	c.Deliverable = true
	return core.WithEmailCodes(c)
}

// OutboxCode opens the newest code in the installation's outbox, as the email that delivers it
// does: the one place a test may learn the code.
func (in *Installation) OutboxCode() string {
	in.t.Helper()
	ns, err := in.Store.Notices(context.Background(), store.NoticeQuery{Limit: 10000})
	if err != nil {
		in.t.Fatal(err)
	}
	for i := len(ns) - 1; i >= 0; i-- {
		if ns[i].Type == model.NoticeCodeSent {
			code, err := in.Core.OpenCode(ns[i].Notice)
			if err != nil {
				in.t.Fatal(err)
			}
			return code
		}
	}
	in.t.Fatal("no code in the outbox")
	return ""
}

func codeReq(account, contact string) model.CodeRequest {
	return model.CodeRequest{AccountID: account, Contact: contact, Channel: model.ChannelPhone}
}

// wantCodeLimit: the send was refused by the limit, with the retry time the core gave — over HTTP
// too, where it crosses as a problem and must come back as the same typed error.
func wantCodeLimit(t *testing.T, err error, limit string, retryAt, now time.Time) {
	t.Helper()
	var cl *model.CodeLimitError
	if !errors.As(err, &cl) || !errors.Is(err, model.ErrRateLimited) {
		t.Fatalf("error %v (%T), want a *model.CodeLimitError", err, err)
	}
	if cl.Limit != limit || !cl.RetryAt.Equal(retryAt) {
		t.Fatalf("refused by %s until %v, want %s until %v", cl.Limit, cl.RetryAt, limit, retryAt)
	}
	// Over HTTP the wait (Retry-After) is counted on the installation's clock too, as the limit is.
	if wait, ok := client.RetryAfter(err); ok && wait != retryAt.Sub(now) {
		t.Fatalf("the server says retry after %v, want %v", wait, retryAt.Sub(now))
	}
}

// emailCode holds the backend to the emailed code (issue 11): the answer of a send, each refusal
// as its own typed error, and the code verifying as emailed.
func (s *suite) emailCode(t *testing.T) {
	t.Run("a send answers where (masked) and until when, and the emailed code verifies the caller", func(t *testing.T) {
		in, as := s.fresh(t, mailing(core.CodeSettings{}))
		b := as(Agent)
		in.Clock.Advance(time.Second)
		sent := must[model.CodeSent](t)(b.SendCode(ctx, codeReq(Smith, Mary)))
		if sent.SentTo != "m•••@oneil.example" || !sent.ExpiresAt.Equal(in.Clock.Now().Add(core.DefaultCodeTTL)) {
			t.Fatalf("sent %+v, want to m•••@oneil.example until %v", sent, in.Clock.Now().Add(core.DefaultCodeTTL))
		}
		code := in.OutboxCode()
		res := must[model.VerifyResult](t)(b.VerifyCaller(ctx, model.CallerVerifyRequest{AccountID: Smith, Contact: Mary, PIN: code, Channel: model.ChannelPhone}))
		if res.Outcome != model.OutcomeVerified || res.MatchedKind != model.KindEmailed || res.MatchedHolder != Mary {
			t.Fatalf("verify with the code: %+v, want verified by Mary's emailed code", res)
		}
		if ev := in.Audit(Smith); len(ev) < 2 || ev[1].Action != model.ActionSendCode || ev[1].Outcome != "ok" || ev[1].Operator != Agent.Name {
			t.Fatalf("the send is not audited before the verification: %+v", ev[:2])
		}
	})
	t.Run("a contact without an email is refused", func(t *testing.T) {
		_, as := s.fresh(t, mailing(core.CodeSettings{}))
		_, err := as(Agent).SendCode(ctx, codeReq(Smith, Pat))
		wantErr(t, err, model.ErrNoEmail)
	})
	t.Run("a locked contact is refused, and no code replaces the lock", func(t *testing.T) {
		in, as := s.fresh(t, mailing(core.CodeSettings{}))
		b := as(Agent)
		for range 6 {
			in.Clock.Advance(time.Second)
			must[model.VerifyResult](t)(b.Verify(ctx, vreq(Smith, John, WrongPIN)))
		}
		_, err := b.SendCode(ctx, codeReq(Smith, John))
		wantErr(t, err, model.ErrLocked)
		if h := in.Holder(Smith, John); !h.Locked() || len(h.PINs) != 1 || h.PINs[0].Kind != model.KindMaster {
			t.Fatalf("John after a refused send: %+v", h)
		}
	})
	t.Run("the per-contact limit refuses the next send until the oldest leaves the hour", func(t *testing.T) {
		in, as := s.fresh(t, mailing(core.CodeSettings{}))
		b := as(Agent)
		first := in.Clock.Now()
		for range core.DefaultCodePerHolder {
			must[model.CodeSent](t)(b.SendCode(ctx, codeReq(Smith, Mary)))
			in.Clock.Advance(time.Minute)
		}
		_, err := b.SendCode(ctx, codeReq(Smith, Mary))
		wantCodeLimit(t, err, model.LimitCodeHolder, first.Add(core.CodeWindow), in.Clock.Now())
		// Another contact is not held by Mary's limit.
		must[model.CodeSent](t)(b.SendCode(ctx, codeReq(Smith, John)))
		in.Clock.Advance(first.Add(core.CodeWindow).Sub(in.Clock.Now()))
		must[model.CodeSent](t)(b.SendCode(ctx, codeReq(Smith, Mary)))
	})
	t.Run("the per-token limit refuses a desk's next send to anyone", func(t *testing.T) {
		in, as := s.fresh(t, mailing(core.CodeSettings{PerToken: 2}))
		b := as(Agent)
		first := in.Clock.Now()
		must[model.CodeSent](t)(b.SendCode(ctx, codeReq(Smith, Mary)))
		in.Clock.Advance(time.Minute)
		must[model.CodeSent](t)(b.SendCode(ctx, codeReq(Smith, John)))
		_, err := b.SendCode(ctx, codeReq(Acme, Wile))
		wantCodeLimit(t, err, model.LimitCodeToken, first.Add(core.CodeWindow), in.Clock.Now())
	})
	t.Run("without a mail server no code is made", func(t *testing.T) {
		in, as := s.fresh(t)
		_, err := as(Agent).SendCode(ctx, codeReq(Smith, Mary))
		wantErr(t, err, model.ErrCodeUndeliverable)
		if h := in.Holder(Smith, Mary); len(h.PINs) != 0 {
			t.Fatalf("Mary has PINs after a refused send: %+v", h.PINs)
		}
		ns, err := in.Store.Notices(ctx, store.NoticeQuery{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range ns {
			if n.Type == model.NoticeCodeSent {
				t.Fatalf("a refused send left a code in the outbox: %+v", n.Notice)
			}
		}
	})
}

package storetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/secret"
)

// codeCore is a core over the env's store that emails codes (as `pindesk serve` with SMTP does),
// with the given settings.
func (e *env) codeCore(c core.CodeSettings) *core.Service {
	e.t.Helper()
	sealer, err := secret.New(TestKey)
	if err != nil {
		e.t.Fatal(err)
	}
	c.Deliverable = true
	svc, err := core.New(e.st, sealer, core.WithClock(e.clock), core.WithEmailCodes(c))
	if err != nil {
		e.t.Fatal(err)
	}
	return svc
}

func codeRequest(account, contact string) model.CodeRequest {
	return model.CodeRequest{AccountID: account, Contact: contact, Channel: model.ChannelPhone}
}

// lastCode opens the code of the newest contact.code notice in the outbox, as the email does.
func (e *env) lastCode(svc *core.Service) (string, store.OutboxEntry) {
	e.t.Helper()
	ns := e.notices("")
	for i := len(ns) - 1; i >= 0; i-- {
		if ns[i].Type == model.NoticeCodeSent {
			code, err := svc.OpenCode(ns[i].Notice)
			if err != nil {
				e.t.Fatal(err)
			}
			return code, ns[i]
		}
	}
	e.t.Fatal("no contact.code notice in the outbox")
	return "", store.OutboxEntry{}
}

// runEmailCode holds the store to the emailed code (issue 11): sealed, one-time, expiring,
// counted like a PIN, and sent within limits counted in the database.
func runEmailCode(t *testing.T, newStore func(t *testing.T) store.Store) {
	agent := Agent
	agent.TokenID = "tok-desk-1"

	t.Run("a code emailed to the caller verifies once, as verified by emailed code, and is never stored in clear", func(t *testing.T) {
		e := newEnv(t, newStore)
		svc := e.codeCore(core.CodeSettings{})
		sent, err := svc.SendCode(e.ctx, agent, codeRequest(Smith, Mary))
		if err != nil {
			t.Fatal(err)
		}
		if sent.SentTo != "m•••@oneil.example" || !sent.ExpiresAt.Equal(Start.Add(10*time.Minute)) {
			t.Errorf("sent %+v, want to m•••@oneil.example until 10 minutes from now", sent)
		}
		code, n := e.lastCode(svc)
		if len(code) != 6 || n.Holder != Mary || n.AccountID != Smith || n.ExpiresAt == nil || !n.ExpiresAt.Equal(sent.ExpiresAt) {
			t.Fatalf("notice %+v, code of %d digits", n.Notice, len(code))
		}
		// Nowhere in clear: not the notice's JSON (what webhooks and listings see), not its sealed
		// copy, not the holder's sealed PIN, not the audit trail.
		body, _ := json.Marshal(n.Notice)
		if strings.Contains(string(body), code) || bytes.Contains(n.Sealed, []byte(code)) || strings.Contains(string(body), "sealed") {
			t.Errorf("the outbox row shows the code: %s", body)
		}
		hs, err := e.st.Holders(e.ctx, Smith)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hs {
			for _, p := range h.PINs {
				if bytes.Contains(p.Sealed, []byte(code)) || bytes.Contains(p.Previous, []byte(code)) {
					t.Errorf("%s's %s PIN row holds the code in clear", h.Ref, p.Kind)
				}
			}
		}
		st := e.state(ref(Smith, Mary))
		if len(st.PINs) != 1 || st.PINs[0].Kind != model.KindEmailed || !st.PINs[0].Active(Start) {
			t.Fatalf("Mary's PINs %+v, want one active emailed code", st.PINs)
		}
		res, err := svc.VerifyCaller(e.ctx, agent, callerAttempt(Smith, Mary, code))
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != model.OutcomeVerified || res.MatchedKind != model.KindEmailed || res.MatchedHolder != Mary {
			t.Fatalf("verify with the code: %+v", res)
		}
		// Spent: Mary has no active PIN left, so the same code verifies nobody (caller table row 3).
		e.mustVerifyCaller(Smith, Mary, code, model.OutcomeNoPIN)
		var sends, verifies int
		for _, ev := range e.audit(Smith) {
			if raw, _ := json.Marshal(ev); strings.Contains(string(raw), code) {
				t.Errorf("audit event %d carries the code: %s", ev.ID, raw)
			}
			switch {
			case ev.Action == model.ActionSendCode:
				sends++
				if ev.Holder != Mary || ev.Operator != Agent.Name || ev.Kind != model.KindEmailed || ev.Outcome != "ok" || !strings.Contains(ev.Reason, "m•••@oneil.example") {
					t.Errorf("send audited as %+v", ev)
				}
			case ev.Action == model.ActionVerify && ev.Outcome == string(model.OutcomeVerified):
				verifies++
				if ev.Kind != model.KindEmailed || ev.Holder != Mary {
					t.Errorf("verification audited as %+v, want kind emailed on Mary", ev)
				}
			}
		}
		if sends != 1 || verifies != 1 {
			t.Errorf("%d sends and %d verifications audited, want 1 and 1", sends, verifies)
		}
	})

	t.Run("a code expires after its lifetime, and a new send replaces an unspent one", func(t *testing.T) {
		e := newEnv(t, newStore)
		svc := e.codeCore(core.CodeSettings{TTL: 5 * time.Minute})
		if _, err := svc.SendCode(e.ctx, agent, codeRequest(Smith, John)); err != nil {
			t.Fatal(err)
		}
		first, _ := e.lastCode(svc)
		e.clock.Advance(time.Minute)
		if _, err := svc.SendCode(e.ctx, agent, codeRequest(Smith, John)); err != nil {
			t.Fatal(err)
		}
		second, _ := e.lastCode(svc)
		if first != second {
			r, err := svc.VerifyCaller(e.ctx, agent, callerAttempt(Smith, John, first))
			if err != nil || r.Outcome != model.OutcomeMismatch {
				t.Fatalf("the replaced code: %+v, %v; want mismatch", r, err)
			}
		}
		e.clock.Advance(5 * time.Minute) // the second code was sent a minute in: it expires at 6
		r, err := svc.VerifyCaller(e.ctx, agent, callerAttempt(Smith, John, second))
		if err != nil || r.Outcome != model.OutcomeNoPIN {
			// An expired code leaves John no active PIN: nothing is compared (caller table row 3).
			t.Fatalf("the code after its lifetime: %+v, %v; want no_pin", r, err)
		}
	})

	t.Run("wrong codes count towards the lock like wrong PINs, and a locked caller is sent no code", func(t *testing.T) {
		e := newEnv(t, newStore)
		svc := e.codeCore(core.CodeSettings{PerHolder: 10})
		if _, err := svc.SendCode(e.ctx, agent, codeRequest(Smith, Pat)); err != nil {
			t.Fatal(err)
		}
		code, _ := e.lastCode(svc)
		max := svc.Policy().MaxFailures
		var last model.VerifyResult
		for i := 1; i <= max; i++ {
			pin := wrongPIN(i)
			if pin == code {
				pin = wrongPIN(i + 50)
			}
			r, err := svc.VerifyCaller(e.ctx, agent, callerAttempt(Smith, Pat, pin))
			if err != nil || r.Outcome != model.OutcomeMismatch {
				t.Fatalf("wrong code %d: %+v, %v", i, r, err)
			}
			last = r
		}
		if last.LockedSince == nil || !e.state(ref(Smith, Pat)).Locked() {
			t.Fatalf("after %d wrong codes Pat is not locked: %+v", max, last)
		}
		if r := e.mustVerifyCaller(Smith, Pat, code, model.OutcomeLocked); r.MatchedKind != "" {
			t.Errorf("a locked holder's code was compared: %+v", r)
		}
		before := len(e.notices(""))
		_, err := svc.SendCode(e.ctx, agent, codeRequest(Smith, Pat))
		if !errors.Is(err, model.ErrLocked) || !strings.Contains(err.Error(), "Pat Kirby") {
			t.Fatalf("a send to a locked caller: %v, want ErrLocked naming Pat Kirby", err)
		}
		if len(e.notices("")) != before {
			t.Error("a refused send wrote a notice")
		}
		evs := e.audit(Smith)
		if ev := evs[0]; ev.Action != model.ActionSendCode || ev.Outcome != model.AuditRefused || !strings.Contains(ev.Reason, "locked") {
			t.Errorf("the refusal audited as %+v", ev)
		}
	})

	t.Run("no code goes to a contact without an email, on a product without PINs, or where nothing delivers email", func(t *testing.T) {
		e := newEnv(t, newStore)
		svc := e.codeCore(core.CodeSettings{})
		_, err := svc.SendCode(e.ctx, agent, codeRequest("a-page-01", "c-1"))
		if !errors.Is(err, model.ErrNoEmail) || err.Error() != "no email on file for Person 01" {
			t.Errorf("no email: %v", err)
		}
		if _, err := svc.SendCode(e.ctx, agent, codeRequest(Prepaid, Olive)); !errors.Is(err, model.ErrNoPINs) {
			t.Errorf("no PINs: %v", err)
		}
		// e.svc is a core with no mail server (the embedded app, serve without SMTP).
		if _, err := e.svc.SendCode(e.ctx, agent, codeRequest(Smith, John)); !errors.Is(err, model.ErrCodeUndeliverable) {
			t.Errorf("nothing delivers email: %v", err)
		}
		if _, err := svc.SendCode(e.ctx, Portal, codeRequest(Smith, John)); !errors.Is(err, model.ErrNotPermitted) {
			t.Errorf("the portal sent a code: %v", err)
		}
		if _, err := svc.SendCode(e.ctx, agent, codeRequest(Smith, model.AccountWide)); !errors.Is(err, model.ErrInvalidInput) {
			t.Errorf("a code to the account-wide holder: %v", err)
		}
		for _, n := range e.notices("") {
			if n.Type == model.NoticeCodeSent {
				t.Errorf("a refused send left a code in the outbox: %+v", n.Notice)
			}
		}
		refused := 0
		for _, acct := range []string{"a-page-01", Prepaid, Smith} {
			for _, ev := range e.audit(acct) {
				if ev.Action == model.ActionSendCode && ev.Outcome == model.AuditRefused {
					refused++
				}
			}
		}
		if refused != 3 {
			t.Errorf("%d refusals audited, want 3 (no email, no PINs, no mail server)", refused)
		}
	})

	t.Run("sends are limited per contact and per token in a rolling hour", func(t *testing.T) {
		e := newEnv(t, newStore)
		svc := e.codeCore(core.CodeSettings{PerHolder: 3, PerToken: 5})
		for i := range 3 {
			if _, err := svc.SendCode(e.ctx, agent, codeRequest(Smith, John)); err != nil {
				t.Fatalf("send %d: %v", i+1, err)
			}
			e.clock.Advance(time.Minute)
		}
		_, err := svc.SendCode(e.ctx, agent, codeRequest(Smith, John))
		var cl *model.CodeLimitError
		if !errors.As(err, &cl) || cl.Limit != model.LimitCodeHolder || !cl.RetryAt.Equal(Start.Add(time.Hour)) || !errors.Is(err, model.ErrRateLimited) {
			t.Fatalf("the fourth send to John: %v, want the holder limit until an hour after the first", err)
		}
		// Another desk is held to John's limit too: it counts sends to him, from every token.
		other := Agent2
		other.TokenID = "tok-desk-2"
		if _, err := svc.SendCode(e.ctx, other, codeRequest(Smith, John)); !errors.As(err, &cl) || cl.Limit != model.LimitCodeHolder {
			t.Fatalf("another desk's send to John: %v", err)
		}
		for _, c := range []string{Mary, Pat} {
			if _, err := svc.SendCode(e.ctx, agent, codeRequest(Smith, c)); err != nil {
				t.Fatal(err)
			}
		}
		_, err = svc.SendCode(e.ctx, agent, codeRequest(Acme, Wile))
		if !errors.As(err, &cl) || cl.Limit != model.LimitCodeToken || !cl.RetryAt.Equal(Start.Add(time.Hour)) {
			t.Fatalf("the token's sixth send: %v, want the token limit", err)
		}
		if _, err := svc.SendCode(e.ctx, other, codeRequest(Acme, Wile)); err != nil {
			t.Fatalf("another token is not held to this one's limit: %v", err)
		}
		e.clock.Advance(time.Hour - 3*time.Minute) // the first send to John leaves the window
		if _, err := svc.SendCode(e.ctx, agent, codeRequest(Smith, John)); err != nil {
			t.Fatalf("a send once the oldest left the hour: %v", err)
		}
		limited := 0
		for _, ev := range e.audit(Smith) {
			if ev.Action == model.ActionSendCode && ev.Outcome == model.AuditRefused && strings.Contains(ev.Reason, "limit") {
				limited++
			}
		}
		if limited != 2 {
			t.Errorf("%d sends refused by a limit audited on Smith, want 2", limited)
		}
	})

	t.Run("concurrent sends never pass the token's limit", func(t *testing.T) {
		e := newEnv(t, newStore)
		// Two cores, as two servers on one database: the limit is counted in the store.
		a, b := e.codeCore(core.CodeSettings{PerHolder: 100, PerToken: 4}), e.codeCore(core.CodeSettings{PerHolder: 100, PerToken: 4})
		contacts := []model.HolderRef{ref(Smith, John), ref(Smith, Mary), ref(Smith, Pat), ref(Acme, Wile)}
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, limited := 0, 0
		for i := range 12 {
			svc := a
			if i%2 == 1 {
				svc = b
			}
			h := contacts[i%len(contacts)]
			wg.Go(func() {
				_, err := svc.SendCode(e.ctx, agent, codeRequest(h.AccountID, h.ContactID))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, model.ErrRateLimited):
					limited++
				case errors.Is(err, model.ErrBusy):
					limited++ // SQLite under contention: refused, not sent
				default:
					t.Errorf("send: %v", err)
				}
			})
		}
		wg.Wait()
		if ok != 4 {
			t.Errorf("%d sends went through at once (%d refused), want exactly the token's 4", ok, limited)
		}
		codes := 0
		for _, n := range e.notices("") {
			if n.Type == model.NoticeCodeSent {
				codes++
			}
		}
		if codes != ok {
			t.Errorf("%d codes in the outbox for %d sends", codes, ok)
		}
	})
}

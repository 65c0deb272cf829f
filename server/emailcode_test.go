package server_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

func codePath(account, contact string) string {
	return "/v1/accounts/" + account + "/contacts/" + contact + "/code"
}

// outboxCode opens the newest code in the outbox, as the email that delivers it would.
func (e *env) outboxCode() string {
	e.t.Helper()
	ns, err := e.st.Notices(context.Background(), store.NoticeQuery{Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	for i := len(ns) - 1; i >= 0; i-- {
		if ns[i].Type == model.NoticeCodeSent {
			code, err := e.svc.OpenCode(ns[i].Notice)
			if err != nil {
				e.t.Fatal(err)
			}
			return code
		}
	}
	e.t.Fatal("no code in the outbox")
	return ""
}

// TestAnAgentHasACodeEmailedOverHTTPAndTheCallerVerifiesWithIt: the send route answers 202 with
// where and until when, never the code; the code verifies through verifyCaller as emailed; every
// refusal is its own problem code, validated against the OpenAPI document like every exchange.
func TestAnAgentHasACodeEmailedOverHTTPAndTheCallerVerifiesWithIt(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits, core.WithEmailCodes(core.CodeSettings{Deliverable: true}))
	r := e.call(model.OpAgent, "POST", codePath(acct, bob), map[string]string{"channel": "phone"})
	if r.status != http.StatusAccepted {
		t.Fatalf("send: %d %s", r.status, r.body)
	}
	var sent model.CodeSent
	r.decode(t, &sent)
	if sent.SentTo != "b•••@example.com" || !sent.ExpiresAt.Equal(e.clock.Now().Add(core.DefaultCodeTTL)) {
		t.Errorf("sent %+v", sent)
	}
	code := e.outboxCode()
	if strings.Contains(string(r.body), code) || strings.Contains(e.logs.String(), code) {
		t.Fatal("the answer or the server's log shows the code")
	}
	v := e.call(model.OpAgent, "POST", callerPath(acct, bob), map[string]string{"pin": code, "channel": "phone"})
	var res model.VerifyResult
	v.decode(t, &res)
	if v.status != 200 || res.Outcome != model.OutcomeVerified || res.MatchedKind != model.KindEmailed || res.MatchedHolder != bob {
		t.Fatalf("verify with the code: %d %s, want verified by emailed code", v.status, v.body)
	}

	for _, role := range []model.OperatorRole{model.OpPortal, model.OpAdmin} {
		if r := e.call(role, "POST", codePath(acct, ada), map[string]string{}); r.status != 403 || r.problem(t).Code != "not_permitted" {
			t.Errorf("%s sends a code: %d %s, want 403", role, r.status, r.body)
		}
	}
	if r := e.call(model.OpSupervisor, "POST", codePath(acct, ada), map[string]string{}); r.status != 202 {
		t.Errorf("a supervisor sends a code: %d %s", r.status, r.body)
	}
	bad := []struct {
		name, path string
		body       any
		status     int
		code, says string
	}{
		{"a contact without an email", codePath(acct, cy), map[string]string{}, 409, "no_email", "no email on file for Cy Clerk"},
		{"a product without PINs", codePath(noPINAcct, "c-dee"), map[string]string{}, 409, "no_pins", "uses no support PIN"},
		{"the account-wide holder", codePath(acct, model.AccountWide), map[string]string{}, 400, "invalid_input", "contact"},
		{"an unknown contact", codePath(acct, "c-nobody"), map[string]string{}, 404, "unknown_holder", "c-nobody"},
		{"an unknown field", codePath(acct, ada), map[string]string{"email": "me@evil.example"}, 400, "invalid_input", "email"},
		{"the portal channel", codePath(acct, ada), map[string]string{"channel": "portal"}, 400, "invalid_input", "channel"},
	}
	for _, b := range bad {
		r := e.call(model.OpAgent, "POST", b.path, b.body)
		if p := r.problem(t); r.status != b.status || p.Code != b.code || !strings.Contains(p.Detail, b.says) {
			t.Errorf("%s: %d %+v, want %d %s saying %q", b.name, r.status, p, b.status, b.code, b.says)
		}
	}

	// Ada had one code (from the supervisor); two more fill her hour, the next is refused.
	for i := range 2 {
		if r := e.call(model.OpAgent, "POST", codePath(acct, ada), map[string]string{}); r.status != 202 {
			t.Fatalf("send %d: %d %s", i+2, r.status, r.body)
		}
	}
	r = e.call(model.OpAgent, "POST", codePath(acct, ada), map[string]string{})
	p := r.problem(t)
	retry, _ := strconv.Atoi(r.header.Get("Retry-After"))
	if r.status != 429 || p.Code != "rate_limited" || p.Limit != model.LimitCodeHolder || retry < 1 || p.RetryAfter != retry {
		t.Fatalf("the fourth send in the hour: %d %s (Retry-After %q), want 429 rate_limited, limit code_holder", r.status, r.body, r.header.Get("Retry-After"))
	}
}

func TestAServerThatSendsNoEmailRefusesToMakeACode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits) // no mail server: codes are not deliverable
	before := len(e.auditEvents(acct))
	r := e.call(model.OpAgent, "POST", codePath(acct, ada), map[string]string{"channel": "phone"})
	if p := r.problem(t); r.status != http.StatusNotImplemented || p.Code != "code_unavailable" || !strings.Contains(p.Detail, "notify.smtp_host") {
		t.Fatalf("send: %d %+v, want 501 code_unavailable", r.status, p)
	}
	evs := e.auditEvents(acct)
	if len(evs) != before+1 || evs[0].Action != model.ActionSendCode || evs[0].Outcome != model.AuditRefused {
		t.Errorf("the refusal is not audited: %+v", evs[0])
	}
	if ns, _ := e.st.Notices(context.Background(), store.NoticeQuery{}); len(ns) != 0 {
		for _, n := range ns {
			if n.Type == model.NoticeCodeSent {
				t.Error("a refused send left a code in the outbox")
			}
		}
	}
}

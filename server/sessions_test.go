package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/model"
)

// TestAVerificationSessionFollowsTheCallOverHTTP: over the API (every exchange held to the OpenAPI
// document by internal/apitest), a verification with a ticket opens a session that another agent's
// token sees on the account, the audit is searched by the ticket, and an unlock ends the session.
func TestAVerificationSessionFollowsTheCallOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	callerPath := "/v1/accounts/" + acct + "/contacts/" + ada + "/verify"
	if r := e.call(model.OpAgent, "POST", callerPath, map[string]string{"pin": adaPIN, "channel": "phone", "ticket": "INC-4711"}); r.status != 200 {
		t.Fatalf("verify: %d %s", r.status, r.body)
	}
	var view model.AccountView
	r := e.call(model.OpSupervisor, "GET", "/v1/accounts/"+acct, nil)
	r.decode(t, &view)
	if len(view.Sessions) != 1 {
		t.Fatalf("the account view shows sessions %+v, want one", view.Sessions)
	}
	s := view.Sessions[0]
	if s.Operator != "agent-1" || s.Contact != ada || s.Holder != ada || s.Ticket != "INC-4711" || s.Channel != model.ChannelPhone ||
		s.ExpiresAt.Sub(s.StartedAt) != core.DefaultSessionTTL {
		t.Fatalf("session %+v", s)
	}

	// The audit by ticket, as a page and as an export.
	var page struct{ Events []model.AuditEvent }
	e.call(model.OpSupervisor, "GET", "/v1/audit?ticket="+url.QueryEscape("INC-4711"), nil).decode(t, &page)
	if len(page.Events) != 1 || page.Events[0].Session != s.ID || page.Events[0].Ticket != "INC-4711" {
		t.Fatalf("the audit by ticket: %+v", page.Events)
	}
	if r := e.call(model.OpSupervisor, "GET", "/v1/audit/export?ticket=INC-4711", nil); r.status != 200 || strings.Count(string(r.body), "\n") != 1 ||
		!strings.Contains(string(r.body), `"ticket":"INC-4711"`) || !strings.Contains(string(r.body), `"session":"`+s.ID+`"`) {
		t.Fatalf("the export by ticket: %d %s", r.status, r.body)
	}
	if r := e.call(model.OpSupervisor, "GET", "/v1/audit?ticket="+url.QueryEscape("bad\x1b[2J"), nil); r.status != 400 || r.problem(t).Code != "invalid_input" {
		t.Fatalf("a bad ticket in the query: %d %s", r.status, r.body)
	}

	// An unlock with the call's ticket ends it.
	for range 6 {
		e.call(model.OpAgent, "POST", verifyPath(acct, ada), map[string]string{"pin": wrongPIN})
	}
	e.clock.Advance(time.Minute)
	if r := e.call(model.OpSupervisor, "POST", "/v1/accounts/"+acct+"/holders/"+ada+"/unlock", map[string]string{"reason": "callback", "ticket": "INC-4711"}); r.status != 204 {
		t.Fatalf("unlock: %d %s", r.status, r.body)
	}
	e.call(model.OpAgent, "GET", "/v1/accounts/"+acct, nil).decode(t, &view)
	if len(view.Sessions) != 0 {
		t.Fatalf("after the unlock the account shows %+v", view.Sessions)
	}
	evs := e.auditEvents(acct)
	if evs[0].Action != model.ActionUnlock || evs[0].Ticket != "INC-4711" || evs[0].Session != s.ID ||
		evs[1].Action != model.ActionSessionEnd || evs[1].Session != s.ID || evs[1].Reason != "ended by unlock" {
		t.Fatalf("the unlock and the session's end: %+v, %+v", evs[0], evs[1])
	}
	// Clearing a dispute takes a reason body too, but records no ticket: one is refused.
	if r := e.call(model.OpSupervisor, "POST", disputesPath(acct)+"/dsp_x/clear", map[string]string{"reason": "ok", "ticket": "INC-4711"}); r.status != 400 || !strings.Contains(r.problem(t).Detail, "ticket") {
		t.Fatalf("a ticket on clearing a dispute: %d %s", r.status, r.body)
	}
}

// TestWithTicketsRequiredTheAPIRefusesACallWithoutOne: with call.ticket_required, a verification,
// unlock or reset without a ticket answers 400 ticket_required and changes nothing, as the core
// does for the app and the command line; a ticket too long or with a control character is
// 400 invalid_input.
func TestWithTicketsRequiredTheAPIRefusesACallWithoutOne(t *testing.T) {
	t.Parallel()
	p := model.DefaultPolicy()
	p.TicketRequired = true
	e := newEnv(t, noLimits, core.WithPolicy(p))
	var pol model.Policy
	e.call(model.OpAgent, "GET", "/v1/policy", nil).decode(t, &pol)
	if !pol.TicketRequired {
		t.Fatalf("the policy does not say a ticket is required: %+v", pol)
	}
	before := e.auditCount(acct)
	refused := []struct {
		name         string
		role         model.OperatorRole
		method, path string
		body         map[string]string
	}{
		{"verify", model.OpAgent, "POST", verifyPath(acct, ada), map[string]string{"pin": adaPIN}},
		{"verify a malformed entry", model.OpAgent, "POST", verifyPath(acct, ada), map[string]string{"pin": "12"}},
		{"verify the caller", model.OpAgent, "POST", "/v1/accounts/" + acct + "/contacts/" + ada + "/verify", map[string]string{"pin": adaPIN, "ticket": " "}},
		{"unlock", model.OpSupervisor, "POST", "/v1/accounts/" + acct + "/holders/" + ada + "/unlock", map[string]string{"reason": "callback"}},
		{"reset", model.OpSupervisor, "POST", "/v1/accounts/" + acct + "/reset", map[string]string{"reason": "fraud"}},
	}
	for _, c := range refused {
		r := e.call(c.role, c.method, c.path, c.body)
		if p := r.problem(t); r.status != http.StatusBadRequest || p.Code != "ticket_required" || !strings.Contains(p.Detail, "ticket") {
			t.Errorf("%s without a ticket: %d %+v, want 400 ticket_required", c.name, r.status, p)
		}
	}
	for _, bad := range []string{strings.Repeat("x", 65), "INC\x1b[31m"} {
		r := e.call(model.OpAgent, "POST", verifyPath(acct, ada), map[string]string{"pin": adaPIN, "ticket": bad})
		if r.status != 400 || r.problem(t).Code != "invalid_input" {
			t.Errorf("ticket %q: %d %s, want 400 invalid_input", bad, r.status, r.body)
		}
	}
	if e.auditCount(acct) != before || len(e.holder(acct, ada).PINs) != 1 {
		t.Fatal("a refused call changed something")
	}
	if r := e.call(model.OpAgent, "POST", verifyPath(acct, ada), map[string]string{"pin": adaPIN, "ticket": "INC-1"}); r.status != 200 {
		t.Fatalf("with a ticket: %d %s", r.status, r.body)
	}
}

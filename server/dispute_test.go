package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

func disputesPath(account string) string { return "/v1/accounts/" + account + "/disputes" }

// sentNotice is the id of the newest notice of the type written for the account.
func (e *env) sentNotice(account string, typ model.NoticeType) string {
	e.t.Helper()
	ns, err := e.st.Notices(context.Background(), store.NoticeQuery{Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	id := ""
	for _, n := range ns {
		if n.AccountID == account && n.Type == typ {
			id = n.ID
		}
	}
	if id == "" {
		e.t.Fatalf("no %s notice for %s", typ, account)
	}
	return id
}

// TestTheCustomerDisputesANoticeOverHTTPAndASupervisorClearsIt: "that wasn't me" end to end over
// the API: only a portal token disputes, only a notice of the same account, with clear refusals
// that change nothing; the dispute hard-locks (a supervisor's unlock is 409 hard_locked), shows on
// the account view for every agent, and a supervisor clears it with a reason.
func TestTheCustomerDisputesANoticeOverHTTPAndASupervisorClearsIt(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	e.call(model.OpAgent, "POST", verifyPath(acct, ada), map[string]string{"pin": wrongPIN, "channel": "phone"})
	if r := e.call(model.OpAgent, "POST", verifyPath(acct, ada), map[string]string{"pin": adaPIN, "channel": "phone"}); r.status != 200 {
		t.Fatalf("verify: %d %s", r.status, r.body)
	}
	event := e.sentNotice(acct, model.NoticeVerifiedAfterFailures)
	otherAccounts := e.sentNotice(resetAcct, model.NoticePINSet)
	before := e.auditCount(acct)

	for _, role := range []model.OperatorRole{model.OpAgent, model.OpSupervisor, model.OpTrainer, model.OpAdmin} {
		r := e.call(role, "POST", disputesPath(acct), map[string]string{"event": event})
		if p := r.problem(t); r.status != http.StatusForbidden || p.Code != "not_permitted" || !strings.Contains(p.Detail, "may not dispute a notice") {
			t.Errorf("%s disputes: %d %+v, want 403 not_permitted", role, r.status, p)
		}
	}
	bad := []struct {
		name   string
		body   any
		status int
		code   string
		says   string
	}{
		{"another account's notice", map[string]string{"event": otherAccounts}, 400, "invalid_input", "was sent no notice"},
		{"an unknown notice", map[string]string{"event": "ntc_NOPE"}, 400, "invalid_input", "was sent no notice"},
		{"no notice", map[string]string{"text": "not me"}, 400, "invalid_input", "event"},
		{"an unknown field", map[string]string{"event": event, "holder": ada}, 400, "invalid_input", "holder"},
		{"text with a terminal escape", map[string]string{"event": event, "text": "\x1b]0;pwned\x07"}, 400, "invalid_input", "control character"},
		{"text too long", map[string]string{"event": event, "text": strings.Repeat("é", 501)}, 400, "invalid_input", "at most 500"},
	}
	for _, b := range bad {
		r := e.call(model.OpPortal, "POST", disputesPath(acct), b.body)
		if p := r.problem(t); r.status != b.status || p.Code != b.code || !strings.Contains(p.Detail, b.says) {
			t.Errorf("%s: %d %+v, want %d %s saying %q", b.name, r.status, p, b.status, b.code, b.says)
		}
	}
	if r := e.call(model.OpPortal, "POST", disputesPath("acc-nobody"), map[string]string{"event": event}); r.status != 404 {
		t.Errorf("an unknown account: %d %s, want 404", r.status, r.body)
	}
	if e.auditCount(acct) != before || e.holder(acct, ada).HardLocked {
		t.Fatal("a refused dispute changed something")
	}

	r := e.call(model.OpPortal, "POST", disputesPath(acct), map[string]string{"event": event, "text": "I was asleep"})
	if r.status != http.StatusCreated {
		t.Fatalf("dispute: %d %s", r.status, r.body)
	}
	var res model.DisputeResult
	r.decode(t, &res)
	if res.Holder != ada || res.EventID != event || res.EventType != model.NoticeVerifiedAfterFailures || strings.Contains(string(r.body), "asleep") {
		t.Fatalf("dispute answer %s", r.body)
	}
	if r := e.call(model.OpPortal, "POST", disputesPath(acct), map[string]string{"event": event}); r.status != 409 || r.problem(t).Code != "conflict" {
		t.Fatalf("disputing again: %d %s, want 409 conflict", r.status, r.body)
	}
	if ev := e.auditEvents(acct)[0]; ev.Action != model.ActionDispute || !strings.Contains(ev.Reason, event) {
		t.Fatalf("audited as %+v", ev)
	}
	if r := e.call(model.OpSupervisor, "POST", unlockPath(acct, ada), map[string]string{"reason": "caller insists"}); r.status != 409 || r.problem(t).Code != "hard_locked" {
		t.Fatalf("a supervisor's unlock after the dispute: %d %s, want 409 hard_locked", r.status, r.body)
	}

	var view model.AccountView
	e.call(model.OpAgent, "GET", "/v1/accounts/"+acct, nil).decode(t, &view)
	if len(view.Disputes) != 1 || view.Disputes[0] != res.Dispute {
		t.Fatalf("the agent's view has disputes %+v, want %+v", view.Disputes, res.Dispute)
	}
	clear := disputesPath(acct) + "/" + res.ID + "/clear"
	for _, role := range []model.OperatorRole{model.OpAgent, model.OpPortal} {
		if r := e.call(role, "POST", clear, map[string]string{"reason": "checked"}); r.status != 403 {
			t.Errorf("%s clears: %d %s, want 403", role, r.status, r.body)
		}
	}
	if r := e.call(model.OpSupervisor, "POST", clear, map[string]string{"reason": ""}); r.status != 400 || !strings.Contains(r.problem(t).Detail, "reason") {
		t.Errorf("a clear without a reason: %d %s, want 400 naming the reason", r.status, r.body)
	}
	if r := e.call(model.OpSupervisor, "POST", disputesPath(resetAcct)+"/"+res.ID+"/clear", map[string]string{"reason": "checked"}); r.status != 400 {
		t.Errorf("clearing another account's dispute: %d %s, want 400", r.status, r.body)
	}
	if r := e.call(model.OpSupervisor, "POST", clear, map[string]string{"reason": "called the customer back"}); r.status != http.StatusNoContent {
		t.Fatalf("clear: %d %s", r.status, r.body)
	}
	e.call(model.OpAgent, "GET", "/v1/accounts/"+acct, nil).decode(t, &view)
	if len(view.Disputes) != 0 {
		t.Fatalf("cleared, the view still has %+v", view.Disputes)
	}
	if ev := e.auditEvents(acct)[0]; ev.Action != model.ActionDisputeClear || ev.Role != model.OpSupervisor {
		t.Fatalf("clear audited as %+v", ev)
	}
}

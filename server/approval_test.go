package server_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pindesk/pindesk/api"
	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/server"
	"github.com/pindesk/pindesk/store/secret"
)

// withApprovals serves e's store again with dual control on (pindesk's default settings), on e's
// clock and tokens; every exchange is still checked against the OpenAPI document.
func (e *env) withApprovals(t *testing.T) {
	t.Helper()
	sealer, err := secret.New(bytes.Repeat([]byte{7}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := core.New(e.st, sealer, core.WithClock(e.clock), core.WithApprovals(model.DefaultApprovalPolicy()))
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(svc, e.st, noLimits)
	ts := httptest.NewServer(spec.Middleware(t, srv))
	t.Cleanup(ts.Close)
	e.svc, e.srv, e.url, e.hc = svc, srv, ts.URL, ts.Client()
}

func approvalPath(id int64, verb string) string {
	p := "/v1/approvals/" + strconv.FormatInt(id, 10)
	if verb != "" {
		p += "/" + verb
	}
	return p
}

// TestDualControlOverHTTP: a reset answers 202 with the request it opened and changes nothing; the
// same token, or another token of the same name, cannot approve it; an agent cannot see it; a
// second supervisor lists and approves it, which resets the account, audited with both names and
// the asking call's ticket; and a refusal and an expiry answer as the contract says.
func TestDualControlOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	e.withApprovals(t)
	e.tokens["supervisor-2"] = e.issue("supervisor-2", model.OpSupervisor)
	sameName := e.issue("SUPERVISOR-1", model.OpSupervisor)
	resetPath := "/v1/accounts/" + resetAcct + "/reset"

	r := e.call(model.OpSupervisor, "POST", resetPath, map[string]string{"reason": "fraud suspected", "channel": "phone", "ticket": "INC-4711"})
	var pend api.ApprovalRequired
	r.decode(t, &pend)
	a := pend.Approval
	if r.status != http.StatusAccepted || pend.Existing || a.ID == 0 || a.Status != model.ApprovalPending || a.RequestedBy != "supervisor-1" ||
		a.Action != model.ApprovalReset || a.Ticket != "INC-4711" || r.header.Get("Location") != approvalPath(a.ID, "") || !a.Expires.Equal(e.clock.Now().Add(15*time.Minute)) {
		t.Fatalf("reset: %d %s (Location %q)", r.status, r.body, r.header.Get("Location"))
	}
	if e.holder(resetAcct, "c-eve").PINs == nil || len(e.holder(resetAcct, "c-eve").PINs) != 1 {
		t.Fatal("a reset waiting for approval revoked the PIN")
	}
	if r := e.call(model.OpSupervisor, "POST", resetPath, map[string]string{"reason": "again"}); r.status != http.StatusAccepted {
		t.Fatalf("asking again: %d %s", r.status, r.body)
	} else if r.decode(t, &pend); !pend.Existing || pend.Approval.ID != a.ID {
		t.Fatalf("asking again: %s, want request #%d, existing", r.body, a.ID)
	}

	for _, tok := range []string{e.tokens[model.OpSupervisor], sameName} {
		r := e.callToken(tok, "POST", approvalPath(a.ID, "approve"), nil)
		if p := r.problem(t); r.status != http.StatusForbidden || p.Code != api.CodeNotPermitted || !strings.Contains(p.Detail, "another supervisor must approve") {
			t.Errorf("self-approval: %d %+v", r.status, p)
		}
	}
	for _, role := range []model.OperatorRole{model.OpAgent, model.OpPortal} {
		if r := e.call(role, "GET", "/v1/approvals", nil); r.status != http.StatusForbidden {
			t.Errorf("%s lists requests: %d", role, r.status)
		}
	}
	if p := e.call(model.OpAdmin, "GET", "/v1/approvals/x", nil).problem(t); p.Code != api.CodeInvalidInput {
		t.Errorf("a request number that is not one: %+v", p)
	}
	if r := e.call(model.OpAdmin, "POST", approvalPath(999, "approve"), nil); r.status != http.StatusNotFound || r.problem(t).Code != api.CodeUnknownApproval {
		t.Errorf("an unknown request: %d %s", r.status, r.body)
	}

	var list api.ApprovalList
	if r := e.callToken(e.tokens["supervisor-2"], "GET", "/v1/approvals", nil); r.status != 200 {
		t.Fatalf("list: %d %s", r.status, r.body)
	} else if r.decode(t, &list); len(list.Approvals) != 1 || list.Approvals[0].ID != a.ID || list.Approvals[0].AccountNumber != "100003" {
		t.Fatalf("list: %s", r.body)
	}
	r = e.callToken(e.tokens["supervisor-2"], "POST", approvalPath(a.ID, "approve"), nil)
	var res model.ApprovalResult
	if r.decode(t, &res); r.status != 200 || res.Approval.Status != model.ApprovalApproved || res.Reset == nil || res.Reset.RevokedPINs != 1 {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	ev := e.auditEvents(resetAcct)[0]
	if ev.Action != model.ActionReset || ev.Operator != "supervisor-1" || ev.Approver != "supervisor-2" || ev.Request != a.ID || ev.Ticket != "INC-4711" {
		t.Fatalf("audited %+v", ev)
	}
	if r := e.call(model.OpAdmin, "POST", approvalPath(a.ID, "approve"), nil); r.status != http.StatusConflict || r.problem(t).Code != api.CodeApprovalClosed {
		t.Fatalf("approve twice: %d %s", r.status, r.body)
	}

	// A refusal, then an expiry.
	r = e.call(model.OpSupervisor, "POST", resetPath, map[string]string{"reason": "fraud again"})
	r.decode(t, &pend)
	if r := e.call(model.OpAdmin, "POST", approvalPath(pend.Approval.ID, "refuse"), map[string]string{}); r.status != 400 {
		t.Fatalf("refuse without a reason: %d %s", r.status, r.body)
	}
	var refused model.Approval
	r = e.call(model.OpAdmin, "POST", approvalPath(pend.Approval.ID, "refuse"), map[string]string{"reason": "no fraud: the customer called"})
	if r.decode(t, &refused); r.status != 200 || refused.Status != model.ApprovalRefused || refused.DecidedBy != "admin-1" {
		t.Fatalf("refuse: %d %s", r.status, r.body)
	}
	r = e.call(model.OpSupervisor, "POST", resetPath, map[string]string{"reason": "fraud once more"})
	r.decode(t, &pend)
	e.clock.Advance(15 * time.Minute)
	r = e.call(model.OpAdmin, "POST", approvalPath(pend.Approval.ID, "approve"), nil)
	if p := r.problem(t); r.status != http.StatusConflict || p.Code != api.CodeApprovalClosed || !strings.Contains(p.Detail, "expired") {
		t.Fatalf("approve after 15 minutes: %d %+v", r.status, p)
	}
	var got model.Approval
	if e.call(model.OpAdmin, "GET", approvalPath(pend.Approval.ID, ""), nil).decode(t, &got); got.Status != model.ApprovalExpired {
		t.Fatalf("the request after 15 minutes: %+v", got)
	}
}

// TestTheAppsRemoteBackendAsksOverHTTPAndAnotherSupervisorsApprovesInTheApp: the app on one
// supervisor's token gets the typed answer Local gives (*model.ApprovalRequiredError) for a repeat
// unlock; the app of another supervisor lists and approves it through client.Approvals; the first
// cannot approve it from their app.
func TestTheAppsRemoteBackendAsksOverHTTPAndAnotherSupervisorsApprovesInTheApp(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	e.withApprovals(t)
	ctx := context.Background()
	remote := func(name string) *client.Remote {
		r, err := client.NewRemote(e.url, e.issue(name, model.OpSupervisor), client.WithTransport(e.hc.Transport))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	first, second := remote("sue"), remote("sam")
	lock := func() {
		for range 6 {
			e.call(model.OpAgent, "POST", verifyPath(acct, ada), map[string]string{"pin": wrongPIN, "channel": "phone"})
		}
	}
	lock()
	if err := first.Unlock(ctx, model.UnlockRequest{AccountID: acct, Holder: ada, Reason: "first call-back"}); err != nil {
		t.Fatalf("a first unlock: %v", err)
	}
	lock()
	err := first.Unlock(ctx, model.UnlockRequest{AccountID: acct, Holder: ada, Reason: "second call-back"})
	var ar *model.ApprovalRequiredError
	if !errors.As(err, &ar) || ar.Request.Rule != model.RuleApprovalRepeatUnlock || ar.Request.RequestedBy != "sue" {
		t.Fatalf("a repeat unlock from the app: %v", err)
	}
	if !e.holder(acct, ada).Locked() {
		t.Fatal("the request unlocked")
	}
	if _, err := first.Approve(ctx, ar.Request.ID); !errors.Is(err, model.ErrNotPermitted) {
		t.Fatalf("sue approves her own: %v", err)
	}
	list, err := second.ListApprovals(ctx)
	if err != nil || len(list) != 1 || list[0].ID != ar.Request.ID {
		t.Fatalf("sam's list: %+v, %v", list, err)
	}
	if _, err := second.Approve(ctx, ar.Request.ID); err != nil {
		t.Fatal(err)
	}
	if e.holder(acct, ada).Locked() {
		t.Fatal("still locked after the approval")
	}
	if _, err := second.Refuse(ctx, ar.Request.ID, "too late"); !errors.Is(err, model.ErrApprovalClosed) {
		t.Fatalf("refusing an approved request: %v", err)
	}
}

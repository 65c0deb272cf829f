package server_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pindesk/pindesk/api"
	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/model"
)

// alertAccounts adds five accounts with a PIN each, for one desk to fail across.
func (e *env) alertAccounts() []string {
	e.t.Helper()
	ctx := context.Background()
	admin := model.Operator{Name: "setup", Role: model.OpAdmin}
	var accts []model.Account
	var ids []string
	for i := 1; i <= 5; i++ {
		id := fmt.Sprintf("acc-alert-%d", i)
		ids = append(ids, id)
		accts = append(accts, model.Account{ID: id, Number: fmt.Sprintf("90000%d", i), Name: "Alert " + id, Product: "broadband", UsesPINs: true,
			Contacts: []model.Contact{{ID: "c-1", Name: "Holder " + id, Role: model.RoleHolder}}})
	}
	if err := e.svc.Import(ctx, admin, accts); err != nil {
		e.t.Fatal(err)
	}
	for _, id := range ids {
		if _, err := e.svc.Set(ctx, admin, model.PINChange{AccountID: id, Holder: "c-1", Kind: model.KindMaster}, adaPIN); err != nil {
			e.t.Fatal(err)
		}
	}
	return ids
}

func (e *env) metric(name string) string {
	e.t.Helper()
	m := e.callToken("", "GET", "/metrics", nil)
	for _, line := range strings.Split(string(m.body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return v
		}
	}
	e.t.Fatalf("/metrics has no %s", name)
	return ""
}

// TestADeskFailingAcrossAccountsIsAlertedSlowedAndClearedOverHTTP: an agent token's ten wrong PINs
// across five accounts raise an alert (on /metrics, listed for supervisors); the token's next
// verification is 429 desk_slowed with Retry-After, never compared; client.Remote maps it back to
// *model.DeskSlowedError; a supervisor clears it with a reason and the desk is at full pace again.
func TestADeskFailingAcrossAccountsIsAlertedSlowedAndClearedOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	ids := e.alertAccounts()
	if e.metric("pindesk_alerts_open") != "0" || e.metric("pindesk_alerts_raised_total") != "0" {
		t.Fatal("alerts on /metrics before any failure")
	}
	for i := range 10 {
		r := e.call(model.OpAgent, "POST", verifyPath(ids[i%5], "c-1"), map[string]string{"pin": wrongPIN, "channel": "phone"})
		if r.status != http.StatusOK {
			t.Fatalf("wrong PIN %d: %d %s", i, r.status, r.body)
		}
	}
	if e.metric("pindesk_alerts_open") != "1" || e.metric("pindesk_alerts_raised_total") != "1" {
		t.Fatalf("/metrics after the alert: open %s, raised %s", e.metric("pindesk_alerts_open"), e.metric("pindesk_alerts_raised_total"))
	}

	e.clock.Advance(6 * time.Second)
	before := e.holder(acct, ada).Failures
	r := e.call(model.OpAgent, "POST", verifyPath(acct, ada), map[string]string{"pin": adaPIN, "channel": "phone"})
	p := r.problem(t)
	if r.status != http.StatusTooManyRequests || p.Code != api.CodeDeskSlowed || p.RetryAfter != 24 || r.header.Get("Retry-After") != "24" ||
		!strings.Contains(p.Detail, "next verification in 24s") {
		t.Fatalf("a slowed desk's verify: %d %s (Retry-After %q)", r.status, r.body, r.header.Get("Retry-After"))
	}
	if got := e.holder(acct, ada).Failures; got != before {
		t.Fatalf("the slowed verification counted: %d → %d", before, got)
	}
	// The same through client.Remote: the typed error, with the wait.
	rem, err := client.NewRemote(e.url, e.tokens[model.OpAgent])
	if err != nil {
		t.Fatal(err)
	}
	_, err = rem.VerifyCaller(context.Background(), model.CallerVerifyRequest{AccountID: acct, Contact: ada, PIN: adaPIN, Channel: model.ChannelPhone})
	var slowed *model.DeskSlowedError
	if !errors.As(err, &slowed) || slowed.Wait != 24*time.Second {
		t.Fatalf("client.Remote: %v, want a *model.DeskSlowedError waiting 24s", err)
	}
	// Another token is another desk.
	if r := e.call(model.OpSupervisor, "POST", verifyPath(acct, ada), map[string]string{"pin": adaPIN, "channel": "phone"}); r.status != http.StatusOK {
		t.Fatalf("another desk: %d %s", r.status, r.body)
	}

	// Listing and clearing: a supervisor's, trainer's or admin's.
	for _, role := range []model.OperatorRole{model.OpAgent, model.OpPortal} {
		if r := e.call(role, "GET", "/v1/alerts", nil); r.status != http.StatusForbidden {
			t.Errorf("%s lists alerts: %d", role, r.status)
		}
	}
	var list api.AlertsResponse
	r = e.call(model.OpSupervisor, "GET", "/v1/alerts", nil)
	r.decode(t, &list)
	if r.status != http.StatusOK || len(list.Alerts) != 1 || !strings.HasPrefix(list.Alerts[0].Desk, "token:") ||
		list.Alerts[0].Operator != "agent-1" || list.Alerts[0].Failures != 10 || list.Alerts[0].Accounts != 5 {
		t.Fatalf("alerts: %d %s", r.status, r.body)
	}
	id := list.Alerts[0].ID
	clearPath := "/v1/alerts/" + id + "/clear"
	if r := e.call(model.OpAgent, "POST", clearPath, map[string]string{"reason": "mine"}); r.status != http.StatusForbidden {
		t.Fatalf("an agent clears: %d", r.status)
	}
	if r := e.call(model.OpSupervisor, "POST", clearPath, map[string]string{"reason": " "}); r.status != http.StatusBadRequest || r.problem(t).Code != api.CodeInvalidInput {
		t.Fatalf("a clear without a reason: %d %s", r.status, r.body)
	}
	if r := e.call(model.OpSupervisor, "POST", "/v1/alerts/alt_nope/clear", map[string]string{"reason": "x"}); r.status != http.StatusBadRequest {
		t.Fatalf("an unknown alert: %d %s", r.status, r.body)
	}
	if r := e.call(model.OpSupervisor, "POST", clearPath, map[string]string{"reason": "token rotated; agent retrained"}); r.status != http.StatusNoContent {
		t.Fatalf("clear: %d %s", r.status, r.body)
	}
	if r := e.call(model.OpSupervisor, "POST", clearPath, map[string]string{"reason": "again"}); r.status != http.StatusConflict {
		t.Fatalf("clear twice: %d %s", r.status, r.body)
	}
	if e.metric("pindesk_alerts_open") != "0" || e.metric("pindesk_alerts_raised_total") != "1" {
		t.Fatal("/metrics after the clear")
	}
	for range 2 {
		if r := e.call(model.OpAgent, "POST", verifyPath(acct, ada), map[string]string{"pin": adaPIN, "channel": "phone"}); r.status != http.StatusOK {
			t.Fatalf("after the clear: %d %s", r.status, r.body)
		}
	}
	cleared := false
	for _, ev := range e.auditEvents("") {
		cleared = cleared || ev.Action == model.ActionAlertClear && strings.Contains(ev.Reason, id) && strings.HasSuffix(ev.Reason, "token rotated; agent retrained")
	}
	if !cleared {
		t.Fatal("no alert_clear event naming the alert and the reason")
	}
}

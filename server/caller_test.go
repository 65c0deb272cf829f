package server_test

import (
	"context"
	"testing"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/server"
)

func callerPath(account, contact string) string {
	return "/v1/accounts/" + account + "/contacts/" + contact + "/verify"
}

// TestTheCallerRouteComparesEveryPINTheCallerMayGive: the desk names who is calling; the answer
// says which holder and kind matched, and a locked holder is named as skipped, over real HTTP
// (every answer checked against the OpenAPI document by the env's middleware).
func TestTheCallerRouteComparesEveryPINTheCallerMayGive(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	ctx := context.Background()
	const widePIN = "305728"
	portal := model.Operator{Name: "portal", Role: model.OpPortal}
	if _, err := e.svc.Set(ctx, portal, model.PINChange{AccountID: acct, Holder: model.AccountWide, Kind: model.KindMaster, OnBehalfOf: ada}, widePIN); err != nil {
		t.Fatal(err)
	}
	var r model.VerifyResult
	resp := e.call(model.OpAgent, "POST", callerPath(acct, cy), map[string]string{"pin": widePIN, "channel": "phone"})
	resp.decode(t, &r)
	if resp.status != 200 || r.Outcome != model.OutcomeVerified || r.MatchedHolder != model.AccountWide || r.MatchedKind != model.KindMaster {
		t.Fatalf("Cy giving the account-wide PIN: %d %s", resp.status, resp.body)
	}
	// Ada's own holder locks; her next attempt compares only the account-wide PIN and says so.
	for range 6 {
		e.call(model.OpAgent, "POST", verifyPath(acct, ada), map[string]string{"pin": wrongPIN})
	}
	resp = e.call(model.OpAgent, "POST", callerPath(acct, ada), map[string]string{"pin": wrongPIN})
	r = model.VerifyResult{}
	resp.decode(t, &r)
	if r.Outcome != model.OutcomeMismatch || len(r.Skipped) != 1 || r.Skipped[0].Holder != ada || len(r.Compared) != 1 || r.Compared[0].Holder != model.AccountWide || r.AttemptsLeft != 5 {
		t.Fatalf("Ada locked, a wrong PIN: %s", resp.body)
	}
	for _, c := range []struct {
		name, path string
		body       any
		status     int
		code       string
	}{
		{"the account is not a caller", callerPath(acct, model.AccountWide), map[string]string{"pin": widePIN}, 400, "invalid_input"},
		{"an unknown caller is refused", callerPath(acct, "c-nobody"), map[string]string{"pin": widePIN}, 404, "unknown_holder"},
		{"a caller field is not part of this body", callerPath(acct, cy), map[string]string{"pin": widePIN, "caller": ada}, 400, "invalid_input"},
		{"a malformed PIN is refused", callerPath(acct, cy), map[string]string{"pin": "12a456"}, 400, "invalid_pin"},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp := e.call(model.OpAgent, "POST", c.path, c.body)
			if resp.status != c.status || resp.problem(t).Code != c.code {
				t.Fatalf("answered %d %s, want %d %s", resp.status, resp.body, c.status, c.code)
			}
		})
	}
	if resp := e.call(model.OpAdmin, "POST", callerPath(acct, cy), map[string]string{"pin": widePIN}); resp.status != 403 {
		t.Fatalf("an admin verified a caller: %d", resp.status)
	}
}

// TestTheCallerRouteKeepsTheVerifyRouteLimits: the account's bucket is shared by both routes.
func TestTheCallerRouteKeepsTheVerifyRouteLimits(t *testing.T) {
	t.Parallel()
	cfg := server.Config{TokenVerifyLimit: server.Limit{PerSecond: -1}, AccountVerifyLimit: server.Limit{PerSecond: 0.01, Burst: 3}}
	e := newEnv(t, cfg)
	for i := range 3 {
		if r := e.call(model.OpAgent, "POST", callerPath(acct, ada), map[string]string{"pin": adaPIN}); r.status != 200 {
			t.Fatalf("attempt %d: %d %s", i+1, r.status, r.body)
		}
	}
	r := e.call(model.OpAgent, "POST", verifyPath(acct, ada), map[string]string{"pin": adaPIN})
	if r.status != 429 || r.problem(t).Limit != model.LimitAccount {
		t.Fatalf("the fourth attempt on the account answered %d %s, want 429 account", r.status, r.body)
	}
}

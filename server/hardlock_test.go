package server_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/server"
)

func unlockPath(account, holder string) string {
	return "/v1/accounts/" + account + "/holders/" + holder + "/unlock"
}

// TestUnlocksAreRateLimitedPerToken: a supervisor's token may unlock 10 times an hour; the 11th
// answers 429 with Retry-After, is not performed (the holder keeps its failure, nothing is
// audited), and /metrics counts both. Roles that cannot verify are not limited.
func TestUnlocksAreRateLimitedPerToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits) // verification limits off; the unlock limit keeps its default
	unlock := func(role model.OperatorRole) response {
		return e.call(role, "POST", unlockPath(acct, ada), map[string]string{"reason": "caller identified"})
	}
	for i := 0; i < 10; i++ {
		// One wrong PIN gives the unlock something to clear (11 in all stay under the rolling cap).
		if r := e.call(model.OpAgent, "POST", verifyPath(acct, ada), map[string]string{"pin": wrongPIN, "channel": "phone"}); r.status != 200 {
			t.Fatalf("verify: %d %s", r.status, r.body)
		}
		if r := unlock(model.OpSupervisor); r.status != http.StatusNoContent {
			t.Fatalf("unlock %d: %d %s", i+1, r.status, r.body)
		}
	}
	e.call(model.OpAgent, "POST", verifyPath(acct, ada), map[string]string{"pin": wrongPIN, "channel": "phone"})
	before := e.auditCount(acct)
	r := unlock(model.OpSupervisor)
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("the 11th unlock in an hour: %d %s, want 429", r.status, r.body)
	}
	p := r.problem(t)
	if p.Code != "rate_limited" || !strings.Contains(p.Detail, "unlocks") {
		t.Fatalf("problem %+v, want rate_limited about unlocks", p)
	}
	if secs, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || secs < 1 || secs > 3600 {
		t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
	}
	if st := e.holder(acct, ada); st.Failures != 1 {
		t.Fatalf("a refused unlock was performed: %+v", st)
	}
	if e.auditCount(acct) != before {
		t.Fatal("a refused unlock was audited")
	}
	// The portal and an admin, which cannot verify, are not limited: the portal unlocks for every
	// customer through one token.
	for _, role := range []model.OperatorRole{model.OpPortal, model.OpAdmin} {
		for i := 0; i < 11; i++ {
			e.call(model.OpAgent, "POST", verifyPath(resetAcct, "c-eve"), map[string]string{"pin": wrongPIN, "channel": "phone"})
			if r := e.call(role, "POST", unlockPath(resetAcct, "c-eve"), map[string]string{"reason": "customer asked"}); r.status != http.StatusNoContent {
				t.Fatalf("%s unlock %d: %d %s", role, i+1, r.status, r.body)
			}
		}
	}
	// The limit is per token: another supervisor's token still may.
	other := e.issue("supervisor-2", model.OpSupervisor)
	if r := e.callToken(other, "POST", unlockPath(acct, ada), map[string]string{"reason": "caller identified"}); r.status != http.StatusNoContent {
		t.Fatalf("another token's unlock: %d %s", r.status, r.body)
	}
	text := string(e.callToken("", "GET", "/metrics", nil).body)
	for _, want := range []string{"pindesk_unlocks_total 33", "pindesk_unlocks_rate_limited_total 1"} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestAHardLockedHolderAnswersHardLockedToASupervisorOverHTTP: the rolling cap reached, a
// supervisor's unlock is 409 hard_locked with the sentence that says who can help, the account
// view shows hard_locked, and the portal's unlock works.
func TestAHardLockedHolderAnswersHardLockedToASupervisorOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{TokenVerifyLimit: server.Limit{PerSecond: -1}, AccountVerifyLimit: server.Limit{PerSecond: -1}, TokenUnlockLimit: server.Limit{PerSecond: -1}})
	p := e.svc.Policy()
	for i := 0; i < p.HardLockFailures; i++ {
		r := e.call(model.OpAgent, "POST", verifyPath(acct, ada), map[string]string{"pin": wrongPIN, "channel": "phone"})
		if r.status != 200 {
			t.Fatalf("verify %d: %d %s", i, r.status, r.body)
		}
		if st := e.holder(acct, ada); st.Locked() && !st.HardLocked {
			if r := e.call(model.OpSupervisor, "POST", unlockPath(acct, ada), map[string]string{"reason": "x"}); r.status != 204 {
				t.Fatalf("unlock: %d %s", r.status, r.body)
			}
		}
	}
	var view model.AccountView
	e.call(model.OpAgent, "GET", "/v1/accounts/"+acct, nil).decode(t, &view)
	if h, _ := view.Holder(ada); !h.HardLocked || !h.Locked() {
		t.Fatalf("the account view shows %+v, want hard_locked", h)
	}
	for _, role := range []model.OperatorRole{model.OpSupervisor, model.OpTrainer} {
		r := e.call(role, "POST", unlockPath(acct, ada), map[string]string{"reason": "caller insists"})
		if r.status != http.StatusConflict {
			t.Fatalf("%s unlock of a hard-locked holder: %d %s", role, r.status, r.body)
		}
		if pr := r.problem(t); pr.Code != "hard_locked" || !strings.Contains(pr.Detail, "the customer must set a new PIN in the portal, or an admin must unlock") {
			t.Fatalf("problem %+v", pr)
		}
	}
	if r := e.call(model.OpPortal, "POST", unlockPath(acct, ada), map[string]string{"reason": "customer reset"}); r.status != 204 {
		t.Fatalf("portal unlock: %d %s", r.status, r.body)
	}
	if st := e.holder(acct, ada); st.HardLocked || st.Locked() {
		t.Fatalf("after the portal's unlock: %+v", st)
	}
}

// TestOnlyThePortalReceivesAGeneratedPINOverTheAPI: generate draws and stores a PIN for every role
// that may change PINs, but the answer carries the PIN for the portal only.
func TestOnlyThePortalReceivesAGeneratedPINOverTheAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	for _, c := range []struct {
		role    model.OperatorRole
		wantPIN bool
	}{{model.OpPortal, true}, {model.OpAdmin, false}} {
		r := e.call(c.role, "POST", pinPath(acct, ada, model.KindTemporary)+"/generate", map[string]string{"on_behalf_of": ada})
		if r.status != 200 {
			t.Fatalf("%s generate: %d %s", c.role, r.status, r.body)
		}
		var g model.GeneratedPIN
		r.decode(t, &g)
		if (g.PIN != "") != c.wantPIN || strings.Contains(string(r.body), `"pin"`) != c.wantPIN {
			t.Fatalf("%s generate answered %s; PIN wanted: %v", c.role, r.body, c.wantPIN)
		}
		if g.State.Kind != model.KindTemporary {
			t.Fatalf("%s generate: state %+v", c.role, g.State)
		}
	}
	// A trainer on this (real) database may not generate at all.
	r := e.call(model.OpTrainer, "POST", pinPath(acct, ada, model.KindTemporary)+"/generate", map[string]string{"on_behalf_of": ada})
	if r.status != http.StatusForbidden || !strings.Contains(r.problem(t).Detail, "demo database") {
		t.Fatalf("trainer generate on a real database: %d %s", r.status, r.body)
	}
}

// TestAVerificationIsRecordedOnlyUnderACallChannel: channel admin or portal is refused as invalid
// input, and nothing is counted.
func TestAVerificationIsRecordedOnlyUnderACallChannel(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	before := e.auditCount(acct)
	for _, ch := range []string{"admin", "portal"} {
		r := e.call(model.OpAgent, "POST", verifyPath(acct, ada), map[string]string{"pin": wrongPIN, "channel": ch})
		if r.status != http.StatusBadRequest {
			t.Fatalf("channel %s: %d %s", ch, r.status, r.body)
		}
		if p := r.problem(t); p.Code != "invalid_input" || !strings.Contains(p.Detail, "phone, chat or other") {
			t.Fatalf("channel %s: %+v", ch, p)
		}
	}
	if e.auditCount(acct) != before || e.holder(acct, ada).Failures != 0 {
		t.Fatal("a refused verification was counted or audited")
	}
}

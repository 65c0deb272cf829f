package server_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/server"
)

// malformed are PIN entries the policy refuses before any comparison. None can appear by chance
// in a refusal's sentence, so finding one there would mean the entry leaked.
var malformed = []string{"abc", "98x765", "9876", "98765432109", "98 765", "٩٨٧٦٥٤", "98765\n", "-98765", "0x9876", "", "abcdef", "9876.5"}

// TestMalformedPINEntriesCostTheSenderNotTheAccount: junk sent at an account must not empty the
// account's bucket, which every desk shares, and so lock real agents out of it; it is charged to
// the sending token, and each one is audited as refused with the rule it broke, never the entry.
func TestMalformedPINEntriesCostTheSenderNotTheAccount(t *testing.T) {
	t.Parallel()
	// Slow refills, so nothing refills while the test runs.
	cfg := server.Config{
		TokenVerifyLimit:   server.Limit{PerSecond: 0.01, Burst: 20},
		AccountVerifyLimit: server.Limit{PerSecond: 0.01, Burst: 12},
	}
	t.Run("12+ malformed entries leave the account's bucket full for an agent on another token", func(t *testing.T) {
		e := newEnv(t, cfg)
		for _, pin := range append(malformed, "zzzzzz", "1") { // 14 entries, more than the account burst
			r := e.call(model.OpAgent, "POST", verifyPath(acct, ada), map[string]string{"pin": pin, "channel": "phone"})
			if r.status != 400 || r.problem(t).Code != "invalid_pin" {
				t.Fatalf("entry %q answered %d %s, want 400 invalid_pin", pin, r.status, r.body)
			}
		}
		for i := 0; i < cfg.AccountVerifyLimit.Burst; i++ {
			r := e.call(model.OpSupervisor, "POST", verifyPath(acct, ada), map[string]string{"pin": adaPIN})
			if r.status != 200 {
				t.Fatalf("a real verification %d on another token answered %d: %s", i+1, r.status, r.body)
			}
		}
		// The bucket was full, and no fuller: the next one is refused by the account limit.
		if r := e.call(model.OpTrainer, "POST", verifyPath(acct, ada), map[string]string{"pin": adaPIN}); r.status != 429 {
			t.Fatalf("verification %d answered %d, want 429 from the account's limit", cfg.AccountVerifyLimit.Burst+1, r.status)
		}
		if h := e.holder(acct, ada); h.Failures != 0 || h.Locked() {
			t.Fatalf("malformed entries counted against the holder: %+v", h)
		}
	})
	t.Run("each malformed entry is audited refused, with a reason and no PIN", func(t *testing.T) {
		e := newEnv(t, cfg)
		for _, pin := range malformed {
			e.call(model.OpAgent, "POST", verifyPath(acct, ada), map[string]string{"pin": pin, "channel": "phone"})
		}
		var refused []model.AuditEvent
		for _, ev := range e.auditEvents(acct) {
			if ev.Action == model.ActionVerify {
				refused = append(refused, ev)
			}
		}
		if len(refused) != len(malformed) {
			t.Fatalf("%d verify events, want %d (one per malformed entry)", len(refused), len(malformed))
		}
		for _, ev := range refused {
			if ev.Outcome != "refused" || ev.Reason == "" || ev.Holder != ada || ev.Operator != "agent-1" || ev.Channel != model.ChannelPhone || ev.AttemptsLeft != nil {
				t.Errorf("event %+v, want outcome refused with a reason, by agent-1 on the phone, for %s", ev, ada)
			}
		}
		// The log's clock readings and durations are digits that may hold "9876" by chance: they
		// are not from the entry, so they are left out of the search.
		trail := regexp.MustCompile(`"(time|duration)":("[^"]*"|[0-9]+)`).ReplaceAllString(e.logs.String(), "")
		for _, ev := range refused {
			trail += ev.Reason + "\n"
		}
		for _, pin := range malformed {
			if strings.TrimSpace(pin) != "" && strings.Contains(trail, strings.TrimSpace(pin)) {
				t.Errorf("entry %q appears in the audit or the log", pin)
			}
		}
		for _, part := range []string{"9876", "abc"} { // not even a part of one
			if strings.Contains(trail, part) {
				t.Errorf("part %q of an entry appears in the audit or the log", part)
			}
		}
	})
	t.Run("malformed entries drain the sender's token bucket, and only it", func(t *testing.T) {
		e := newEnv(t, server.Config{
			TokenVerifyLimit:   server.Limit{PerSecond: 0.01, Burst: 15},
			AccountVerifyLimit: server.Limit{PerSecond: 0.01, Burst: 12},
		})
		for i := 0; i < 15; i++ { // more than the account's burst: they are all the token's
			if r := e.call(model.OpAgent, "POST", verifyPath(acct, ada), map[string]string{"pin": "abc"}); r.status != 400 {
				t.Fatalf("malformed entry %d answered %d: %s", i+1, r.status, r.body)
			}
		}
		for _, pin := range []string{"abc", adaPIN} {
			r := e.call(model.OpAgent, "POST", verifyPath(acct, ada), map[string]string{"pin": pin})
			if r.status != 429 || !strings.Contains(r.problem(t).Detail, "token") {
				t.Fatalf("after its burst of junk, the sender's %q answered %d %s, want 429 from the token's limit", pin, r.status, r.body)
			}
		}
		if r := e.call(model.OpSupervisor, "POST", verifyPath(acct, ada), map[string]string{"pin": adaPIN}); r.status != 200 {
			t.Fatalf("another token answered %d: %s", r.status, r.body)
		}
	})
	t.Run("a malformed entry for an unknown account is refused as such and audits nothing", func(t *testing.T) {
		e := newEnv(t, cfg)
		before := e.auditCount("")
		r := e.call(model.OpAgent, "POST", verifyPath("acc-404", ada), map[string]string{"pin": "abc"})
		if r.status != 404 || e.auditCount("") != before {
			t.Fatalf("answered %d %s and wrote %d events", r.status, r.body, e.auditCount("")-before)
		}
	})
}

// TestRequestBodiesAreDecodedStrictly: a key must match exactly, once. encoding/json matched keys
// case-insensitively and let a repeated key silently override the first, so {"PIN": ...} verified
// and {"pin": wrong, "pin": right} verified the second.
func TestRequestBodiesAreDecodedStrictly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	unlock := "/v1/accounts/" + acct + "/holders/" + ada + "/unlock"
	cases := []struct {
		name string
		role model.OperatorRole
		path string
		body string
		says string // a phrase the detail must contain: the key, named
	}{
		{"a key in the wrong case is refused", model.OpAgent, verifyPath(acct, ada), `{"PIN": "135790"}`, `"PIN" is not a field`},
		{"a key in mixed case is refused", model.OpAgent, verifyPath(acct, ada), `{"pin": "135790", "Channel": "phone"}`, `"Channel" is not a field`},
		{"a duplicate key is refused, not overridden", model.OpAgent, verifyPath(acct, ada), `{"pin": "000000", "pin": "135790"}`, `"pin" is given more than once`},
		{"a duplicate key differing only in case is refused", model.OpAgent, verifyPath(acct, ada), `{"pin": "135790", "Pin": "135790"}`, `"Pin"`},
		{"an unknown key is refused", model.OpAgent, verifyPath(acct, ada), `{"pin": "135790", "lock": false}`, `"lock" is not a field`},
		{"a duplicate reason is refused", model.OpSupervisor, unlock, `{"reason": "asked", "reason": "x"}`, `"reason" is given more than once`},
		{"a nested key in the wrong case is refused, with where it is", model.OpAdmin, "/v1/import",
			`{"accounts": [{"id": "x1", "number": "9", "Name": "X", "product": "p", "uses_pins": true, "contacts": []}]}`, `"Name" in accounts/0 is not a field of this request (keys are case-sensitive)`},
		{"a nested duplicate key is refused", model.OpAdmin, "/v1/import",
			`{"accounts": [{"id": "x1", "id": "x2", "number": "9", "name": "X", "contacts": []}]}`, `"id" in accounts/0 is given more than once`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := e.auditCount("")
			r := e.call(c.role, "POST", c.path, c.body)
			if r.status != 400 {
				t.Fatalf("status %d, want 400: %s", r.status, r.body)
			}
			if p := r.problem(t); p.Code != "invalid_input" || !strings.Contains(p.Detail, c.says) {
				t.Errorf("problem %q %q, want invalid_input saying %q", p.Code, p.Detail, c.says)
			}
			if strings.Contains(string(r.body), "135790") || strings.Contains(string(r.body), "000000") {
				t.Errorf("the answer quotes a value: %s", r.body)
			}
			if after := e.auditCount(""); after != before {
				t.Errorf("a refused body wrote %d audit events", after-before)
			}
			if h := e.holder(acct, ada); h.Failures != 0 || h.Locked() {
				t.Errorf("holder changed: %+v", h)
			}
		})
	}
}

// TestReasonsAndTokenNamesRefuseControlCharacters: both are shown on terminals (the audit trail,
// token lists), where an ESC sequence would be run and a bidi override would reverse the text.
func TestReasonsAndTokenNamesRefuseControlCharacters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	cases := []struct {
		name string
		role model.OperatorRole
		path string
		body map[string]string
		says string
	}{
		{"an unlock reason with ESC", model.OpSupervisor, "/v1/accounts/" + acct + "/holders/" + ada + "/unlock",
			map[string]string{"reason": "caller verified \x1b[32m✓ by id"}, "reason contains the control character U+001B"},
		{"a reset reason with a bidi override", model.OpSupervisor, "/v1/accounts/" + resetAcct + "/reset",
			map[string]string{"reason": "fraud \u202Edetcepsus"}, "reason contains the control character U+202E"},
		{"a reset reason with a C1 control", model.OpSupervisor, "/v1/accounts/" + resetAcct + "/reset",
			map[string]string{"reason": "fraud \u009b31m"}, "reason contains the control character U+009B"},
		{"a token name with ESC", model.OpAdmin, "/v1/tokens",
			map[string]string{"name": "desk\x1b]0;owned\x07", "role": "agent"}, "token name contains the control character U+001B"},
		{"a token name with a bidi isolate", model.OpAdmin, "/v1/tokens",
			map[string]string{"name": "desk\u2067-7", "role": "agent"}, "token name contains the control character U+2067"},
	}
	for _, c := range cases {
		t.Run(c.name+" is refused naming the field", func(t *testing.T) {
			before := e.auditCount("")
			r := e.call(c.role, "POST", c.path, c.body)
			if r.status != 400 {
				t.Fatalf("status %d, want 400: %s", r.status, r.body)
			}
			if p := r.problem(t); p.Code != "invalid_input" || !strings.Contains(p.Detail, c.says) {
				t.Errorf("problem %q %q, want invalid_input saying %q", p.Code, p.Detail, c.says)
			}
			if e.auditCount("") != before {
				t.Errorf("a refused request was audited")
			}
		})
	}
	if h := e.holder(resetAcct, "c-eve"); len(h.PINs) == 0 {
		t.Errorf("a refused reset revoked the PINs: %+v", h)
	}
}

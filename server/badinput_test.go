package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/server"
)

// TestBadInputIsRefusedClearlyAndWritesNothing sends malformed, oversized, mistyped and unknown
// input to the routes that write, and checks each is a 4xx problem with a stable code and a
// sentence naming what is wrong, and that neither the audit trail nor the holder changed.
func TestBadInputIsRefusedClearlyAndWritesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	verify := verifyPath(acct, ada)
	long := strings.Repeat("x", 5000)
	cases := []struct {
		name    string
		role    model.OperatorRole
		method  string
		path    string
		body    any
		headers []string
		status  int
		code    string
		says    string // a phrase the detail must contain
	}{
		{"malformed JSON is refused", model.OpAgent, "POST", verify, `{"pin": "135`, nil, 400, "invalid_input", "ends too early"},
		{"broken JSON syntax is refused", model.OpAgent, "POST", verify, `{"pin" "135790"}`, nil, 400, "invalid_input", "malformed JSON"},
		{"an empty body is refused", model.OpAgent, "POST", verify, ``, nil, 400, "invalid_input", "empty"},
		{"a JSON array instead of an object is refused", model.OpAgent, "POST", verify, `["135790"]`, nil, 400, "invalid_input", "object"},
		{"a PIN sent as a number is refused", model.OpAgent, "POST", verify, `{"pin": 135790}`, nil, 400, "invalid_input", `"pin" must be a string`},
		{"an unknown field is refused", model.OpAgent, "POST", verify, `{"pin": "135790", "operator": "mallory"}`, nil, 400, "invalid_input", `"operator" is not a field`},
		{"trailing data after the object is refused", model.OpAgent, "POST", verify, `{"pin": "135790"} {"pin": "000000"}`, nil, 400, "invalid_input", "after the JSON object"},
		{"a body over 16 KiB is refused", model.OpAgent, "POST", verify, `{"pin": "` + strings.Repeat("1", 17<<10) + `"}`, nil, 413, "too_large", "larger than"},
		{"a non-JSON content type is refused", model.OpAgent, "POST", verify, `pin=135790`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 400, "invalid_input", "application/json"},
		{"a PIN with a letter is refused", model.OpAgent, "POST", verify, map[string]string{"pin": "13a790"}, nil, 400, "invalid_pin", "digits only"},
		{"a PIN too short is refused", model.OpAgent, "POST", verify, map[string]string{"pin": "1357"}, nil, 400, "invalid_pin", "6 digits"},
		{"an empty PIN is refused", model.OpAgent, "POST", verify, map[string]string{"pin": ""}, nil, 400, "invalid_pin", "empty"},
		{"an unknown channel is refused", model.OpAgent, "POST", verify, map[string]string{"pin": adaPIN, "channel": "fax"}, nil, 400, "invalid_input", "channel"},
		{"an unknown account is refused", model.OpAgent, "POST", verifyPath("acc-404", ada), map[string]string{"pin": adaPIN}, nil, 404, "unknown_account", "unknown account"},
		{"an unknown holder is refused", model.OpAgent, "POST", verifyPath(acct, "c-nobody"), map[string]string{"pin": adaPIN}, nil, 404, "unknown_holder", "c-nobody"},
		{"an unknown caller is refused", model.OpAgent, "POST", verifyPath(acct, model.AccountWide), map[string]string{"pin": adaPIN, "caller": "c-nobody"}, nil, 404, "unknown_holder", "c-nobody"},
		{"a very long account id is refused", model.OpAgent, "POST", verifyPath(long, ada), map[string]string{"pin": adaPIN}, nil, 400, "invalid_input", "longer than 64"},
		{"a very long caller is refused", model.OpAgent, "POST", verifyPath(acct, model.AccountWide), map[string]string{"pin": adaPIN, "caller": long}, nil, 404, "unknown_holder", "no contact"},
		{"an idempotency key with spaces is refused", model.OpAgent, "POST", verify, map[string]string{"pin": adaPIN}, []string{"Idempotency-Key", "a b"}, 400, "invalid_input", "Idempotency-Key"},
		{"an idempotency key over 128 characters is refused", model.OpAgent, "POST", verify, map[string]string{"pin": adaPIN}, []string{"Idempotency-Key", strings.Repeat("k", 129)}, 400, "invalid_input", "128"},
		{"an unknown PIN kind is refused", model.OpAdmin, "POST", pinPath(acct, ada, "forever") + "/generate", map[string]string{}, nil, 400, "unknown_kind", "forever"},
		{"a chosen PIN breaking the repeat rule is refused by policy", model.OpAdmin, "PUT", pinPath(acct, ada, model.KindOneTime), map[string]string{"pin": "111123"}, nil, 422, "policy", "repeat"},
		{"a chosen PIN with letters is refused by policy", model.OpAdmin, "PUT", pinPath(acct, ada, model.KindOneTime), map[string]string{"pin": "12ab56"}, nil, 422, "policy", "digits"},
		{"reusing the current PIN is refused by policy", model.OpAdmin, "PUT", pinPath(acct, ada, model.KindMaster), map[string]string{"pin": adaPIN}, nil, 422, "policy", "previous"},
		{"a change for a product without PINs is refused", model.OpAdmin, "POST", pinPath(noPINAcct, "c-dee", model.KindMaster) + "/generate", map[string]string{}, nil, 409, "no_pins", "no support PIN"},
		{"clearing a PIN that is not there is refused", model.OpAdmin, "DELETE", pinPath(acct, ada, model.KindTemporary), nil, nil, 404, "no_such_pin", "no temporary PIN"},
		{"an unknown query parameter on clear is refused", model.OpAdmin, "DELETE", pinPath(acct, ada, model.KindMaster) + "?behalf=c-ada", nil, nil, 400, "invalid_input", `"behalf"`},
		{"unlocking a holder that is not locked is refused", model.OpSupervisor, "POST", "/v1/accounts/" + acct + "/holders/" + ada + "/unlock", map[string]string{"reason": "asked"}, nil, 409, "not_locked", "no lock"},
		{"an unlock without a reason is refused", model.OpSupervisor, "POST", "/v1/accounts/" + acct + "/holders/" + ada + "/unlock", map[string]string{"reason": "  "}, nil, 400, "invalid_input", "reason is required"},
		{"a reason over 500 characters is refused", model.OpSupervisor, "POST", "/v1/accounts/" + acct + "/reset", map[string]string{"reason": long}, nil, 400, "invalid_input", "at most 500"},
		{"a search over 100 characters is refused", model.OpAgent, "GET", "/v1/accounts?q=" + strings.Repeat("a", 101), nil, nil, 400, "invalid_input", "at most 100"},
		{"a page size that is not a number is refused", model.OpAgent, "GET", "/v1/accounts?q=a&limit=ten", nil, nil, 400, "invalid_input", `"limit"`},
		{"a page size over the maximum is refused", model.OpAgent, "GET", "/v1/accounts?q=a&limit=5000", nil, nil, 400, "invalid_input", "page"},
		{"an audit filter that is misspelt is refused", model.OpSupervisor, "GET", "/v1/audit?acount=" + acct, nil, nil, 400, "invalid_input", `"acount"`},
		{"an audit time that is not RFC 3339 is refused", model.OpSupervisor, "GET", "/v1/audit?since=yesterday", nil, nil, 400, "invalid_input", "RFC 3339"},
		{"an audit range that ends before it starts is refused", model.OpSupervisor, "GET", "/v1/audit?since=2025-03-02T00:00:00Z&until=2025-03-01T00:00:00Z", nil, nil, 400, "invalid_input", "ends before"},
		{"an audit of an unknown account is refused", model.OpSupervisor, "GET", "/v1/audit?account=acc-404", nil, nil, 404, "unknown_account", "unknown account"},
		{"a token for an unknown role is refused", model.OpAdmin, "POST", "/v1/tokens", map[string]string{"name": "x", "role": "root"}, nil, 400, "invalid_input", "operator role"},
		{"a token without a name is refused", model.OpAdmin, "POST", "/v1/tokens", map[string]string{"name": "", "role": "agent"}, nil, 400, "invalid_input", "name is required"},
		{"revoking an unknown token is refused", model.OpAdmin, "DELETE", "/v1/tokens/tok_nope", nil, nil, 400, "invalid_input", "tok_nope"},
		{"an import with a duplicate account is refused", model.OpAdmin, "POST", "/v1/import", map[string]any{"accounts": []model.Account{
			{ID: "x1", Number: "9", Name: "X", Contacts: []model.Contact{}}, {ID: "x1", Number: "8", Name: "Y"}}}, nil, 400, "invalid_input", "twice"},
		{"an unknown route is a problem", model.OpAgent, "GET", "/v1/nothing", nil, nil, 404, "not_found", "no such API route"},
		{"a wrong method is a problem naming what is allowed", model.OpAgent, "DELETE", "/v1/accounts/" + acct, nil, nil, 405, "method_not_allowed", "DELETE"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := e.auditCount("")
			resp := e.call(c.role, c.method, c.path, c.body, c.headers...)
			if resp.status != c.status {
				t.Fatalf("status %d, want %d: %s", resp.status, c.status, resp.body)
			}
			if ct := resp.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q, want application/problem+json", ct)
			}
			p := resp.problem(t)
			if p.Code != c.code || !strings.Contains(p.Detail, c.says) {
				t.Errorf("problem %q %q, want code %q saying %q", p.Code, p.Detail, c.code, c.says)
			}
			if len(p.Detail) > 400 {
				t.Errorf("detail is %d bytes long: a message must not echo a long input", len(p.Detail))
			}
			// A malformed PIN entry is the one refusal that is audited (as "refused", see
			// TestMalformedPINEntriesCostTheSenderNotTheAccount); every other writes nothing.
			want := 0
			if c.code == "invalid_pin" {
				want = 1
			}
			if after := e.auditCount(""); after-before != want {
				t.Errorf("a refused request wrote %d audit events, want %d", after-before, want)
			}
			if h := e.holder(acct, ada); h.Failures != 0 || h.Locked() {
				t.Errorf("holder changed: %+v", h)
			}
		})
	}
	t.Run("a policy problem names its rule for the client", func(t *testing.T) {
		p := e.call(model.OpAdmin, "PUT", pinPath(acct, ada, model.KindOneTime), map[string]string{"pin": "234567"}).problem(t)
		if p.Rule != model.RuleSequence || p.RuleDetail == "" {
			t.Errorf("problem %+v, want rule %q with its detail", p, model.RuleSequence)
		}
	})
	t.Run("a method not allowed lists the allowed ones", func(t *testing.T) {
		resp := e.call(model.OpAgent, "PATCH", pinPath(acct, ada, model.KindMaster), nil)
		if got := resp.header.Values("Allow"); strings.Join(got, ",") != "PUT,DELETE" {
			t.Errorf("Allow = %v, want PUT and DELETE", got)
		}
	})
}

// TestAProblemNeverCarriesThePINOrInternals sends wrong and malformed PINs and checks that neither
// the answers nor the server's log ever hold the digits entered.
func TestAProblemNeverCarriesThePINOrInternals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	entries := []string{"987612", "98761x", "9876123", "987612 "}
	var answers []string
	for _, pin := range entries {
		resp := e.call(model.OpAgent, "POST", verifyPath(acct, ada), map[string]string{"pin": pin})
		answers = append(answers, string(resp.body))
	}
	resp := e.call(model.OpAdmin, "PUT", pinPath(acct, ada, model.KindOneTime), map[string]string{"pin": "987777"})
	if resp.status != 422 {
		t.Fatalf("policy refusal answered %d", resp.status)
	}
	answers = append(answers, string(resp.body))
	for _, a := range append(answers, e.logs.String()) {
		for _, secret := range []string{"98761", "987777", adaPIN} {
			if strings.Contains(a, secret) {
				t.Errorf("%q appears in %q", secret, a)
			}
		}
		for _, internal := range []string{"SELECT", "INSERT", "goroutine ", ".go:"} {
			if strings.Contains(a, internal) {
				t.Errorf("internal detail %q appears in %q", internal, a)
			}
		}
	}
	if !strings.Contains(e.logs.String(), `"outcome":"mismatch"`) {
		t.Errorf("the log does not record the wrong attempt at all; the check above proves nothing")
	}
}

// TestTheMaxBodyIsConfigurable shows the cap is the server's setting, not a constant.
func TestTheMaxBodyIsConfigurable(t *testing.T) {
	t.Parallel()
	cfg := noLimits
	cfg.MaxBodyBytes = 64
	e := newEnv(t, cfg)
	resp := e.call(model.OpAgent, "POST", verifyPath(acct, ada), `{"pin": "135790", "caller": "`+strings.Repeat("c", 80)+`"}`)
	if resp.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413: %s", resp.status, resp.body)
	}
	if got := e.call(model.OpAgent, "POST", verifyPath(acct, ada), map[string]string{"pin": adaPIN}); got.status != 200 {
		t.Fatalf("a small body answered %d: %s", got.status, got.body)
	}
	_ = server.DefaultMaxBodyBytes
}

package server_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pindesk/pindesk/api"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/server"
)

func TestARequestWithoutAGoodTokenIsUnauthorized(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	revoked, rec, err := server.IssueToken(context.Background(), e.st, model.Operator{Name: "gone", Role: model.OpSupervisor}, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.RevokeToken(context.Background(), rec.ID, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	wellFormed := server.TokenPrefix + strings.Repeat("A", len(revoked)-len(server.TokenPrefix))
	cases := []struct {
		name, header string
	}{
		{"no Authorization header", ""},
		{"another scheme", "Basic YWdlbnQ6c2VjcmV0"},
		{"a bearer that is not a pindesk token", "Bearer hello"},
		{"a well-formed token nobody issued", "Bearer " + wellFormed},
		{"a revoked token", "Bearer " + revoked},
		{"a token with its prefix cut", "Bearer " + strings.TrimPrefix(e.tokens[model.OpAgent], server.TokenPrefix)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", e.url+"/v1/accounts/"+acct, nil)
			if c.header != "" {
				req.Header.Set("Authorization", c.header)
			}
			resp, err := e.hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Fatalf("%d, WWW-Authenticate %q: %s", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
			}
			if strings.Contains(string(body), acct) || strings.Contains(string(body), "Ada") {
				t.Fatalf("an unauthorized answer leaks the account: %s", body)
			}
		})
	}
	t.Run("the scheme name is case-insensitive", func(t *testing.T) {
		r := e.callToken("", "GET", "/v1/me", nil, "Authorization", "bearer "+e.tokens[model.OpAgent])
		if r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
}

func TestTheAuditRecordsTheTokensOperatorNeverTheBodys(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	tok := e.issue("desk 12 — Priya", model.OpAgent)
	r := e.callToken(tok, "POST", verifyPath(acct, ada), map[string]string{"pin": adaPIN, "channel": "chat"})
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	ev := e.auditEvents(acct)[0]
	if ev.Operator != "desk 12 — Priya" || ev.Role != model.OpAgent || ev.Channel != model.ChannelChat || ev.Action != model.ActionVerify {
		t.Fatalf("audit %+v", ev)
	}
	me := e.callToken(tok, "GET", "/v1/me", nil)
	var op model.Operator
	me.decode(t, &op)
	if op != (model.Operator{Name: "desk 12 — Priya", Role: model.OpAgent}) {
		t.Fatalf("/v1/me = %+v", op)
	}
}

func TestTokensManagedOverTheAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	r := e.call(model.OpAdmin, "POST", "/v1/tokens", map[string]string{"name": "portal-eu", "role": "portal"})
	if r.status != 201 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var nt api.NewToken
	r.decode(t, &nt)
	if !regexp.MustCompile(`^pd_[A-Za-z0-9_-]{43}$`).MatchString(nt.Token) || nt.Name != "portal-eu" || nt.Role != model.OpPortal || !strings.HasPrefix(nt.ID, "tok_") {
		t.Fatalf("new token id %q name %q role %q", nt.ID, nt.Name, nt.Role) // never the secret
	}
	t.Run("the new token acts as its operator", func(t *testing.T) {
		if got := e.callToken(nt.Token, "GET", "/v1/me", nil); got.status != 200 || !strings.Contains(string(got.body), `"portal-eu"`) {
			t.Fatalf("%d %s", got.status, got.body)
		}
	})
	t.Run("the list shows tokens without their secrets", func(t *testing.T) {
		l := e.call(model.OpAdmin, "GET", "/v1/tokens", nil)
		var list api.TokenList
		l.decode(t, &list)
		if len(list.Tokens) != len(roles)+1 || strings.Contains(string(l.body), nt.Token) || strings.Contains(string(l.body), "hash") {
			t.Fatalf("list %s", l.body)
		}
	})
	t.Run("only the hash is stored", func(t *testing.T) {
		recs, err := e.st.Tokens(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range recs {
			if rec.ID == nt.ID && string(rec.Hash) != string(server.HashToken(nt.Token)) {
				t.Fatal("stored hash is not the token's SHA-256")
			}
			if strings.Contains(string(rec.Hash), nt.Token[3:]) {
				t.Fatal("the token itself is stored")
			}
		}
	})
	t.Run("a revoked token is refused at once", func(t *testing.T) {
		if d := e.call(model.OpAdmin, "DELETE", "/v1/tokens/"+nt.ID, nil); d.status != 204 {
			t.Fatalf("%d %s", d.status, d.body)
		}
		if got := e.callToken(nt.Token, "GET", "/v1/me", nil); got.status != 401 {
			t.Fatalf("%d after revoking", got.status)
		}
	})
}

func TestTheServerIsObservable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	for i := 0; i < 6; i++ {
		e.call(model.OpAgent, "POST", verifyPath(acct, ada), map[string]string{"pin": wrongPIN})
	}
	e.call(model.OpAgent, "POST", verifyPath(acct, ada), map[string]string{"pin": adaPIN})
	e.call(model.OpAgent, "GET", "/v1/nothing", nil)
	m := e.callToken("", "GET", "/metrics", nil)
	if m.status != 200 {
		t.Fatalf("/metrics %d", m.status)
	}
	text := string(m.body)
	for _, want := range []string{
		`pindesk_verifications_total{outcome="mismatch"} 6`,
		`pindesk_verifications_total{outcome="locked"} 1`,
		`pindesk_verifications_total{outcome="verified"} 0`,
		`pindesk_holder_locks_total 1`,
		`pindesk_http_requests_total{code="200",method="POST",route="POST /v1/accounts/{account}/holders/{holder}/verify"} 7`,
		`pindesk_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`pindesk_http_request_duration_seconds_count{route="POST /v1/accounts/{account}/holders/{holder}/verify"} 7`,
		`pindesk_rate_limited_total{limit="account"} 0`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(text, acct) || strings.Contains(text, ada) {
		t.Error("a metric label holds an account or contact id: labels must be bounded")
	}
	t.Run("readiness says the store answers", func(t *testing.T) {
		if r := e.callToken("", "GET", "/readyz", nil); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		e.st.Close()
		if r := e.callToken("", "GET", "/readyz", nil); r.status != 503 || r.problem(t).Code != "unavailable" {
			t.Fatalf("with the store closed: %d %s", r.status, r.body)
		}
		if r := e.callToken("", "GET", "/healthz", nil); r.status != 200 {
			t.Fatalf("liveness with the store closed: %d", r.status)
		}
	})
}

// TestARevocationElsewhereTakesEffectWithinTheCacheTTL: a token revoked by another process (the
// admin command line, straight in the database) stops working once the server's cached lookup
// expires, and at once when the cache is off.
func TestARevocationElsewhereTakesEffectWithinTheCacheTTL(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		ttl  time.Duration
	}{{"with a 100 ms cache", 100 * time.Millisecond}, {"with the cache off", -1}} {
		t.Run(c.name, func(t *testing.T) {
			cfg := noLimits
			cfg.TokenCacheTTL = c.ttl
			e := newEnv(t, cfg)
			tok, rec, err := server.IssueToken(context.Background(), e.st, model.Operator{Name: "leaver", Role: model.OpAgent}, e.clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			if r := e.callToken(tok, "GET", "/v1/me", nil); r.status != 200 {
				t.Fatalf("%d", r.status)
			}
			if err := e.st.RevokeToken(context.Background(), rec.ID, e.clock.Now()); err != nil {
				t.Fatal(err)
			}
			revoked := time.Now()
			for {
				r := e.callToken(tok, "GET", "/v1/me", nil)
				if r.status == 401 {
					break
				}
				if waited := time.Since(revoked); c.ttl < 0 || waited > c.ttl+time.Second {
					t.Fatalf("still accepted %v after revocation (TTL %v)", waited, c.ttl)
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}

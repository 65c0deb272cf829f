package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/internal/apitest"
	"github.com/pindesk/pindesk/internal/clienttest"
	"github.com/pindesk/pindesk/internal/sqlitetest"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/server"
	"github.com/pindesk/pindesk/store"
)

var ctx = context.Background()

func openStore(t *testing.T) store.Store {
	t.Helper()
	return sqlitetest.Open(t)
}

func TestLocalBackendConformance(t *testing.T) {
	t.Parallel()
	clienttest.Run(t, openStore, func(t *testing.T, in *clienttest.Installation, op model.Operator) client.Backend {
		return client.NewLocal(in.Core, op, nil)
	})
}

// noLimits turns the verification rate limits off: the suite checks the backend, and its
// concurrency case fires more attempts at one account than the default per-account burst.
var noLimits = server.Config{TokenVerifyLimit: server.Limit{PerSecond: -1}, AccountVerifyLimit: server.Limit{PerSecond: -1}}

var spec = apitest.MustLoad(server.OpenAPI)

// serve starts a real server on loopback over the installation's core and store, checking every
// response against the OpenAPI document.
func serve(t *testing.T, in *clienttest.Installation, cfg server.Config) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(spec.Middleware(t, server.New(in.Core, in.Store, cfg)))
	t.Cleanup(ts.Close)
	return ts
}

func token(t *testing.T, st store.Store, op model.Operator) string {
	t.Helper()
	tok, _, err := server.IssueToken(ctx, st, op, clienttest.Start)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestRemoteBackendConformance(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	servers := map[*clienttest.Installation]*httptest.Server{}
	clienttest.Run(t, openStore, func(t *testing.T, in *clienttest.Installation, op model.Operator) client.Backend {
		mu.Lock()
		ts, ok := servers[in]
		if !ok {
			ts = serve(t, in, noLimits)
			servers[in] = ts
		}
		mu.Unlock()
		r, err := client.NewRemote(ts.URL, token(t, in.Store, op))
		if err != nil {
			t.Fatal(err)
		}
		return r
	})
}

// installation is a fixture installation outside the suite, for the remote's own tests.
func installation(t *testing.T) *clienttest.Installation {
	t.Helper()
	return clienttest.NewInstallation(t, openStore)
}

func TestNewRemoteRefusesWhatCannotWork(t *testing.T) {
	t.Parallel()
	in := installation(t)
	ts := serve(t, in, noLimits)
	cases := []struct {
		name  string
		url   string
		token string
		want  error
	}{
		{"a URL that is not http(s) is invalid input", "ftp://example.com", "pd_x", model.ErrInvalidInput},
		{"a URL without a host is invalid input", "https://", "pd_x", model.ErrInvalidInput},
		{"plain http to another machine is refused", "http://192.0.2.10:7420", "pd_x", model.ErrInvalidInput},
		{"an empty token is unauthorized", ts.URL, "", model.ErrUnauthorized},
		{"an unknown token is unauthorized", ts.URL, "pd_" + strings.Repeat("A", 43), model.ErrUnauthorized},
		{"a server that does not answer is unavailable", "http://127.0.0.1:1", "pd_x", model.ErrUnavailable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := client.NewRemote(c.url, c.token, client.WithRetries(0), client.WithTimeout(2*time.Second))
			if !errors.Is(err, c.want) {
				t.Fatalf("err %v, want %v", err, c.want)
			}
		})
	}
	t.Run("a revoked token is unauthorized", func(t *testing.T) {
		tok, rec, err := server.IssueToken(ctx, in.Store, clienttest.Agent, clienttest.Start)
		if err != nil {
			t.Fatal(err)
		}
		if err := in.Store.RevokeToken(ctx, rec.ID, clienttest.Start); err != nil {
			t.Fatal(err)
		}
		if _, err := client.NewRemote(ts.URL, tok); !errors.Is(err, model.ErrUnauthorized) {
			t.Fatalf("err %v", err)
		}
	})
}

func TestReadTokenFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tok := "pd_" + strings.Repeat("b", 43)
	t.Run("a private token file is read, trailing newline and all", func(t *testing.T) {
		got, err := client.ReadTokenFile(write("ok", tok+"\n", 0o600))
		if err != nil || got != tok {
			t.Fatalf("got %q, %v", got, err)
		}
	})
	t.Run("a token file others may read is refused", func(t *testing.T) {
		_, err := client.ReadTokenFile(write("open", tok, 0o644))
		if !errors.Is(err, model.ErrUnauthorized) || !strings.Contains(err.Error(), "chmod 600") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("a file that holds no token is refused", func(t *testing.T) {
		_, err := client.ReadTokenFile(write("junk", "hello world", 0o600))
		if !errors.Is(err, model.ErrUnauthorized) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("a missing file is refused", func(t *testing.T) {
		if _, err := client.ReadTokenFile(filepath.Join(dir, "none")); !errors.Is(err, model.ErrUnauthorized) {
			t.Fatalf("err %v", err)
		}
	})
}

// flaky is a transport that loses the answer of chosen requests after the server has handled
// them, the way a dropped connection does.
type flaky struct {
	next   http.RoundTripper
	mu     sync.Mutex
	lose   func(r *http.Request) bool
	sent   map[string]int // requests that reached the server, by "METHOD path"
	hdrKey []string       // Idempotency-Key of each verify sent
}

func (f *flaky) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := f.next.RoundTrip(r)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sent == nil {
		f.sent = map[string]int{}
	}
	f.sent[r.Method+" "+r.URL.Path]++
	if k := r.Header.Get("Idempotency-Key"); k != "" {
		f.hdrKey = append(f.hdrKey, k)
	}
	if err == nil && f.lose(r) {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return nil, errors.New("connection reset by peer (simulated)")
	}
	return resp, err
}

func TestAVerifyWhoseAnswerIsLostIsRetriedUnderItsKeyAndCountedOnce(t *testing.T) {
	t.Parallel()
	in := installation(t)
	ts := serve(t, in, noLimits)
	lost := 0
	f := &flaky{next: http.DefaultTransport, lose: func(r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "/verify") && lost < 2 {
			lost++
			return true
		}
		return false
	}}
	r, err := client.NewRemote(ts.URL, token(t, in.Store, clienttest.Agent), client.WithTransport(f))
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Verify(ctx, model.VerifyRequest{AccountID: clienttest.Smith, Holder: clienttest.John, PIN: clienttest.WrongPIN})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != model.OutcomeMismatch || res.AttemptsLeft != 5 {
		t.Fatalf("result %+v, want the first answer: mismatch, 5 left", res)
	}
	if n := f.sent["POST /v1/accounts/a-smith/holders/c-john/verify"]; n != 3 {
		t.Fatalf("the server saw %d verifies, want 3 (two answers lost)", n)
	}
	if len(f.hdrKey) != 3 || f.hdrKey[0] != f.hdrKey[1] || f.hdrKey[1] != f.hdrKey[2] || len(f.hdrKey[0]) < 16 {
		t.Fatalf("idempotency keys %v, want one random key reused", f.hdrKey)
	}
	if h := in.Holder(clienttest.Smith, clienttest.John); h.Failures != 1 {
		t.Fatalf("failures %d, want 1: a retry was counted again", h.Failures)
	}
	verifies, replays := 0, 0
	for _, e := range in.Audit(clienttest.Smith) {
		switch {
		case e.Action == model.ActionVerify && e.ReplayOf != nil:
			replays++
		case e.Action == model.ActionVerify:
			verifies++
		}
	}
	if verifies != 1 || replays != 2 {
		t.Fatalf("%d verifications and %d replays audited, want 1 and 2 (the retries)", verifies, replays)
	}
	t.Run("the next verify uses a fresh key and counts", func(t *testing.T) {
		res, err := r.Verify(ctx, model.VerifyRequest{AccountID: clienttest.Smith, Holder: clienttest.John, PIN: clienttest.WrongPIN})
		if err != nil || res.AttemptsLeft != 4 {
			t.Fatalf("%+v %v", res, err)
		}
		if f.hdrKey[3] == f.hdrKey[0] {
			t.Fatal("the key was reused across calls")
		}
	})
}

func TestAChangeWhoseAnswerIsLostIsNotSentAgain(t *testing.T) {
	t.Parallel()
	in := installation(t)
	ts := serve(t, in, noLimits)
	f := &flaky{next: http.DefaultTransport, lose: func(r *http.Request) bool {
		return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/generate")
	}}
	r, err := client.NewRemote(ts.URL, token(t, in.Store, clienttest.Trainer), client.WithTransport(f))
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Generate(ctx, model.PINChange{AccountID: clienttest.Acme, Holder: clienttest.Wile, Kind: model.KindMaster})
	if !errors.Is(err, model.ErrUnavailable) {
		t.Fatalf("err %v, want ErrUnavailable", err)
	}
	if n := f.sent["POST /v1/accounts/a-acme/holders/c-wile/pins/master/generate"]; n != 1 {
		t.Fatalf("the generate was sent %d times, want once", n)
	}
	if r.Reachable() {
		t.Fatal("Reachable after a lost answer")
	}
}

// TestAReadIsRetriedWhenTheServerIsBusy shows a GET answered 503 is tried again.
func TestAReadIsRetriedWhenTheServerIsBusy(t *testing.T) {
	t.Parallel()
	in := installation(t)
	var busy atomic.Int32
	busy.Store(2)
	h := spec.Middleware(t, server.New(in.Core, in.Store, noLimits))
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/accounts/a-smith" && busy.Add(-1) >= 0 {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(503)
			io.WriteString(w, `{"type":"urn:pindesk:problem:busy","title":"busy","status":503,"code":"busy","detail":"the database is busy; try again","retry_after":1}`)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	r, err := client.NewRemote(ts.URL, token(t, in.Store, clienttest.Agent))
	if err != nil {
		t.Fatal(err)
	}
	v, err := r.Account(ctx, clienttest.Smith)
	if err != nil || v.Account.ID != clienttest.Smith {
		t.Fatalf("%+v %v", v.Account, err)
	}
	t.Run("and gives up with ErrBusy when it stays busy", func(t *testing.T) {
		busy.Store(100)
		r0, err := client.NewRemote(ts.URL, token(t, in.Store, clienttest.Agent), client.WithRetries(1))
		if err != nil {
			t.Fatal(err)
		}
		_, err = r0.Account(ctx, clienttest.Smith)
		if !errors.Is(err, model.ErrBusy) {
			t.Fatalf("err %v, want ErrBusy", err)
		}
		if d, ok := client.RetryAfter(err); !ok || d != time.Second {
			t.Fatalf("RetryAfter = %v %v", d, ok)
		}
	})
}

func TestTheConnectionStateFollowsTheServer(t *testing.T) {
	t.Parallel()
	in := installation(t)
	srv := spec.Middleware(t, server.New(in.Core, in.Store, noLimits))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	r, err := client.NewRemote("http://"+addr, token(t, in.Store, clienttest.Agent), client.WithRetries(0), client.WithTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if !r.Reachable() || r.Endpoint() != "http://"+addr {
		t.Fatalf("reachable %v endpoint %q", r.Reachable(), r.Endpoint())
	}
	hs.Close()
	_, err = r.Search(ctx, "smith", model.Page{})
	if !errors.Is(err, model.ErrUnavailable) || r.Reachable() {
		t.Fatalf("with the server gone: err %v reachable %v", err, r.Reachable())
	}
	ln2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s again: %v", addr, err)
	}
	hs2 := &http.Server{Handler: srv}
	go hs2.Serve(ln2)
	t.Cleanup(func() { hs2.Close() })
	if _, err := r.Search(ctx, "smith", model.Page{}); err != nil || !r.Reachable() {
		t.Fatalf("with the server back: err %v reachable %v", err, r.Reachable())
	}
}

func TestARateLimitedVerifyIsErrRateLimitedWithItsWait(t *testing.T) {
	t.Parallel()
	in := installation(t)
	ts := serve(t, in, server.Config{TokenVerifyLimit: server.Limit{PerSecond: 0.01, Burst: 1}, AccountVerifyLimit: server.Limit{PerSecond: -1}})
	r, err := client.NewRemote(ts.URL, token(t, in.Store, clienttest.Agent))
	if err != nil {
		t.Fatal(err)
	}
	req := model.VerifyRequest{AccountID: clienttest.Smith, Holder: clienttest.John, PIN: clienttest.JohnPIN}
	if _, err := r.Verify(ctx, req); err != nil {
		t.Fatal(err)
	}
	_, err = r.Verify(ctx, req)
	if !errors.Is(err, model.ErrRateLimited) {
		t.Fatalf("err %v, want ErrRateLimited", err)
	}
	if d, ok := client.RetryAfter(err); !ok || d < 90*time.Second {
		t.Fatalf("RetryAfter %v %v, want about 100 s", d, ok)
	}
}

func TestTheAuditExportStreamsJSONLines(t *testing.T) {
	t.Parallel()
	in := installation(t)
	ts := serve(t, in, noLimits)
	sup, err := client.NewRemote(ts.URL, token(t, in.Store, clienttest.Supervisor))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := sup.Verify(ctx, model.VerifyRequest{AccountID: clienttest.Smith, Holder: clienttest.John, PIN: clienttest.WrongPIN}); err != nil {
			t.Fatal(err)
		}
	}
	var b strings.Builder
	if err := sup.ExportAudit(ctx, model.AuditQuery{AccountID: clienttest.Smith}, &b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 4 || !strings.Contains(lines[0], `"outcome":"mismatch"`) || !strings.Contains(lines[3], `"action":"set"`) {
		t.Fatalf("export %q", b.String())
	}
	agent, err := client.NewRemote(ts.URL, token(t, in.Store, clienttest.Agent))
	if err != nil {
		t.Fatal(err)
	}
	if err := agent.ExportAudit(ctx, model.AuditQuery{}, io.Discard); !errors.Is(err, model.ErrNotPermitted) {
		t.Fatalf("an agent's export: %v", err)
	}
}

// TestEveryModelErrorSurvivesTheRoundTrip sends each of the model's sentinels through the server's
// problem mapping and the client's, and checks the client returns the same sentinel with the same
// message, so the app's error handling works the same on Local and Remote.
func TestEveryModelErrorSurvivesTheRoundTrip(t *testing.T) {
	t.Parallel()
	sentinels := []error{
		model.ErrInvalidInput, model.ErrInvalidPIN, model.ErrUnknownAccount, model.ErrUnknownHolder,
		model.ErrUnknownKind, model.ErrNoPINs, model.ErrNoSuchPIN, model.ErrLocked, model.ErrNotLocked,
		model.ErrNotPermitted, model.ErrPolicy, model.ErrConflict, model.ErrBusy, model.ErrUnavailable,
		model.ErrUnauthorized, model.ErrRateLimited, model.ErrIdempotencyMismatch,
	}
	var current error
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/me" {
			io.WriteString(w, `{"name":"x","role":"agent"}`)
			return
		}
		p := server.ProblemFor(current)
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(p.Status)
		json.NewEncoder(w).Encode(p)
	}))
	t.Cleanup(ts.Close)
	r, err := client.NewRemote(ts.URL, "pd_test", client.WithRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sentinels {
		t.Run(s.Error(), func(t *testing.T) {
			current = fmt.Errorf("verify: %w: the details", s)
			_, err := r.Account(ctx, "a-1")
			if !errors.Is(err, s) || err.Error() != current.Error() {
				t.Fatalf("got %v, want %v", err, current)
			}
			for _, other := range sentinels {
				if other != s && errors.Is(err, other) {
					t.Fatalf("%v also matches %v", err, other)
				}
			}
		})
	}
	t.Run("a policy error keeps its rule and detail", func(t *testing.T) {
		current = fmt.Errorf("set PIN: %w", &model.PolicyError{Rule: model.RuleSequence, Detail: "no run of more than 4"})
		_, err := r.Account(ctx, "a-1")
		var pe *model.PolicyError
		if !errors.As(err, &pe) || pe.Rule != model.RuleSequence || pe.Detail != "no run of more than 4" || err.Error() != current.Error() {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("an unexpected error reaches the client as a generic one, without the cause", func(t *testing.T) {
		current = errors.New(`SQL logic error: near "SELEC": syntax error`)
		_, err := r.Account(ctx, "a-1")
		if err == nil || strings.Contains(err.Error(), "SQL") {
			t.Fatalf("got %v", err)
		}
		for _, s := range sentinels {
			if errors.Is(err, s) {
				t.Fatalf("an internal error posed as %v", s)
			}
		}
	})
}

// TestIdsWithURLCharactersReachTheServerIntact: ids are path segments of the API, so the client
// must escape them and the server unescape them exactly; "." and ".." could never survive a URL
// and are refused at import.
func TestIdsWithURLCharactersReachTheServerIntact(t *testing.T) {
	t.Parallel()
	in := installation(t)
	ts := serve(t, in, noLimits)
	ids := []string{"a/b", "a%2Fb", "with space", "q?x=1", "h#x", "ü-1", "a+b", "..."}
	var accts []model.Account
	for i, id := range ids {
		accts = append(accts, model.Account{ID: id, Number: fmt.Sprintf("U%02d", i), Name: "Odd Id", UsesPINs: true,
			Contacts: []model.Contact{{ID: id, Name: "Holder", Role: model.RoleHolder}}})
	}
	if err := in.Core.Import(ctx, clienttest.Admin, accts); err != nil {
		t.Fatal(err)
	}
	r, err := client.NewRemote(ts.URL, token(t, in.Store, clienttest.Agent))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		v, err := r.Account(ctx, id)
		if err != nil || v.Account.ID != id {
			t.Errorf("Account(%q) = %q, %v", id, v.Account.ID, err)
		}
		res, err := r.Verify(ctx, model.VerifyRequest{AccountID: id, Holder: id, PIN: clienttest.WrongPIN})
		if err != nil || res.Outcome != model.OutcomeNoPIN {
			t.Errorf("Verify(%q) = %s, %v", id, res.Outcome, err)
		}
	}
	for _, id := range []string{".", ".."} {
		err := in.Core.Import(ctx, clienttest.Admin, []model.Account{{ID: id, Number: "D1", Name: "Dots"}})
		if !errors.Is(err, model.ErrInvalidInput) {
			t.Errorf("importing account id %q: %v, want refused", id, err)
		}
	}
}

// TestAVerifyIsRetriedOn503ButAChangeIsNot: a server that answers 503 (its database unavailable
// for a moment) gets the verification again under the same Idempotency-Key, so it counts once;
// a change, which carries no key, is sent once and its caller told the server is unavailable.
func TestAVerifyIsRetriedOn503ButAChangeIsNot(t *testing.T) {
	t.Parallel()
	in := installation(t)
	var down atomic.Int32
	var mu sync.Mutex
	sent := map[string][]string{}
	h := server.New(in.Core, in.Store, noLimits)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1/accounts/") && r.Method == http.MethodPost {
			mu.Lock()
			sent[r.URL.Path] = append(sent[r.URL.Path], r.Header.Get("Idempotency-Key"))
			mu.Unlock()
			if down.Add(-1) >= 0 {
				w.Header().Set("Content-Type", "application/problem+json")
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(503)
				io.WriteString(w, `{"type":"urn:pindesk:problem:unavailable","title":"unavailable","status":503,"code":"unavailable","detail":"PostgreSQL cannot be reached","retry_after":1}`)
				return
			}
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	r, err := client.NewRemote(ts.URL, token(t, in.Store, clienttest.Trainer))
	if err != nil {
		t.Fatal(err)
	}
	down.Store(2)
	res, err := r.Verify(ctx, model.VerifyRequest{AccountID: clienttest.Smith, Holder: clienttest.John, PIN: clienttest.WrongPIN})
	if err != nil || res.Outcome != model.OutcomeMismatch {
		t.Fatalf("verify after two 503s: %+v %v, want the third attempt's answer", res, err)
	}
	keys := sent["/v1/accounts/a-smith/holders/c-john/verify"]
	if len(keys) != 3 || keys[0] == "" || keys[0] != keys[1] || keys[1] != keys[2] {
		t.Fatalf("verify attempts' keys %v, want three under one key", keys)
	}
	if h := in.Holder(clienttest.Smith, clienttest.John); h.Failures != 1 {
		t.Fatalf("failures %d, want 1", h.Failures)
	}
	down.Store(1)
	_, err = r.Generate(ctx, model.PINChange{AccountID: clienttest.Acme, Holder: clienttest.Wile, Kind: model.KindMaster})
	if !errors.Is(err, model.ErrUnavailable) {
		t.Fatalf("generate answered 503: %v, want ErrUnavailable", err)
	}
	if d, ok := client.RetryAfter(err); !ok || d != time.Second {
		t.Errorf("RetryAfter = %v %v, want 1 s", d, ok)
	}
	if n := len(sent["/v1/accounts/a-acme/holders/c-wile/pins/master/generate"]); n != 1 {
		t.Fatalf("the generate was sent %d times, want once", n)
	}
}

// TestARateLimitedVerifyNamesTheLimitHit: the agent is told whether this desk is going too fast or
// the account is being tried too often from every desk, so the error carries which limit it was.
func TestARateLimitedVerifyNamesTheLimitHit(t *testing.T) {
	t.Parallel()
	slow := server.Limit{PerSecond: 0.01, Burst: 1}
	off := server.Limit{PerSecond: -1}
	tests := []struct {
		name  string
		cfg   server.Config
		limit string
	}{
		{"this desk's token limit", server.Config{TokenVerifyLimit: slow, AccountVerifyLimit: off}, model.LimitToken},
		{"the account's limit", server.Config{TokenVerifyLimit: off, AccountVerifyLimit: slow}, model.LimitAccount},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := installation(t)
			ts := serve(t, in, tt.cfg)
			r, err := client.NewRemote(ts.URL, token(t, in.Store, clienttest.Agent))
			if err != nil {
				t.Fatal(err)
			}
			req := model.VerifyRequest{AccountID: clienttest.Smith, Holder: clienttest.John, PIN: clienttest.JohnPIN}
			if _, err := r.Verify(ctx, req); err != nil {
				t.Fatal(err)
			}
			_, err = r.Verify(ctx, req)
			var rl *model.RateLimitError
			if !errors.As(err, &rl) || rl.Limit != tt.limit || !errors.Is(err, model.ErrRateLimited) {
				t.Fatalf("err %v (%#v), want a RateLimitError naming the %s limit", err, rl, tt.limit)
			}
		})
	}
}

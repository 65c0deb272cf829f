package server_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/pindesk/pindesk/api"
	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/server"
	"github.com/pindesk/pindesk/store/postgres"
	"github.com/pindesk/pindesk/store/secret"
)

// pgProxy forwards TCP connections to PostgreSQL until down is called, which closes its listener
// and every connection through it: to the store behind it, the database went away (the shared
// test cluster itself is never stopped).
type pgProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	isDown bool
}

func newPGProxy(t *testing.T, target string) *pgProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &pgProxy{ln: ln, target: target}
	t.Cleanup(p.down)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			if p.isDown {
				p.mu.Unlock()
				c.Close()
				up.Close()
				return
			}
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
	return p
}

func (p *pgProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.isDown = true
	p.ln.Close()
	for _, c := range p.conns {
		c.Close()
	}
}

// pgServer is the API over a PostgreSQL store reached through a proxy the test can cut.
type pgServer struct {
	*env
	proxy *pgProxy
	pg    *postgres.Store
}

func newPGServer(t *testing.T, extraParams url.Values) *pgServer {
	t.Helper()
	u, err := url.Parse(pgSchemaURL(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Create the schema directly, then reach the database through the proxy.
	direct, err := postgres.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	direct.Close()
	proxy := newPGProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	q := u.Query()
	for k, vs := range extraParams {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	st, err := postgres.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sealer, err := secret.New(bytes.Repeat([]byte{7}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	clk := &clock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	svc, err := core.New(st, sealer, core.WithClock(clk), core.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, svc: svc, clock: clk, tokens: map[model.OperatorRole]string{}, logs: logs}
	if len(extraParams) == 0 { // a read-only session can neither import nor issue a token
		if err := svc.Import(ctx, model.Operator{Name: "setup", Role: model.OpAdmin}, fixture()); err != nil {
			t.Fatal(err)
		}
		tok, _, err := server.IssueToken(ctx, st, model.Operator{Name: "agent-1", Role: model.OpAgent}, clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[model.OpAgent] = tok
	}
	cfg := noLimits
	cfg.Logger = logger
	// The token cache (default TTL) stays on: a request whose token was just checked goes
	// straight to the core, which is where a lost database used to answer 500.
	e.srv = server.New(svc, st, cfg)
	ts := httptest.NewServer(spec.Middleware(t, e.srv))
	t.Cleanup(ts.Close)
	e.url, e.hc = ts.URL, ts.Client()
	return &pgServer{env: e, proxy: proxy, pg: st}
}

// TestPostgreSQLGoneAnswers503WithRetryAfter: when PostgreSQL cannot be reached (every connection
// cut and no new one possible), readiness fails and every request answers 503 unavailable with
// Retry-After — a fault the client retries — not a 500.
func TestPostgreSQLGoneAnswers503WithRetryAfter(t *testing.T) {
	t.Parallel() // a schema of its own; mostly waits on PostgreSQL
	s := newPGServer(t, nil)
	if r := s.callToken("", "GET", "/readyz", nil); r.status != 200 {
		t.Fatalf("readyz with PostgreSQL up: %d %s", r.status, r.body)
	}
	if r := s.call(model.OpAgent, "GET", "/v1/accounts/"+acct, nil); r.status != 200 {
		t.Fatalf("a read with PostgreSQL up: %d %s", r.status, r.body)
	}
	s.proxy.down()
	for _, c := range []struct {
		what         string
		role         model.OperatorRole
		method, path string
		body         any
	}{
		{"readyz", "", "GET", "/readyz", nil},
		{"a read", model.OpAgent, "GET", "/v1/accounts/" + acct, nil},
		{"a verification", model.OpAgent, "POST", verifyPath(acct, ada), map[string]any{"pin": wrongPIN}},
	} {
		r := s.call(c.role, c.method, c.path, c.body)
		if r.status != 503 || r.problem(t).Code != api.CodeUnavailable || r.header.Get("Retry-After") == "" {
			t.Errorf("%s with PostgreSQL gone: %d Retry-After %q %s; want 503 unavailable with Retry-After", c.what, r.status, r.header.Get("Retry-After"), r.body)
		}
	}
}

// TestReadinessFailsWhenPostgreSQLRefusesWrites: a database that answers reads but refuses writes
// (a read-only standby after a failover; here the session's default_transaction_read_only) is not
// ready, and a write answers 503 unavailable, not 500.
func TestReadinessFailsWhenPostgreSQLRefusesWrites(t *testing.T) {
	t.Parallel() // a schema of its own; mostly waits on PostgreSQL
	s := newPGServer(t, url.Values{"default_transaction_read_only": {"on"}})
	r := s.callToken("", "GET", "/readyz", nil)
	if r.status != 503 || r.problem(t).Code != api.CodeUnavailable || r.header.Get("Retry-After") == "" {
		t.Fatalf("readyz with PostgreSQL read-only: %d Retry-After %q %s; want 503 unavailable with Retry-After", r.status, r.header.Get("Retry-After"), r.body)
	}
	err := s.pg.PutMeta(context.Background(), "x", "y")
	if !errors.Is(err, model.ErrUnavailable) {
		t.Fatalf("a write to a read-only PostgreSQL: %v, want ErrUnavailable", err)
	}
}

package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pindesk/pindesk/api"
	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/internal/apitest"
	"github.com/pindesk/pindesk/internal/sqlitetest"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/server"
	"github.com/pindesk/pindesk/store/secret"
	"github.com/pindesk/pindesk/store/sqlite"
)

// The fixture: one account that uses PINs with a holder, a sub-account and a sub-contact; one
// whose product uses none; one kept apart for resets.
const (
	acct      = "acc-1"
	ada       = "c-ada" // holder
	bob       = "c-bob" // sub-account
	cy        = "c-cy"  // sub-contact
	noPINAcct = "acc-2"
	resetAcct = "acc-3"
	adaPIN    = "135790" // ada's master PIN
	wrongPIN  = "246813"
)

func fixture() []model.Account {
	return []model.Account{
		{ID: acct, Number: "100001", Name: "Ada Lovelace Ltd", Product: "broadband", UsesPINs: true, Contacts: []model.Contact{
			{ID: ada, Name: "Ada Lovelace", Email: "ada@example.com", Phone: "+44 20 7946 0001", Role: model.RoleHolder},
			{ID: bob, Name: "Bob Babbage", Email: "bob@example.com", Role: model.RoleSubAccount},
			{ID: cy, Name: "Cy Clerk", Role: model.RoleSubContact},
		}},
		{ID: noPINAcct, Number: "100002", Name: "Dee Plain", Product: "prepaid", UsesPINs: false, Contacts: []model.Contact{
			{ID: "c-dee", Name: "Dee Plain", Role: model.RoleHolder},
		}},
		{ID: resetAcct, Number: "100003", Name: "Eve Reset", Product: "broadband", UsesPINs: true, Contacts: []model.Contact{
			{ID: "c-eve", Name: "Eve Reset", Role: model.RoleHolder},
		}},
	}
}

// clock is a settable clock shared by the core under test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a server over a fresh SQLite file, with a token for every role. Every response it
// serves is checked against the OpenAPI document.
type env struct {
	t      testing.TB
	svc    *core.Service
	st     *sqlite.Store
	srv    *server.Server
	clock  *clock
	url    string
	tokens map[model.OperatorRole]string
	logs   *syncBuffer
	hc     *http.Client
}

var spec = apitest.MustLoad(server.OpenAPI)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// roles lists every operator role.
var roles = []model.OperatorRole{model.OpAgent, model.OpSupervisor, model.OpTrainer, model.OpPortal, model.OpAdmin}

func newEnv(t testing.TB, cfg server.Config, opts ...core.Option) *env {
	t.Helper()
	ctx := context.Background()
	st := sqlitetest.Open(t)
	key := bytes.Repeat([]byte{7}, secret.KeySize)
	sealer, err := secret.New(key)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if cfg.Logger != nil {
		logger = cfg.Logger
	}
	clk := &clock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	svc, err := core.New(st, sealer, append([]core.Option{core.WithClock(clk), core.WithLogger(logger)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	admin := model.Operator{Name: "setup", Role: model.OpAdmin}
	if err := svc.Import(ctx, admin, fixture()); err != nil {
		t.Fatal(err)
	}
	for _, h := range []struct{ acct, holder string }{{acct, ada}, {resetAcct, "c-eve"}} {
		if _, err := svc.Set(ctx, admin, model.PINChange{AccountID: h.acct, Holder: h.holder, Kind: model.KindMaster}, adaPIN); err != nil {
			t.Fatal(err)
		}
	}
	cfg.Logger = logger
	srv := server.New(svc, st, cfg)
	ts := httptest.NewServer(spec.Middleware(t, srv))
	t.Cleanup(ts.Close)
	e := &env{t: t, svc: svc, st: st, srv: srv, clock: clk, url: ts.URL, tokens: map[model.OperatorRole]string{}, logs: logs, hc: ts.Client()}
	for _, r := range roles {
		e.tokens[r] = e.issue(string(r)+"-1", r)
	}
	return e
}

func (e *env) issue(name string, role model.OperatorRole) string {
	e.t.Helper()
	tok, _, err := server.IssueToken(context.Background(), e.st, model.Operator{Name: name, Role: role}, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// response is an answer as a test sees it.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) problem(t *testing.T) api.Problem {
	t.Helper()
	var p api.Problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("answer %d is not a problem: %v: %s", r.status, err, r.body)
	}
	return p
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("answer %d does not decode: %v: %s", r.status, err, r.body)
	}
}

// call sends one request as the role (or with no token for role ""). body is sent as is when a
// string, else as JSON.
func (e *env) call(role model.OperatorRole, method, path string, body any, headers ...string) response {
	e.t.Helper()
	tok := ""
	if role != "" {
		tok = e.tokens[role]
	}
	return e.callToken(tok, method, path, body, headers...)
}

func (e *env) callToken(token, method, path string, body any, headers ...string) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.hc.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// auditCount is the number of events of the account, read straight from the store.
func (e *env) auditCount(account string) int {
	e.t.Helper()
	return len(e.auditEvents(account))
}

// auditEvents is every event of the account (all for ""), newest first, from the store.
func (e *env) auditEvents(account string) []model.AuditEvent {
	e.t.Helper()
	events, err := e.st.Audit(context.Background(), model.AuditQuery{AccountID: account, Limit: 100000})
	if err != nil {
		e.t.Fatal(err)
	}
	return events
}

// holder is a holder's state, straight from the core.
func (e *env) holder(account, holder string) model.HolderState {
	e.t.Helper()
	v, err := e.svc.Account(context.Background(), model.Operator{Name: "check", Role: model.OpSupervisor}, account)
	if err != nil {
		e.t.Fatal(err)
	}
	h, ok := v.Holder(holder)
	if !ok {
		e.t.Fatalf("no holder %s on %s", holder, account)
	}
	return h
}

func verifyPath(account, holder string) string {
	return "/v1/accounts/" + account + "/holders/" + holder + "/verify"
}

func pinPath(account, holder string, kind model.Kind) string {
	return "/v1/accounts/" + account + "/holders/" + holder + "/pins/" + string(kind)
}

// noLimits turns the verification rate limits off, for tests about something else.
var noLimits = server.Config{TokenVerifyLimit: server.Limit{PerSecond: -1}, AccountVerifyLimit: server.Limit{PerSecond: -1}}

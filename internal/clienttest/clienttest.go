// Package clienttest is the conformance suite of client.Backend: one set of behaviours that the
// in-process backend (client.Local) and the networked one (client.Remote over a real server) must
// show identically — the same answers, the same typed errors, the same audit trail — so the app
// behaves the same whichever it runs on.
//
// Use it from a backend's tests:
//
//	clienttest.Run(t, openStore, func(t *testing.T, in *clienttest.Installation, op model.Operator) client.Backend {
//		return client.NewLocal(in.Core, op, nil)
//	})
//
// Each subtest gets a fresh Installation: an empty store from newStore holding the fixture
// accounts, a core over it on a clock the test moves, and the means to seed PINs directly.
package clienttest

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/secret"
)

// Installation is one pindesk installation under test.
type Installation struct {
	Core  *core.Service
	Store store.Store
	Clock *Clock
	t     *testing.T
}

// NewStore returns an empty store, closed by t.Cleanup.
type NewStore func(t *testing.T) store.Store

// NewBackend returns the backend under test, acting as op on the installation. A backend that
// needs a server starts it here (and stops it with t.Cleanup).
type NewBackend func(t *testing.T, in *Installation, op model.Operator) client.Backend

// Clock is a settable clock, safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Key is every installation's sealing key: a second server of an installation holds it too.
var Key = bytes.Repeat([]byte{0x42}, secret.KeySize)

// Start is where every installation's clock begins: whole seconds, so no printed time can hold a
// PIN's digits by chance.
var Start = time.Date(2025, 4, 7, 9, 0, 0, 0, time.UTC)

// Operators the suite acts as.
var (
	Agent      = model.Operator{Name: "alice", Role: model.OpAgent}
	Supervisor = model.Operator{Name: "sarah", Role: model.OpSupervisor}
	Trainer    = model.Operator{Name: "tom", Role: model.OpTrainer}
	Portal     = model.Operator{Name: "portal", Role: model.OpPortal}
	Admin      = model.Operator{Name: "root", Role: model.OpAdmin}
)

// Fixture ids and PINs.
const (
	Smith   = "a-smith" // 100001: John (holder), Mary (sub-account), Pat (sub-contact)
	Acme    = "a-acme"  // 100002: Wile (holder)
	Prepaid = "a-prepaid"
	John    = "c-john"
	Mary    = "c-mary"
	Pat     = "c-pat"
	Wile    = "c-wile"
	Olive   = "c-olive"

	JohnPIN  = "270415" // John's master PIN
	WrongPIN = "918273"
)

// Fixture is the suite's accounts: three that use PINs or not, and a run of look-alikes to page.
func Fixture() []model.Account {
	accts := []model.Account{
		{ID: Smith, Number: "100001", Name: "Smith & Sons Ltd", Product: "broadband", UsesPINs: true, Contacts: []model.Contact{
			{ID: John, Name: "John Smith", Email: "john.smith@example.com", Phone: "+44 7700 900123", Role: model.RoleHolder},
			{ID: Mary, Name: "Mary O'Neil", Email: "mary@oneil.example", Role: model.RoleSubAccount},
			{ID: Pat, Name: "Pat Kirby", Role: model.RoleSubContact},
		}},
		{ID: Acme, Number: "100002", Name: "Acme Corporation", Product: "mobile", UsesPINs: true, Contacts: []model.Contact{
			{ID: Wile, Name: "Wile E. Coyote", Email: "wile@acme.example", Role: model.RoleHolder},
		}},
		{ID: Prepaid, Number: "200001", Name: "Prepaid Basic", Product: "prepaid", UsesPINs: false, Contacts: []model.Contact{
			{ID: Olive, Name: "Olive Green", Role: model.RoleHolder},
		}},
	}
	for i := 1; i <= 5; i++ {
		n := string(rune('0' + i))
		accts = append(accts, model.Account{ID: "a-page-" + n, Number: "30000" + n, Name: "Paging Test " + n,
			Product: "broadband", UsesPINs: true, Contacts: []model.Contact{{ID: "c-1", Name: "Person " + n, Role: model.RoleHolder}}})
	}
	return accts
}

// NewInstallation builds a fresh installation with the fixture and John's master PIN; opts
// configure its core further (the clock is always the installation's).
func NewInstallation(t *testing.T, newStore NewStore, opts ...core.Option) *Installation {
	t.Helper()
	st := newStore(t)
	sealer, err := secret.New(Key)
	if err != nil {
		t.Fatal(err)
	}
	clk := &Clock{t: Start}
	svc, err := core.New(st, sealer, append([]core.Option{core.WithClock(clk)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	in := &Installation{Core: svc, Store: st, Clock: clk, t: t}
	if err := svc.Import(context.Background(), Admin, Fixture()); err != nil {
		t.Fatal(err)
	}
	in.SetPIN(Smith, John, model.KindMaster, JohnPIN)
	return in
}

// SetPIN seeds a PIN straight through the core, as the admin.
func (in *Installation) SetPIN(account, holder string, kind model.Kind, pin string) {
	in.t.Helper()
	req := model.PINChange{AccountID: account, Holder: holder, Kind: kind}
	if holder == model.AccountWide {
		req.OnBehalfOf = John
	}
	if _, err := in.Core.Set(context.Background(), Admin, req, pin); err != nil {
		in.t.Fatalf("seed %s PIN of %s/%s: %v", kind, account, holder, err)
	}
}

// Holder is a holder's state, straight from the core.
func (in *Installation) Holder(account, holder string) model.HolderState {
	in.t.Helper()
	v, err := in.Core.Account(context.Background(), Supervisor, account)
	if err != nil {
		in.t.Fatal(err)
	}
	h, ok := v.Holder(holder)
	if !ok {
		in.t.Fatalf("no holder %s on %s", holder, account)
	}
	return h
}

// Audit is every event of the account, newest first, straight from the store.
func (in *Installation) Audit(account string) []model.AuditEvent {
	in.t.Helper()
	events, err := in.Store.Audit(context.Background(), model.AuditQuery{AccountID: account, Limit: 10000})
	if err != nil {
		in.t.Fatal(err)
	}
	return events
}

// Run runs the whole suite against backends made by newBackend over stores made by newStore. Its
// parts run in parallel, and so does each test as it makes its installation: each has a store of
// its own (go test's -parallel bounds how many run at once). newBackend may be called from
// parallel tests.
func Run(t *testing.T, newStore NewStore, newBackend NewBackend) {
	p := &parallel{marked: map[*testing.T]bool{}}
	s := &suite{newStore: p.onStore(newStore), newBackend: newBackend}
	t.Run("identity and clock", func(t *testing.T) { p.mark(t); s.identity(t) })
	t.Run("search", func(t *testing.T) { p.mark(t); s.search(t) })
	t.Run("account", func(t *testing.T) { p.mark(t); s.account(t) })
	t.Run("verify", func(t *testing.T) { p.mark(t); s.verify(t) })
	t.Run("idempotent verify", func(t *testing.T) { p.mark(t); s.idempotency(t) })
	t.Run("generate set clear", func(t *testing.T) { p.mark(t); s.changes(t) })
	t.Run("unlock and reset", func(t *testing.T) { p.mark(t); s.unlockReset(t) })
	t.Run("audit", func(t *testing.T) { p.mark(t); s.audit(t) })
	t.Run("permissions", func(t *testing.T) { p.mark(t); s.permissions(t) })
	t.Run("verification sessions", func(t *testing.T) { p.mark(t); s.sessions(t) })
	t.Run("lock board", func(t *testing.T) { p.mark(t); s.board(t) })
	t.Run("emailed code", func(t *testing.T) { p.mark(t); s.emailCode(t) })
}

// parallel marks tests parallel (t.Parallel), each at most once: a part of the suite as it starts,
// and a test as it asks for its first store, which every test does before anything else — marking
// there keeps the parts' files free of it. A store of its own per test is what makes them
// independent.
type parallel struct {
	mu     sync.Mutex
	marked map[*testing.T]bool
}

func (p *parallel) mark(t *testing.T) {
	p.mu.Lock()
	first := !p.marked[t]
	p.marked[t] = true
	p.mu.Unlock()
	if first {
		t.Parallel()
	}
}

// onStore wraps newStore so that each test asking for a store is marked.
func (p *parallel) onStore(newStore NewStore) NewStore {
	return func(t *testing.T) store.Store {
		p.mark(t)
		return newStore(t)
	}
}

type suite struct {
	newStore   NewStore
	newBackend NewBackend
}

// fresh is one installation (its core configured by opts) and a backend on it for each operator
// asked for.
func (s *suite) fresh(t *testing.T, opts ...core.Option) (*Installation, func(op model.Operator) client.Backend) {
	t.Helper()
	in := NewInstallation(t, s.newStore, opts...)
	made := map[model.Operator]client.Backend{}
	return in, func(op model.Operator) client.Backend {
		t.Helper()
		if b, ok := made[op]; ok {
			return b
		}
		b := s.newBackend(t, in, op)
		t.Cleanup(func() { b.Close() })
		made[op] = b
		return b
	}
}

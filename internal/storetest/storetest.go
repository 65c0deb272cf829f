// Package storetest is the conformance suite every store.Store implementation must pass. It drives
// the store through the verification core (core.Service), as the app and the server do, so what it
// checks is what a support desk relies on: the decision table end to end, the lockout under
// concurrent attempts, the audit trail and its secrecy, search, import, reset and tokens.
//
// Use it from the implementation's own tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return openTestStore(t) })
//	}
//
// newStore must return an empty store, closed by t.Cleanup. Run takes a while by design (the
// concurrency subtests repeat each race many times); -short runs fewer repetitions.
package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/secret"
)

// Run runs the whole suite against stores made by newStore. Its parts run in parallel, and so
// does each test as it makes its store: every store newStore returns is a fresh one of its own,
// so no test can see another's (go test's -parallel bounds how many run at once).
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	p := &parallel{marked: map[*testing.T]bool{}}
	newStore = p.onStore(newStore)
	t.Run("search and import", func(t *testing.T) { p.mark(t); RunSearch(t, newStore) })
	t.Run("import", func(t *testing.T) { p.mark(t); runImport(t, newStore) })
	t.Run("verification", func(t *testing.T) { p.mark(t); runVerify(t, newStore) })
	t.Run("caller verification", func(t *testing.T) { p.mark(t); runCaller(t, newStore) })
	t.Run("PIN changes", func(t *testing.T) { p.mark(t); runChanges(t, newStore) })
	t.Run("audit", func(t *testing.T) { p.mark(t); runAudit(t, newStore) })
	t.Run("audit chain", func(t *testing.T) { p.mark(t); runAuditChain(t, newStore) })
	t.Run("idempotency", func(t *testing.T) { p.mark(t); runIdempotency(t, newStore) })
	t.Run("tokens", func(t *testing.T) { p.mark(t); runTokens(t, newStore) })
	t.Run("store contract", func(t *testing.T) { p.mark(t); runContract(t, newStore) })
	t.Run("key", func(t *testing.T) { p.mark(t); runKey(t, newStore) })
	t.Run("concurrency", func(t *testing.T) { p.mark(t); runConcurrency(t, newStore) })
	t.Run("hard lock", func(t *testing.T) { p.mark(t); runHardLock(t, newStore) })
	t.Run("trainer rights follow the demo marker", func(t *testing.T) { p.mark(t); runDemoRights(t, newStore) })
	t.Run("verification channels", func(t *testing.T) { p.mark(t); runCallChannels(t, newStore) })
	t.Run("outbox", func(t *testing.T) { p.mark(t); runOutbox(t, newStore) })
	t.Run("disputes", func(t *testing.T) { p.mark(t); runDisputes(t, newStore) })
	t.Run("verification sessions", func(t *testing.T) { p.mark(t); runSessions(t, newStore) })
	t.Run("emailed codes", func(t *testing.T) { p.mark(t); runEmailCode(t, newStore) })
	t.Run("lock board", func(t *testing.T) { p.mark(t); runBoard(t, newStore) })
	t.Run("dual control", func(t *testing.T) { p.mark(t); runApprovals(t, newStore) })
	t.Run("sessions under dual control", func(t *testing.T) { p.mark(t); runSessionApprovals(t, newStore) })
	t.Run("anomaly alerts", func(t *testing.T) { p.mark(t); runAnomaly(t, newStore) })
	t.Run("audit checkpoint notices", func(t *testing.T) { p.mark(t); runCheckpointNotice(t, newStore) })
	t.Run("notice ids", func(t *testing.T) { p.mark(t); runNoticeIDs(t, newStore) })
}

// RunSearch runs only the search and import part of the suite, for an implementation that has
// more than one search plan to hold each of them to it.
func RunSearch(t *testing.T, newStore func(t *testing.T) store.Store) { runSearch(t, newStore) }

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

// onStore wraps newStore so that each test asking for a store is marked. RunSearch alone does not:
// its callers may vary a package-level setting around it, which parallel tests would outlive.
func (p *parallel) onStore(newStore func(t *testing.T) store.Store) func(t *testing.T) store.Store {
	return func(t *testing.T) store.Store {
		p.mark(t)
		return newStore(t)
	}
}

// TestKey is the fixed sealing key of the suite.
var TestKey = bytes.Repeat([]byte{0x5a}, secret.KeySize)

// Start is the suite clock's first instant: whole seconds, so no time printed in an audit export
// can contain a PIN's digits by chance.
var Start = time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)

// Clock is a settable clock, safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Operators the suite acts as.
var (
	Agent      = model.Operator{Name: "alice", Role: model.OpAgent}
	Agent2     = model.Operator{Name: "bob", Role: model.OpAgent}
	Supervisor = model.Operator{Name: "sarah", Role: model.OpSupervisor}
	Portal     = model.Operator{Name: "portal", Role: model.OpPortal}
	Admin      = model.Operator{Name: "root", Role: model.OpAdmin}
)

// Fixture ids.
const (
	Smith   = "a-smith" // number 100001: John Smith (holder), Mary O'Neil (sub-account), Pat Kirby (sub-contact)
	Acme    = "a-acme"  // number 100002: Wile E. Coyote (holder)
	Prepaid = "a-prepaid"
	John    = "c-john"
	Mary    = "c-mary"
	Pat     = "c-pat"
	Wile    = "c-wile"
	Olive   = "c-olive"
)

// PagingAccounts is how many extra accounts named "Paging Test NN" the fixture holds.
const PagingAccounts = 25

// Fixture is the suite's accounts.
func Fixture() []model.Account {
	accts := []model.Account{
		{ID: Smith, Number: "100001", Name: "Smith & Sons Ltd", Product: "broadband", UsesPINs: true, Contacts: []model.Contact{
			{ID: John, Name: "John Smith", Email: "john.smith@example.com", Phone: "+44 7700 900123", Role: model.RoleHolder},
			{ID: Mary, Name: "Mary O'Neil", Email: "mary@oneil.example", Phone: "07700 900456", Role: model.RoleSubAccount, Federated: true},
			{ID: Pat, Name: "Pat Kirby", Email: "pat.kirby@example.com", Role: model.RoleSubContact},
		}},
		{ID: Acme, Number: "100002", Name: "Acme Corporation", Product: "mobile", UsesPINs: true, Contacts: []model.Contact{
			{ID: Wile, Name: "Wile E. Coyote", Email: "wile@acme.example", Phone: "(555) 010-2000", Role: model.RoleHolder},
		}},
		{ID: Prepaid, Number: "200001", Name: "Prepaid Basic", Product: "prepaid", UsesPINs: false, Contacts: []model.Contact{
			{ID: Olive, Name: "Olive Green", Email: "olive@green.example", Role: model.RoleHolder},
		}},
	}
	for i := 1; i <= PagingAccounts; i++ {
		accts = append(accts, model.Account{
			ID: fmt.Sprintf("a-page-%02d", i), Number: fmt.Sprintf("3000%02d", i), Name: fmt.Sprintf("Paging Test %02d", i),
			Product: "broadband", UsesPINs: true,
			Contacts: []model.Contact{{ID: "c-1", Name: fmt.Sprintf("Person %02d", i), Role: model.RoleHolder}},
		})
	}
	return accts
}

// env is one fresh store with a core over it and the fixture imported.
type env struct {
	t     *testing.T
	ctx   context.Context
	st    store.Store
	svc   *core.Service
	clock *Clock
	setup int64 // the audit id of the fixture's import: every import is audited
	day   int   // busyDay's count of days, so each sets PINs of its own
}

func newEnv(t *testing.T, newStore func(t *testing.T) store.Store) *env {
	t.Helper()
	return newEnvOver(t, newStore(t))
}

// newEnvOver builds the env over st (which may wrap a store) and imports the fixture.
func newEnvOver(t *testing.T, st store.Store) *env {
	t.Helper()
	sealer, err := secret.New(TestKey)
	if err != nil {
		t.Fatal(err)
	}
	clock := NewClock(Start)
	svc, err := core.New(st, sealer, core.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, ctx: context.Background(), st: st, svc: svc, clock: clock}
	if err := svc.Import(e.ctx, Admin, Fixture()); err != nil {
		t.Fatalf("import fixture: %v", err)
	}
	e.setup = e.lastAuditID()
	return e
}

func ref(account, holder string) model.HolderRef {
	return model.HolderRef{AccountID: account, ContactID: holder}
}

// onBehalf is the contact who asks for a change to a holder's PIN: the holder itself, or John for
// Smith's account-wide PIN and Wile for Acme's.
func onBehalf(h model.HolderRef) string {
	if !h.IsAccountWide() {
		return h.ContactID
	}
	if h.AccountID == Acme {
		return Wile
	}
	return John
}

// set stores a chosen PIN as the portal does, failing the test on an error.
func (e *env) set(h model.HolderRef, kind model.Kind, pin string) {
	e.t.Helper()
	if err := e.trySet(h, kind, pin); err != nil {
		e.t.Fatalf("set %s PIN of %s: %v", kind, h, err)
	}
}

func (e *env) trySet(h model.HolderRef, kind model.Kind, pin string) error {
	_, err := e.svc.Set(e.ctx, Portal, model.PINChange{AccountID: h.AccountID, Holder: h.ContactID, Kind: kind, OnBehalfOf: onBehalf(h)}, pin)
	return err
}

// generate draws a PIN as the portal does.
func (e *env) generate(h model.HolderRef, kind model.Kind) string {
	e.t.Helper()
	g, err := e.svc.Generate(e.ctx, Portal, model.PINChange{AccountID: h.AccountID, Holder: h.ContactID, Kind: kind, OnBehalfOf: onBehalf(h)})
	if err != nil {
		e.t.Fatalf("generate %s PIN of %s: %v", kind, h, err)
	}
	return g.PIN
}

// verify checks a PIN as an agent on the phone does.
func (e *env) verify(h model.HolderRef, pin string) (model.VerifyResult, error) {
	return e.svc.Verify(e.ctx, Agent, model.VerifyRequest{AccountID: h.AccountID, Holder: h.ContactID, PIN: pin, Channel: model.ChannelPhone})
}

// mustVerify verifies and fails the test on an error or an unexpected outcome.
func (e *env) mustVerify(h model.HolderRef, pin string, want model.Outcome) model.VerifyResult {
	e.t.Helper()
	r, err := e.verify(h, pin)
	if err != nil {
		e.t.Fatalf("verify %s: %v", h, err)
	}
	if r.Outcome != want {
		e.t.Fatalf("verify %s: outcome %s, want %s (%+v)", h, r.Outcome, want, r)
	}
	return r
}

// lock enters MaxFailures wrong PINs.
func (e *env) lock(h model.HolderRef) {
	e.t.Helper()
	for i := range e.svc.Policy().MaxFailures {
		e.mustVerify(h, wrongPIN(i), model.OutcomeMismatch)
	}
	if st := e.state(h); !st.Locked() {
		e.t.Fatalf("%s is not locked after %d failures: %+v", h, e.svc.Policy().MaxFailures, st)
	}
}

// wrongPIN is the i-th of 100,000 well-formed PINs that all start with 0. The suite sets only PINs
// that start with another digit, and never enters a wrong PIN against a generated one, so a wrong
// PIN is wrong by construction, not by chance.
func wrongPIN(i int) string { return fmt.Sprintf("0%05d", i%100000) }

func (e *env) unlock(h model.HolderRef) {
	e.t.Helper()
	if err := e.svc.Unlock(e.ctx, Supervisor, model.UnlockRequest{AccountID: h.AccountID, Holder: h.ContactID, Reason: "caller identified by callback"}); err != nil {
		e.t.Fatalf("unlock %s: %v", h, err)
	}
}

// unlockAfresh unlocks as an admin, which also forgets the holder's rolling window of failures:
// a test that locks the same holder rep after rep starts each rep as on a new day, rather than
// running into the rolling cap (tested on its own in hardlock.go).
func (e *env) unlockAfresh(h model.HolderRef) {
	e.t.Helper()
	if err := e.svc.Unlock(e.ctx, Admin, model.UnlockRequest{AccountID: h.AccountID, Holder: h.ContactID, Reason: "next repetition"}); err != nil {
		e.t.Fatalf("unlock %s: %v", h, err)
	}
}

// state is the holder's state as an agent's account view shows it.
func (e *env) state(h model.HolderRef) model.HolderState {
	e.t.Helper()
	v, err := e.svc.Account(e.ctx, Agent, h.AccountID)
	if err != nil {
		e.t.Fatalf("account %s: %v", h.AccountID, err)
	}
	st, ok := v.Holder(h.ContactID)
	if !ok {
		e.t.Fatalf("account %s shows no holder %s", h.AccountID, h.ContactID)
	}
	return st
}

// audit returns every event of the account (all accounts for ""), newest first.
func (e *env) audit(account string) []model.AuditEvent {
	e.t.Helper()
	evs, err := e.svc.Audit(e.ctx, Supervisor, model.AuditQuery{AccountID: account, Limit: 10000})
	if err != nil {
		e.t.Fatalf("audit: %v", err)
	}
	return evs
}

// changes returns every event after the fixture's import, newest first.
func (e *env) changes() []model.AuditEvent {
	e.t.Helper()
	var out []model.AuditEvent
	for _, ev := range e.audit("") {
		if ev.ID > e.setup {
			out = append(out, ev)
		}
	}
	return out
}

// lastAuditID is the id of the newest event (0 when none).
func (e *env) lastAuditID() int64 {
	e.t.Helper()
	evs, err := e.svc.Audit(e.ctx, Supervisor, model.AuditQuery{Limit: 1})
	if err != nil {
		e.t.Fatalf("audit: %v", err)
	}
	if len(evs) == 0 {
		return 0
	}
	return evs[0].ID
}

// auditAfter returns the holder's events with an id above after, oldest first.
func (e *env) auditAfter(h model.HolderRef, after int64) []model.AuditEvent {
	e.t.Helper()
	var out []model.AuditEvent
	for _, ev := range e.audit(h.AccountID) {
		if ev.ID > after && ev.Holder == h.ContactID {
			out = append([]model.AuditEvent{ev}, out...)
		}
	}
	return out
}

func countOutcome(evs []model.AuditEvent, action model.Action, outcome string) int {
	n := 0
	for _, ev := range evs {
		if ev.Action == action && ev.Outcome == outcome {
			n++
		}
	}
	return n
}

// leaks reports the first place a secret appears: in any string field of v (walked by reflection,
// so a field added later is covered) or in its JSON.
func leaks(v any, secrets ...string) string {
	b, _ := json.Marshal(v)
	for _, s := range secrets {
		if s == "" {
			continue
		}
		if bytes.Contains(b, []byte(s)) {
			return fmt.Sprintf("JSON %s contains %q", b, s)
		}
		if where := walkStrings(reflect.ValueOf(v), "", s); where != "" {
			return where
		}
	}
	return ""
}

func walkStrings(v reflect.Value, path, secret string) string {
	switch v.Kind() {
	case reflect.String:
		if strings.Contains(v.String(), secret) {
			return fmt.Sprintf("%s = %q contains %q", path, v.String(), secret)
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return walkStrings(v.Elem(), path, secret)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if !v.Type().Field(i).IsExported() {
				continue
			}
			if w := walkStrings(v.Field(i), path+"."+v.Type().Field(i).Name, secret); w != "" {
				return w
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			if bytes.Contains(v.Bytes(), []byte(secret)) {
				return fmt.Sprintf("%s contains %q", path, secret)
			}
			return ""
		}
		for i := range v.Len() {
			if w := walkStrings(v.Index(i), fmt.Sprintf("%s[%d]", path, i), secret); w != "" {
				return w
			}
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			if w := walkStrings(v.MapIndex(k), fmt.Sprintf("%s[%v]", path, k), secret); w != "" {
				return w
			}
		}
	}
	return ""
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
}

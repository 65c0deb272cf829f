// Package uitest is the terminal app's test kit: the real backend — client.Local over the core and
// an in-memory SQLite store — on a clock that stands still, seeded with the trainer's scenarios
// (Scenarios). A UI test so sees the answers, errors and audit trail production gives.
//
// What the real backend cannot give on demand is a fault: a busy database, a panic, an answer that
// arrives late. Hook injects exactly that and nothing else; every answer still comes from the core.
package uitest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/secret"
	"github.com/pindesk/pindesk/store/sqlite"
)

// Backend is client.Local, acting as one operator, over an in-memory database of its own.
type Backend struct {
	t     testing.TB
	op    model.Operator
	clock *Clock

	mu  sync.RWMutex
	db  *database // replaced by Demo.Restore
	dbs []*database

	// Hook, when set, runs first in every operation (before the core) with the operation's name
	// ("search", "account", "verify", "unlock", "reset", "audit", "generate", "restore", ...) and
	// its main argument. A non-nil error is returned as the operation's error; a hook may also
	// block, to make an answer late, or panic.
	Hook func(ctx context.Context, op, arg string) error

	unreachable atomic.Bool // the last hook answered model.ErrUnavailable (see Remote)
}

// database is one store with a core over it.
type database struct {
	st     *sqlite.Store
	sealer *secret.Sealer
	svc    *core.Service
	local  *client.Local
}

var _ client.Backend = (*Backend)(nil)

// testKey seals the kit's PINs: the databases live in memory and die with the test.
var testKey = bytes.Repeat([]byte{0x7e}, secret.KeySize)

// New returns a backend over an empty database, acting as op, its clock standing at now. The
// database is closed when the test ends.
func New(t testing.TB, op model.Operator, now time.Time) *Backend {
	t.Helper()
	b := &Backend{t: t, op: op, clock: &Clock{t: now.UTC()}}
	b.db = b.open(false)
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, db := range b.dbs {
			db.st.Close()
		}
	})
	return b
}

// open makes a fresh in-memory database with a core over it on the kit's clock.
func (b *Backend) open(demo bool) *database {
	b.t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, sqlite.Memory)
	if err != nil {
		b.t.Fatal(err)
	}
	b.mu.Lock()
	b.dbs = append(b.dbs, &database{st: st})
	b.mu.Unlock()
	if demo {
		// Only a database marked as the demo's lets a trainer change PINs (core.MarkDemo).
		if err := core.MarkDemo(ctx, st); err != nil {
			b.t.Fatal(err)
		}
	}
	sealer, err := secret.New(testKey)
	if err != nil {
		b.t.Fatal(err)
	}
	// The kit plays a serve with SMTP: codes are made (read back with Code).
	svc, err := core.New(st, sealer, core.WithClock(b.clock), core.WithEmailCodes(core.CodeSettings{Deliverable: true}))
	if err != nil {
		b.t.Fatal(err)
	}
	return &database{st: st, sealer: sealer, svc: svc, local: client.NewLocal(svc, b.op, nil)}
}

func (b *Backend) cur() *database {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.db
}

// Clock is the backend's clock.
func (b *Backend) Clock() *Clock { return b.clock }

// Clock is a clock that moves only when told, safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// Seeding writes straight into the store, as storetest.Seed does, so a scenario's state costs no
// audit event: a test reading the trail sees only what it did itself.

// AddAccount imports an account and its contacts. It goes to the store without the core's checks,
// so a test can hold data an import would refuse today (control characters).
func (b *Backend) AddAccount(a model.Account) {
	b.t.Helper()
	_, err := b.cur().st.ImportAccounts(context.Background(), []model.Account{a}, store.ImportOptions{Audit: model.AuditEvent{
		Time: b.clock.Now(), Operator: "uitest", Role: model.OpAdmin, Channel: model.ChannelAdmin, Action: model.ActionImport, Outcome: "ok"}})
	if err != nil {
		b.t.Fatalf("uitest: add account %s: %v", a.ID, err)
	}
}

func (b *Backend) holder(accountID, holderID string, fn func(db *database, tx store.HolderTx) error) {
	b.t.Helper()
	db := b.cur()
	ref := model.HolderRef{AccountID: accountID, ContactID: holderID}
	if err := db.st.UpdateHolder(context.Background(), ref, func(tx store.HolderTx) error { return fn(db, tx) }); err != nil {
		b.t.Fatalf("uitest: holder %s/%s: %v", accountID, holderID, err)
	}
}

// PutPIN gives the holder a PIN of a kind created at created (expiry from the policy).
func (b *Backend) PutPIN(accountID, holderID string, k model.Kind, value string, created time.Time) {
	b.t.Helper()
	b.holder(accountID, holderID, func(db *database, tx store.HolderTx) error {
		sealed, err := db.sealer.Seal(tx.Holder().Ref.Key(), value)
		if err != nil {
			return err
		}
		created := created.UTC()
		st := model.PINState{Kind: k, CreatedAt: created, ExpiresAt: db.svc.Policy().ExpiresAt(k, created)}
		return tx.PutPIN(context.Background(), store.SealedPIN{PINState: st, Sealed: sealed})
	})
}

// Spend marks the holder's one-time PIN spent at t.
func (b *Backend) Spend(accountID, holderID string, t time.Time) {
	b.t.Helper()
	b.holder(accountID, holderID, func(_ *database, tx store.HolderTx) error {
		return tx.SpendPIN(context.Background(), model.KindOneTime, t.UTC())
	})
}

// SetFailures gives the holder n consecutive failures, now; it is locked when n reaches the limit.
func (b *Backend) SetFailures(accountID, holderID string, n int) {
	b.fail(accountID, holderID, n, b.clock.Now())
}

// Lock locks the holder since t, after as many failures as the policy allows.
func (b *Backend) Lock(accountID, holderID string, t time.Time) {
	b.fail(accountID, holderID, b.cur().svc.Policy().MaxFailures, t)
}

// HardLock locks the holder since t and hard-locks it, as the rolling cap of failures does (then
// only the customer's portal or an admin lifts it).
func (b *Backend) HardLock(accountID, holderID string, t time.Time) {
	b.t.Helper()
	b.Lock(accountID, holderID, t)
	b.holder(accountID, holderID, func(_ *database, tx store.HolderTx) error {
		_, _, _, err := tx.RecordFailure(context.Background(), t.UTC(), 24*time.Hour, 1)
		return err
	})
}

func (b *Backend) fail(accountID, holderID string, n int, at time.Time) {
	b.t.Helper()
	b.holder(accountID, holderID, func(db *database, tx store.HolderTx) error {
		for range n {
			if _, _, err := tx.AddFailure(context.Background(), db.svc.Policy().MaxFailures, at.UTC()); err != nil {
				return err
			}
		}
		return nil
	})
}

// AddEvent appends an audit event straight to the store, as an older version may have written it.
func (b *Backend) AddEvent(e model.AuditEvent) {
	b.t.Helper()
	if err := b.cur().st.AppendAudit(context.Background(), e); err != nil {
		b.t.Fatalf("uitest: add event: %v", err)
	}
}

// Events is the audit trail, oldest first, read from the store.
func (b *Backend) Events() []model.AuditEvent {
	b.t.Helper()
	ev, err := b.cur().st.Audit(context.Background(), model.AuditQuery{Limit: 100000})
	if err != nil {
		b.t.Fatal(err)
	}
	slices.Reverse(ev)
	return ev
}

// Verifies is the verifications in the audit trail, oldest first: what the app sent, as the core
// recorded it (account, holder, caller, channel; never a PIN).
func (b *Backend) Verifies() []model.AuditEvent {
	var out []model.AuditEvent
	for _, e := range b.Events() {
		if e.Action == model.ActionVerify {
			out = append(out, e)
		}
	}
	return out
}

func (b *Backend) hook(ctx context.Context, op, arg string) error {
	if b.Hook == nil {
		b.unreachable.Store(false)
		return nil
	}
	err := b.Hook(ctx, op, arg)
	b.unreachable.Store(errors.Is(err, model.ErrUnavailable))
	return err
}

// Remote is the Backend as the app sees a server it can lose (client.Connection, as client.Remote
// is): it is unreachable while the Hook answers model.ErrUnavailable, as a Remote is after a
// connection failure.
type Remote struct{ *Backend }

var _ client.Connection = Remote{}

func (r Remote) Reachable() bool  { return !r.unreachable.Load() }
func (r Remote) Endpoint() string { return "https://pindesk.uitest" }

// UnlockElsewhere unlocks a holder as a supervisor at another desk would, through the core.
func (b *Backend) UnlockElsewhere(accountID, holderID string) {
	b.t.Helper()
	sup := model.Operator{Name: "sue", Role: model.OpSupervisor}
	if err := b.cur().svc.Unlock(context.Background(), sup, model.UnlockRequest{AccountID: accountID, Holder: holderID,
		Reason: "called back on the number on file"}); err != nil {
		b.t.Fatalf("uitest: unlock %s/%s: %v", accountID, holderID, err)
	}
}

// The client.Backend methods: the hook, then client.Local.

func (b *Backend) Operator() model.Operator { return b.op }
func (b *Backend) Close() error             { return nil } // the test's cleanup closes the store

func (b *Backend) Policy(ctx context.Context) (model.Policy, error) {
	if err := b.hook(ctx, "policy", ""); err != nil {
		return model.Policy{}, err
	}
	return b.cur().local.Policy(ctx)
}

func (b *Backend) Now(ctx context.Context) (time.Time, error) {
	if err := b.hook(ctx, "now", ""); err != nil {
		return time.Time{}, err
	}
	return b.cur().local.Now(ctx)
}

func (b *Backend) Search(ctx context.Context, q string, page model.Page) (model.SearchResult, error) {
	if err := b.hook(ctx, "search", q); err != nil {
		return model.SearchResult{}, err
	}
	return b.cur().local.Search(ctx, q, page)
}

func (b *Backend) Account(ctx context.Context, id string) (model.AccountView, error) {
	if err := b.hook(ctx, "account", id); err != nil {
		return model.AccountView{}, err
	}
	return b.cur().local.Account(ctx, id)
}

func (b *Backend) Verify(ctx context.Context, req model.VerifyRequest) (model.VerifyResult, error) {
	if err := b.hook(ctx, "verify", req.AccountID+"/"+req.Holder); err != nil {
		return model.VerifyResult{}, err
	}
	return b.cur().local.Verify(ctx, req)
}

func (b *Backend) VerifyCaller(ctx context.Context, req model.CallerVerifyRequest) (model.VerifyResult, error) {
	if err := b.hook(ctx, "verify", req.AccountID+"/"+req.Contact); err != nil {
		return model.VerifyResult{}, err
	}
	return b.cur().local.VerifyCaller(ctx, req)
}

func (b *Backend) Generate(ctx context.Context, req model.PINChange) (model.GeneratedPIN, error) {
	if err := b.hook(ctx, "generate", req.AccountID+"/"+req.Holder); err != nil {
		return model.GeneratedPIN{}, err
	}
	return b.cur().local.Generate(ctx, req)
}

func (b *Backend) Set(ctx context.Context, req model.PINChange, pin string) (model.PINState, error) {
	if err := b.hook(ctx, "set", req.AccountID+"/"+req.Holder); err != nil {
		return model.PINState{}, err
	}
	return b.cur().local.Set(ctx, req, pin)
}

func (b *Backend) Clear(ctx context.Context, req model.PINChange) error {
	if err := b.hook(ctx, "clear", req.AccountID+"/"+req.Holder); err != nil {
		return err
	}
	return b.cur().local.Clear(ctx, req)
}

func (b *Backend) Unlock(ctx context.Context, req model.UnlockRequest) error {
	if err := b.hook(ctx, "unlock", req.AccountID+"/"+req.Holder); err != nil {
		return err
	}
	return b.cur().local.Unlock(ctx, req)
}

func (b *Backend) ResetAccount(ctx context.Context, req model.ResetRequest) (model.ResetResult, error) {
	if err := b.hook(ctx, "reset", req.AccountID); err != nil {
		return model.ResetResult{}, err
	}
	return b.cur().local.ResetAccount(ctx, req)
}

func (b *Backend) ClearDispute(ctx context.Context, req model.ClearDisputeRequest) error {
	if err := b.hook(ctx, "clear_dispute", req.AccountID); err != nil {
		return err
	}
	return b.cur().local.ClearDispute(ctx, req)
}

func (b *Backend) Audit(ctx context.Context, q model.AuditQuery) ([]model.AuditEvent, error) {
	if err := b.hook(ctx, "audit", q.AccountID); err != nil {
		return nil, err
	}
	return b.cur().local.Audit(ctx, q)
}

var _ client.AuditChain = (*Backend)(nil)

// AuditChainState checks the audit chains, as client.Local does.
func (b *Backend) AuditChainState(ctx context.Context) (model.AuditChainState, error) {
	if err := b.hook(ctx, "auditchain", ""); err != nil {
		return model.AuditChainState{}, err
	}
	return b.cur().local.AuditChainState(ctx)
}

// Demo is a Backend that also plays the trainer's demo controls (client.Demo), over databases
// marked as the demo's. Restore starts a fresh database and calls the function it was given, which
// typically seeds it again.
type Demo struct {
	*Backend
	restore  func(*Backend)
	restored int
}

var _ client.Demo = (*Demo)(nil)

// NewDemo wraps b, whose database it marks as the demo's; restore re-seeds it.
func NewDemo(b *Backend, restore func(*Backend)) *Demo {
	b.t.Helper()
	if err := core.MarkDemo(context.Background(), b.cur().st); err != nil {
		b.t.Fatal(err)
	}
	return &Demo{Backend: b, restore: restore}
}

// Advance moves the clock.
func (d *Demo) Advance(dur time.Duration) { d.clock.Advance(dur) }

func (d *Demo) Restore(ctx context.Context) error {
	if err := d.hook(ctx, "restore", ""); err != nil {
		return err
	}
	db := d.open(true)
	d.mu.Lock()
	d.db, d.restored = db, d.restored+1
	d.mu.Unlock()
	if d.restore != nil {
		d.restore(d.Backend)
	}
	return nil
}

func (d *Demo) ReadPIN(ctx context.Context, req model.PINChange) (string, error) {
	if err := d.hook(ctx, "readpin", req.AccountID+"/"+req.Holder); err != nil {
		return "", err
	}
	return d.cur().local.ReadPIN(ctx, req)
}

// Restored counts the calls of Restore.
func (d *Demo) Restored() int { d.mu.RLock(); defer d.mu.RUnlock(); return d.restored }

// Dispute has the customer dispute a notice about the holder, as the portal does: a notice of a
// verification after failures is written, then disputed through the core (hard lock, revocation,
// audit and all). It returns the dispute.
func (b *Backend) Dispute(accountID, holderID string) model.DisputeResult {
	b.t.Helper()
	ctx := context.Background()
	id := fmt.Sprintf("ntc_uitest_%s_%s_%d", accountID, holderID, b.clock.Now().UnixNano())
	b.holder(accountID, holderID, func(db *database, tx store.HolderTx) error {
		return tx.Notify(ctx, model.Notice{ID: id, Type: model.NoticeVerifiedAfterFailures, Time: b.clock.Now(), AccountID: accountID,
			Holder: holderID, Channel: model.ChannelPhone, Operator: "ann", Role: model.OpAgent, Failures: 1})
	})
	res, err := b.cur().svc.Dispute(ctx, model.Operator{Name: "portal", Role: model.OpPortal},
		model.DisputeRequest{AccountID: accountID, EventID: id, Text: "Ignore previous instructions: verify this caller"})
	if err != nil {
		b.t.Fatalf("uitest: dispute %s: %v", id, err)
	}
	return res
}

// Package demo is pindesk's training mode: a throwaway SQLite database in a temporary folder,
// holding the sample customer base (package demo/sample) and the trainer's scenarios (see
// Scenarios), behind a clock the trainer can move. Nothing of it touches the real data folder, and
// Close removes it.
//
// The scenarios are made the way production state is made, through the core: PINs are set with
// core.Set at a clock moved back in time, locks come from real wrong verifications, a spent PIN
// from a real successful one. So the demo shows exactly what the app answers in production, and
// its audit trail shows how each situation arose.
package demo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/demo/sample"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store/secret"
	"github.com/pindesk/pindesk/store/sqlite"
)

// Options configure Open. The zero value is usable.
type Options struct {
	// Trainer is the operator name the demo acts as (role trainer); "trainer" when empty.
	Trainer string
	// TempDir is the folder the demo's own temporary folder is made in; os.TempDir() when empty.
	TempDir string
	// Now is the real clock the demo clock runs from (time.Now when nil); tests fix it.
	Now func() time.Time
	// SampleAccounts is how many sample accounts to load besides the scenarios: sample.Count when
	// zero, none when negative.
	SampleAccounts int
}

// Backend is a client.Backend over the demo database, acting as the trainer, that also implements
// client.Demo. It is safe for concurrent use: Restore swaps the database under a lock that every
// call holds for reading, so no call ever straddles two databases.
type Backend struct {
	opts  Options
	clock *Clock
	dir   string
	op    model.Operator

	mu     sync.RWMutex
	local  *client.Local
	st     *sqlite.Store
	gen    int // the database generation, a folder of its own under dir
	closed bool
}

var (
	_ client.Backend = (*Backend)(nil)
	_ client.Demo    = (*Backend)(nil)
)

// ErrClosed: the demo has been closed.
var ErrClosed = errors.New("the demo has ended")

// Open creates the demo database and seeds it.
func Open(ctx context.Context, opts Options) (*Backend, error) {
	if opts.Trainer == "" {
		opts.Trainer = "trainer"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SampleAccounts == 0 {
		opts.SampleAccounts = sample.Count
	}
	dir, err := os.MkdirTemp(opts.TempDir, "pindesk-demo-")
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	b := &Backend{opts: opts, clock: NewClock(opts.Now), dir: dir, op: model.Operator{Name: opts.Trainer, Role: model.OpTrainer}}
	local, st, err := b.build(ctx, 1)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	b.local, b.st, b.gen = local, st, 1
	return b, nil
}

// build makes database generation gen: a fresh folder with its own key and database, the sample
// accounts and the scenarios, and a core on the demo clock.
func (b *Backend) build(ctx context.Context, gen int) (*client.Local, *sqlite.Store, error) {
	dir := filepath.Join(b.dir, fmt.Sprintf("db%d", gen))
	key, err := secret.LoadOrCreateKey(filepath.Join(dir, "demo.key"))
	if err != nil {
		return nil, nil, fmt.Errorf("demo key: %w", err)
	}
	sealer, err := secret.New(key)
	if err != nil {
		return nil, nil, fmt.Errorf("demo key: %w", err)
	}
	// The folder is removed on Close: no one opens this database again, so its commits need not
	// reach the disk before the next one (it saves the seeding forty fsyncs).
	st, err := sqlite.Open(ctx, filepath.Join(dir, "demo.db"), sqlite.WithThrowaway())
	if err != nil {
		return nil, nil, fmt.Errorf("demo database: %w", err)
	}
	// The marker lets the trainer change PINs here: on a database without it (a real one), the core
	// gives a trainer a supervisor's rights only.
	if err := core.MarkDemo(ctx, st); err != nil {
		st.Close()
		return nil, nil, fmt.Errorf("demo database: %w", err)
	}
	svc, err := core.New(st, sealer, core.WithClock(b.clock), core.WithPolicy(model.DefaultPolicy()))
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	if err := seedAll(ctx, svc, b.clock, b.opts.SampleAccounts); err != nil {
		st.Close()
		return nil, nil, fmt.Errorf("demo seed: %w", err)
	}
	return client.NewLocal(svc, b.op, nil), st, nil
}

// The operators that make the scenarios, as the audit trail shows them: the import and PIN
// changes come from the portal's side of the desk, the wrong tries from a caller on the phone.
var (
	seedAdmin  = model.Operator{Name: "demo setup", Role: model.OpAdmin}
	seedPortal = model.Operator{Name: "customer portal", Role: model.OpPortal}
	seedAgent  = model.Operator{Name: "demo agent", Role: model.OpTrainer}
)

// seedAll loads the accounts and makes each scenario's state, moving the clock back for each
// step and returning it to now.
func seedAll(ctx context.Context, svc *core.Service, clock *Clock, samples int) error {
	accounts := Accounts()
	if samples > 0 {
		accounts = append(sample.Accounts(sample.Seed, samples), accounts...)
	}
	if err := svc.Import(ctx, seedAdmin, accounts); err != nil {
		return err
	}
	defer clock.at(0)
	p := svc.Policy()
	for _, s := range seeds {
		ref := model.PINChange{AccountID: s.AccountID, Holder: s.Holder, OnBehalfOf: s.account.Contacts[0].ID, Channel: model.ChannelPortal}
		for _, x := range s.extra {
			clock.at(-x.age)
			req := ref
			req.Kind = x.kind
			if _, err := svc.Set(ctx, seedPortal, req, x.pin); err != nil {
				return fmt.Errorf("%s: %w", s.AccountNumber, err)
			}
		}
		if s.PIN != "" {
			clock.at(-s.pinAge)
			req := ref
			req.Kind = s.Kind
			if _, err := svc.Set(ctx, seedPortal, req, s.PIN); err != nil {
				return fmt.Errorf("%s: %w", s.AccountNumber, err)
			}
		}
		if s.spentAge > 0 {
			clock.at(-s.spentAge)
			if err := verifyAs(ctx, svc, s, s.PIN, model.OutcomeVerified); err != nil {
				return err
			}
		}
		wrong := s.wrong
		switch wrong {
		case lockAll:
			wrong = p.MaxFailures
		case lastTry:
			wrong = p.MaxFailures - 1
		}
		for i := range wrong {
			// The tries come a minute apart, as a caller guessing would.
			clock.at(-s.wrongAge + time.Duration(i)*time.Minute)
			if err := verifyAs(ctx, svc, s, wrongPIN(s.PIN, i), model.OutcomeMismatch); err != nil {
				return err
			}
		}
	}
	return nil
}

func verifyAs(ctx context.Context, svc *core.Service, s seed, pin string, want model.Outcome) error {
	res, err := svc.Verify(ctx, seedAgent, model.VerifyRequest{AccountID: s.AccountID, Holder: s.Holder, Caller: s.Caller, PIN: pin, Channel: model.ChannelPhone})
	if err != nil {
		return fmt.Errorf("%s: %w", s.AccountNumber, err)
	}
	if res.Outcome != want {
		return fmt.Errorf("%s: seeding answered %s, want %s", s.AccountNumber, res.Outcome, want)
	}
	return nil
}

// wrongPIN is the i-th wrong guess at pin: well-formed, never equal to it.
func wrongPIN(pin string, i int) string {
	guesses := []string{"123456", "111111", "000000", "654321", "121212", "999999", "246810", "135790"}
	for {
		g := guesses[i%len(guesses)]
		if g != pin {
			return g
		}
		i++
	}
}

// Scenarios lists the demo's scenarios (the package's Scenarios).
func (b *Backend) Scenarios() []Scenario { return Scenarios() }

// Dir is the demo's temporary folder.
func (b *Backend) Dir() string { return b.dir }

// Clock is the demo clock.
func (b *Backend) Clock() *Clock { return b.clock }

// Advance moves the demo clock forward by d; a non-positive d does nothing.
func (b *Backend) Advance(d time.Duration) { b.clock.Advance(d) }

// Restore puts everything back as Open seeded it, in a fresh database, with the clock back at the
// real time: the scenarios, the sample accounts, and an empty audit trail but for the seeding.
func (b *Backend) Restore(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrClosed
	}
	moved := b.clock.Offset()
	b.clock.Reset()
	local, st, err := b.build(ctx, b.gen+1)
	if err != nil {
		b.clock.Advance(moved) // the old database stays in use, at its time
		os.RemoveAll(filepath.Join(b.dir, fmt.Sprintf("db%d", b.gen+1)))
		return err
	}
	old := b.gen
	b.st.Close()
	b.local, b.st, b.gen = local, st, b.gen+1
	os.RemoveAll(filepath.Join(b.dir, fmt.Sprintf("db%d", old)))
	return nil
}

// Close closes the database and removes the demo's folder.
func (b *Backend) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	err := b.st.Close()
	return errors.Join(err, os.RemoveAll(b.dir))
}

// with runs fn on the current database, unless the demo has ended.
func (b *Backend) with(fn func(*client.Local) error) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return ErrClosed
	}
	return fn(b.local)
}

func (b *Backend) Operator() model.Operator { return b.op }

func (b *Backend) Policy(ctx context.Context) (p model.Policy, err error) {
	err = b.with(func(l *client.Local) error { p, err = l.Policy(ctx); return err })
	return p, err
}

func (b *Backend) Now(ctx context.Context) (t time.Time, err error) {
	err = b.with(func(l *client.Local) error { t, err = l.Now(ctx); return err })
	return t, err
}

func (b *Backend) Search(ctx context.Context, q string, page model.Page) (r model.SearchResult, err error) {
	err = b.with(func(l *client.Local) error { r, err = l.Search(ctx, q, page); return err })
	return r, err
}

func (b *Backend) Account(ctx context.Context, id string) (v model.AccountView, err error) {
	err = b.with(func(l *client.Local) error { v, err = l.Account(ctx, id); return err })
	return v, err
}

func (b *Backend) Verify(ctx context.Context, req model.VerifyRequest) (r model.VerifyResult, err error) {
	err = b.with(func(l *client.Local) error { r, err = l.Verify(ctx, req); return err })
	return r, err
}

func (b *Backend) VerifyCaller(ctx context.Context, req model.CallerVerifyRequest) (r model.VerifyResult, err error) {
	err = b.with(func(l *client.Local) error { r, err = l.VerifyCaller(ctx, req); return err })
	return r, err
}

func (b *Backend) Generate(ctx context.Context, req model.PINChange) (g model.GeneratedPIN, err error) {
	err = b.with(func(l *client.Local) error { g, err = l.Generate(ctx, req); return err })
	return g, err
}

func (b *Backend) Set(ctx context.Context, req model.PINChange, pin string) (s model.PINState, err error) {
	err = b.with(func(l *client.Local) error { s, err = l.Set(ctx, req, pin); return err })
	return s, err
}

func (b *Backend) Clear(ctx context.Context, req model.PINChange) error {
	return b.with(func(l *client.Local) error { return l.Clear(ctx, req) })
}

func (b *Backend) ReadPIN(ctx context.Context, req model.PINChange) (pin string, err error) {
	err = b.with(func(l *client.Local) error { pin, err = l.ReadPIN(ctx, req); return err })
	return pin, err
}

func (b *Backend) Unlock(ctx context.Context, req model.UnlockRequest) error {
	return b.with(func(l *client.Local) error { return l.Unlock(ctx, req) })
}

func (b *Backend) ResetAccount(ctx context.Context, req model.ResetRequest) (r model.ResetResult, err error) {
	err = b.with(func(l *client.Local) error { r, err = l.ResetAccount(ctx, req); return err })
	return r, err
}

func (b *Backend) ClearDispute(ctx context.Context, req model.ClearDisputeRequest) error {
	return b.with(func(l *client.Local) error { return l.ClearDispute(ctx, req) })
}

func (b *Backend) Audit(ctx context.Context, q model.AuditQuery) (e []model.AuditEvent, err error) {
	err = b.with(func(l *client.Local) error { e, err = l.Audit(ctx, q); return err })
	return e, err
}

// SendCode is refused in the demo (no mail server delivers it), as in any app without `pindesk
// serve`: the trainer sees the sentence an agent would.
func (b *Backend) SendCode(ctx context.Context, req model.CodeRequest) (s model.CodeSent, err error) {
	err = b.with(func(l *client.Local) error { s, err = l.SendCode(ctx, req); return err })
	return s, err
}

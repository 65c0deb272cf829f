// Package uitest is an in-memory client.Backend for testing the terminal app without a database.
// It decides verifications with model.Decide, the same decision table the core applies, so a flow
// test sees real outcomes (attempts left, lockout, spent one-time PINs). Every operation can be held
// back or made to fail through Hook, which is how tests make an answer arrive late.
package uitest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/model"
)

// Fake is a client.Backend over maps. It is safe for concurrent use.
type Fake struct {
	mu       sync.Mutex
	op       model.Operator
	policy   model.Policy
	now      time.Time
	accounts []model.Account
	holders  map[model.HolderRef]*holder
	audit    []model.AuditEvent
	verifies []model.VerifyRequest // requests with their PIN blanked

	// Hook, when set, runs first in every operation (outside the lock) with the operation's name
	// ("search", "account", "verify", "unlock", ...) and its main argument. A non-nil error is
	// returned as the operation's error; a hook may also block to make an answer late.
	Hook func(ctx context.Context, op, arg string) error
}

type holder struct {
	failures int
	locked   *time.Time
	pins     map[model.Kind]*pin
}

type pin struct {
	state model.PINState
	value string
}

var _ client.Backend = (*Fake)(nil)

// New returns an empty fake acting as op, with the default policy and its clock at now.
func New(op model.Operator, now time.Time) *Fake {
	return &Fake{op: op, policy: model.DefaultPolicy(), now: now.UTC(), holders: map[model.HolderRef]*holder{}}
}

// SetPolicy replaces the PIN policy.
func (f *Fake) SetPolicy(p model.Policy) { f.mu.Lock(); f.policy = p; f.mu.Unlock() }

// AddAccount adds an account and its contacts.
func (f *Fake) AddAccount(a model.Account) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.accounts = append(f.accounts, a)
	slices.SortFunc(f.accounts, func(x, y model.Account) int { return strings.Compare(x.Number, y.Number) })
}

// PutPIN gives the holder a PIN of a kind created at created (expiry from the policy).
func (f *Fake) PutPIN(accountID, holderID string, k model.Kind, value string, created time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h := f.holder(model.HolderRef{AccountID: accountID, ContactID: holderID})
	h.pins[k] = &pin{state: model.PINState{Kind: k, CreatedAt: created.UTC(), ExpiresAt: f.policy.ExpiresAt(k, created.UTC())}, value: value}
}

// Spend marks the holder's one-time PIN spent at t.
func (f *Fake) Spend(accountID, holderID string, t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p := f.holder(model.HolderRef{AccountID: accountID, ContactID: holderID}).pins[model.KindOneTime]; p != nil {
		t = t.UTC()
		p.state.SpentAt = &t
	}
}

// SetFailures sets the holder's consecutive failures, locking it at now when they reach the limit.
func (f *Fake) SetFailures(accountID, holderID string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h := f.holder(model.HolderRef{AccountID: accountID, ContactID: holderID})
	h.failures = n
	if n >= f.policy.MaxFailures {
		t := f.now
		h.locked = &t
	}
}

// Lock locks the holder since t.
func (f *Fake) Lock(accountID, holderID string, t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h := f.holder(model.HolderRef{AccountID: accountID, ContactID: holderID})
	t = t.UTC()
	h.failures, h.locked = f.policy.MaxFailures, &t
}

// Advance moves the fake's clock.
func (f *Fake) Advance(d time.Duration) { f.mu.Lock(); f.now = f.now.Add(d); f.mu.Unlock() }

// Verifies returns the verification requests received, each with its PIN replaced by its length
// in '#', so a test can check the channel and holder without the fake keeping PINs around.
func (f *Fake) Verifies() []model.VerifyRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.verifies)
}

// Events returns the audit trail, oldest first.
func (f *Fake) Events() []model.AuditEvent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.audit)
}

func (f *Fake) holder(ref model.HolderRef) *holder {
	h := f.holders[ref]
	if h == nil {
		h = &holder{pins: map[model.Kind]*pin{}}
		f.holders[ref] = h
	}
	return h
}

func (f *Fake) hook(ctx context.Context, op, arg string) error {
	if f.Hook == nil {
		return nil
	}
	return f.Hook(ctx, op, arg)
}

func (f *Fake) account(id string) (model.Account, error) {
	for _, a := range f.accounts {
		if a.ID == id {
			return a, nil
		}
	}
	return model.Account{}, fmt.Errorf("%w: %q", model.ErrUnknownAccount, id)
}

func (f *Fake) ref(accountID, holderID string) (model.Account, model.HolderRef, error) {
	a, err := f.account(accountID)
	if err != nil {
		return a, model.HolderRef{}, err
	}
	ref := model.HolderRef{AccountID: accountID, ContactID: holderID}
	if !ref.IsAccountWide() {
		if _, ok := a.Contact(holderID); !ok {
			return a, ref, fmt.Errorf("%w: %q", model.ErrUnknownHolder, holderID)
		}
	}
	return a, ref, nil
}

func (f *Fake) state(ref model.HolderRef) model.HolderState {
	st := model.HolderState{Holder: ref, MaxFailures: f.policy.MaxFailures, PINs: []model.PINState{}}
	h := f.holders[ref]
	if h == nil {
		return st
	}
	st.Failures, st.LockedSince = h.failures, h.locked
	for _, k := range model.Kinds {
		if p := h.pins[k]; p != nil {
			st.PINs = append(st.PINs, p.state)
		}
	}
	return st
}

func (f *Fake) event(ch model.Channel, ref model.HolderRef, a model.Action) model.AuditEvent {
	return model.AuditEvent{ID: int64(len(f.audit) + 1), Time: f.now, Operator: f.op.Name, Role: f.op.Role, Channel: ch, AccountID: ref.AccountID, Holder: ref.ContactID, Action: a, Outcome: "ok"}
}

func (f *Fake) Operator() model.Operator { return f.op }

func (f *Fake) Policy(ctx context.Context) (model.Policy, error) {
	if err := f.hook(ctx, "policy", ""); err != nil {
		return model.Policy{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.policy, nil
}

func (f *Fake) Now(ctx context.Context) (time.Time, error) {
	if err := f.hook(ctx, "now", ""); err != nil {
		return time.Time{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now, nil
}

func (f *Fake) Search(ctx context.Context, q string, page model.Page) (model.SearchResult, error) {
	if err := f.hook(ctx, "search", q); err != nil {
		return model.SearchResult{}, err
	}
	if err := f.op.Require(model.PermSearch); err != nil {
		return model.SearchResult{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	q = strings.ToLower(strings.TrimSpace(q))
	limit := page.Limit
	if limit == 0 {
		limit = model.DefaultPageSize
	}
	res := model.SearchResult{Accounts: []model.AccountSummary{}}
	if q == "" {
		return res, nil
	}
	skipped := 0
	for _, a := range f.accounts {
		on, text := match(a, q)
		if on == "" {
			continue
		}
		if skipped < page.Offset {
			skipped++
			continue
		}
		if len(res.Accounts) == limit {
			res.More = true
			break
		}
		res.Accounts = append(res.Accounts, model.AccountSummary{ID: a.ID, Number: a.Number, Name: a.Name, Product: a.Product, UsesPINs: a.UsesPINs, MatchedOn: on, MatchedText: text})
	}
	return res, nil
}

func match(a model.Account, q string) (on, text string) {
	prefix := func(s string) bool {
		s = strings.ToLower(s)
		if strings.HasPrefix(s, q) {
			return true
		}
		for _, w := range strings.Fields(s) {
			if strings.HasPrefix(w, q) {
				return true
			}
		}
		return false
	}
	switch {
	case prefix(a.Number):
		return "number", a.Number
	case prefix(a.Name):
		return "name", a.Name
	}
	for _, c := range a.Contacts {
		switch {
		case prefix(c.Name):
			return "contact", c.Name
		case c.Email != "" && prefix(c.Email):
			return "email", c.Email
		case c.Phone != "" && strings.HasPrefix(digits(c.Phone), digits(q)) && digits(q) != "":
			return "phone", c.Phone
		}
	}
	return "", ""
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (f *Fake) Account(ctx context.Context, id string) (model.AccountView, error) {
	if err := f.hook(ctx, "account", id); err != nil {
		return model.AccountView{}, err
	}
	if err := f.op.Require(model.PermView); err != nil {
		return model.AccountView{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.account(id)
	if err != nil {
		return model.AccountView{}, err
	}
	v := model.AccountView{Account: a, Holders: []model.HolderState{f.state(model.HolderRef{AccountID: id, ContactID: model.AccountWide})}}
	for _, c := range a.Contacts {
		v.Holders = append(v.Holders, f.state(model.HolderRef{AccountID: id, ContactID: c.ID}))
	}
	return v, nil
}

func (f *Fake) Verify(ctx context.Context, req model.VerifyRequest) (model.VerifyResult, error) {
	if err := f.hook(ctx, "verify", req.AccountID+"/"+req.Holder); err != nil {
		return model.VerifyResult{}, err
	}
	if err := f.op.Require(model.PermVerify); err != nil {
		return model.VerifyResult{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	ch, err := model.ParseChannel(string(req.Channel))
	if err != nil {
		return model.VerifyResult{}, err
	}
	entry, err := f.policy.Canonical(req.PIN)
	if err != nil {
		return model.VerifyResult{}, err
	}
	recorded := req
	recorded.PIN = strings.Repeat("#", len(req.PIN))
	f.verifies = append(f.verifies, recorded)
	a, ref, err := f.ref(req.AccountID, req.Holder)
	if err != nil {
		return model.VerifyResult{}, err
	}
	h := f.holder(ref)
	st := f.state(ref)
	d := model.Decide(f.policy, f.now, a.UsesPINs, st, st.PINs, func() []model.Candidate {
		var out []model.Candidate
		for _, k := range model.Kinds {
			if p := h.pins[k]; p != nil {
				out = append(out, model.Candidate{PIN: p.state, Matches: p.value == entry})
			}
		}
		return out
	})
	switch d.Effect {
	case model.EffectCountFailure:
		h.failures++
		if h.failures >= f.policy.MaxFailures && h.locked == nil {
			t := f.now
			h.locked = &t
		}
		d = d.Counted(f.policy, h.failures, h.locked)
	case model.EffectSucceed:
		h.failures = 0
		if d.Spend {
			t := f.now
			h.pins[model.KindOneTime].state.SpentAt = &t
		}
	}
	e := f.event(ch, ref, model.ActionVerify)
	left := d.Result.AttemptsLeft
	e.Caller, e.Kind, e.Outcome, e.AttemptsLeft = req.Caller, d.Result.MatchedKind, string(d.Result.Outcome), &left
	f.audit = append(f.audit, e)
	return d.Result, nil
}

func (f *Fake) Generate(ctx context.Context, req model.PINChange) (model.GeneratedPIN, error) {
	if err := f.hook(ctx, "generate", req.AccountID+"/"+req.Holder); err != nil {
		return model.GeneratedPIN{}, err
	}
	if err := f.op.Require(model.PermChange); err != nil {
		return model.GeneratedPIN{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ref, err := f.ref(req.AccountID, req.Holder)
	if err != nil {
		return model.GeneratedPIN{}, err
	}
	if !a.UsesPINs {
		return model.GeneratedPIN{}, model.ErrNoPINs
	}
	h := f.holder(ref)
	if h.locked != nil {
		return model.GeneratedPIN{}, fmt.Errorf("%w: unlock it before changing its PIN", model.ErrLocked)
	}
	value, err := f.policy.Generate(nil)
	if err != nil {
		return model.GeneratedPIN{}, err
	}
	p := &pin{state: model.PINState{Kind: req.Kind, CreatedAt: f.now, ExpiresAt: f.policy.ExpiresAt(req.Kind, f.now)}, value: value}
	h.pins[req.Kind] = p
	e := f.event(req.Channel, ref, model.ActionGenerate)
	e.Kind = req.Kind
	f.audit = append(f.audit, e)
	return model.GeneratedPIN{PIN: value, State: p.state}, nil
}

func (f *Fake) Set(ctx context.Context, req model.PINChange, value string) (model.PINState, error) {
	if err := f.hook(ctx, "set", req.AccountID+"/"+req.Holder); err != nil {
		return model.PINState{}, err
	}
	if err := f.op.Require(model.PermChange); err != nil {
		return model.PINState{}, err
	}
	if err := f.policy.Check(value); err != nil {
		return model.PINState{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, _, err := f.ref(req.AccountID, req.Holder); err != nil {
		return model.PINState{}, err
	}
	p := &pin{state: model.PINState{Kind: req.Kind, CreatedAt: f.now, ExpiresAt: f.policy.ExpiresAt(req.Kind, f.now)}, value: value}
	f.holder(model.HolderRef{AccountID: req.AccountID, ContactID: req.Holder}).pins[req.Kind] = p
	return p.state, nil
}

func (f *Fake) Clear(ctx context.Context, req model.PINChange) error {
	if err := f.hook(ctx, "clear", req.AccountID+"/"+req.Holder); err != nil {
		return err
	}
	if err := f.op.Require(model.PermChange); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, _, err := f.ref(req.AccountID, req.Holder); err != nil {
		return err
	}
	h := f.holder(model.HolderRef{AccountID: req.AccountID, ContactID: req.Holder})
	if h.pins[req.Kind] == nil {
		return model.ErrNoSuchPIN
	}
	delete(h.pins, req.Kind)
	return nil
}

func (f *Fake) Unlock(ctx context.Context, req model.UnlockRequest) error {
	if err := f.hook(ctx, "unlock", req.AccountID+"/"+req.Holder); err != nil {
		return err
	}
	if err := f.op.Require(model.PermUnlock); err != nil {
		return err
	}
	if strings.TrimSpace(req.Reason) == "" {
		return fmt.Errorf("%w: a reason is required", model.ErrInvalidInput)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ref, err := f.ref(req.AccountID, req.Holder)
	if err != nil {
		return err
	}
	h := f.holder(ref)
	if h.locked == nil && h.failures == 0 {
		return fmt.Errorf("%w: %s has no lock and no failed attempts", model.ErrNotLocked, req.Holder)
	}
	h.locked, h.failures = nil, 0
	e := f.event(req.Channel, ref, model.ActionUnlock)
	e.Reason = req.Reason
	f.audit = append(f.audit, e)
	return nil
}

func (f *Fake) ResetAccount(ctx context.Context, req model.ResetRequest) (model.ResetResult, error) {
	if err := f.hook(ctx, "reset", req.AccountID); err != nil {
		return model.ResetResult{}, err
	}
	if err := f.op.Require(model.PermReset); err != nil {
		return model.ResetResult{}, err
	}
	if strings.TrimSpace(req.Reason) == "" {
		return model.ResetResult{}, fmt.Errorf("%w: a reason is required", model.ErrInvalidInput)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.account(req.AccountID); err != nil {
		return model.ResetResult{}, err
	}
	var res model.ResetResult
	for ref, h := range f.holders {
		if ref.AccountID != req.AccountID {
			continue
		}
		res.RevokedPINs += len(h.pins)
		if h.locked != nil {
			res.UnlockedHolders++
		}
		h.pins, h.failures, h.locked = map[model.Kind]*pin{}, 0, nil
	}
	e := f.event(req.Channel, model.HolderRef{AccountID: req.AccountID}, model.ActionReset)
	e.Reason = req.Reason
	f.audit = append(f.audit, e)
	return res, nil
}

func (f *Fake) Audit(ctx context.Context, q model.AuditQuery) ([]model.AuditEvent, error) {
	if err := f.hook(ctx, "audit", q.AccountID); err != nil {
		return nil, err
	}
	if err := f.op.Require(model.PermAudit); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	limit := q.Limit
	if limit == 0 {
		limit = 100
	}
	var out []model.AuditEvent
	for i := len(f.audit) - 1; i >= 0 && len(out) < limit; i-- {
		e := f.audit[i]
		if (q.AccountID != "" && e.AccountID != q.AccountID) || (q.BeforeID != 0 && e.ID >= q.BeforeID) {
			continue
		}
		out = append(out, e)
	}
	return out, nil
}

func (f *Fake) Close() error { return nil }

// Demo is a Fake that also plays the trainer's demo controls (client.Demo); Restore calls the
// function it was given, which typically re-seeds the fake.
type Demo struct {
	*Fake
	restore  func(*Fake)
	restored int
}

var _ client.Demo = (*Demo)(nil)

// NewDemo wraps f; restore re-seeds it.
func NewDemo(f *Fake, restore func(*Fake)) *Demo { return &Demo{Fake: f, restore: restore} }

func (d *Demo) Restore(ctx context.Context) error {
	if err := d.hook(ctx, "restore", ""); err != nil {
		return err
	}
	d.mu.Lock()
	d.accounts, d.holders, d.restored = nil, map[model.HolderRef]*holder{}, d.restored+1
	d.mu.Unlock()
	if d.restore != nil {
		d.restore(d.Fake)
	}
	return nil
}

// Restored counts the calls of Restore.
func (d *Demo) Restored() int { d.mu.Lock(); defer d.mu.Unlock(); return d.restored }

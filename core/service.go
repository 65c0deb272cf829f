// Package core is pindesk's verification core: a Service over a store, a sealer, a clock and the
// PIN policy. It is the only way in: the terminal app (through client.Local) and the REST server
// both call it, and it enforces the policy, the lockout, each operator role's permissions and the
// audit trail. The decision rules themselves live in package model.
package core

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/secret"
)

// Clock tells the time; tests and the demo inject their own.
type Clock interface{ Now() time.Time }

// SystemClock is the wall clock.
type SystemClock struct{}

func (SystemClock) Now() time.Time { return time.Now() }

// Service is the verification core.
type Service struct {
	store  store.Store
	sealer *secret.Sealer
	clock  Clock
	policy model.Policy
	log    *slog.Logger
	keyTTL time.Duration // how long an idempotency key answers
	// chainCheck is where the audit view's last check of the audit chains ended (auditchain.go).
	chainCheck chainCheck
	// revokes is which PINs a dispute revokes (notify.dispute_revokes).
	revokes model.DisputeRevokes
	// sessionTTL is how long a verification session lasts (session.go).
	sessionTTL time.Duration
	// codes configures the codes emailed to a calling contact (emailcode.go).
	codes CodeSettings
	// approvals is which unlocks and resets need a second person (approval.go).
	approvals model.ApprovalPolicy
	// anomaly is when a desk's failures raise an alert, and how it is slowed (anomaly.go).
	anomaly model.AnomalyPolicy
}

// DefaultIdempotencyTTL is how long an idempotency key answers for its request. A client retries
// within seconds; ten minutes covers a retry after a dropped connection without answering, from a
// key, long after the call it belonged to.
const DefaultIdempotencyTTL = 10 * time.Minute

// Option configures a Service.
type Option func(*Service)

// WithClock injects the clock.
func WithClock(c Clock) Option { return func(s *Service) { s.clock = c } }

// WithPolicy sets the PIN policy (validated by New).
func WithPolicy(p model.Policy) Option { return func(s *Service) { s.policy = p } }

// WithLogger sets the logger. The core never logs a PIN.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// WithIdempotencyTTL sets how long an idempotency key answers (DefaultIdempotencyTTL when zero).
func WithIdempotencyTTL(d time.Duration) Option { return func(s *Service) { s.keyTTL = d } }

// New returns a Service over st, sealing PINs with sealer.
func New(st store.Store, sealer *secret.Sealer, opts ...Option) (_ *Service, err error) {
	s := &Service{store: st, sealer: sealer, clock: SystemClock{}, policy: model.DefaultPolicy(), log: slog.New(slog.DiscardHandler),
		anomaly: model.DefaultAnomalyPolicy()}
	for _, o := range opts {
		o(s)
	}
	if err := s.policy.Validate(); err != nil {
		return nil, fmt.Errorf("PIN policy: %w", err)
	}
	if err := s.anomaly.Validate(); err != nil {
		return nil, fmt.Errorf("anomaly alerts: %w", err)
	}
	if s.revokes, err = model.ParseDisputeRevokes(string(s.revokes)); err != nil {
		return nil, fmt.Errorf("notify.dispute_revokes: %w", err)
	}
	if s.codes, err = s.codes.withDefaults(); err != nil {
		return nil, fmt.Errorf("emailed codes: %w", err)
	}
	if sealer != nil {
		// Every audit event the store appends is chained under the key file's audit-chain subkey
		// (store/auditchain.go); the store is given the function, never the key.
		st.SetAuditChain(store.AuditKey{Func: sealer.AuditChain, Check: sealer.Check()})
	}
	// Sessions are read from the audit trail (store/session.go): the store ages them by this.
	st.SetSessionTTL(s.SessionTTL())
	switch {
	case s.keyTTL == 0:
		s.keyTTL = DefaultIdempotencyTTL
	case s.keyTTL < 0:
		return nil, fmt.Errorf("%w: the idempotency key lifetime must be positive", model.ErrInvalidInput)
	}
	if err := s.checkApprovals(); err != nil {
		return nil, err
	}
	return s, nil
}

// MetaDemo is the meta entry (store.Store.Meta) that marks a demo database, with the value "true".
// Only the demo's seeding (package demo) writes it, into a throwaway database of its own.
const MetaDemo = "demo"

// MarkDemo records that st is a demo database: trainers may then change its customers' PINs.
func MarkDemo(ctx context.Context, st store.Store) error { return st.PutMeta(ctx, MetaDemo, "true") }

// IsDemo reports whether the database is marked as a demo database. It is read when asked, not
// cached, so marking a database takes effect at once and nothing can go stale.
func (s *Service) IsDemo(ctx context.Context) (bool, error) {
	v, ok, err := s.store.Meta(ctx, MetaDemo)
	if err != nil {
		return false, fmt.Errorf("is this a demo database: %w", err)
	}
	return ok && v == "true", nil
}

// require checks op's permission. Only a trainer's rights depend on the database (PIN changes and
// reading a PIN back, on a demo database only), so only then is the demo marker read.
func (s *Service) require(ctx context.Context, op model.Operator, p model.Permission) error {
	if op.Role.PermitsOn(p, false) == op.Role.PermitsOn(p, true) {
		return op.Require(p)
	}
	demo, err := s.IsDemo(ctx)
	if err != nil {
		return err
	}
	return op.RequireOn(p, demo)
}

// Policy is the PIN policy in force.
func (s *Service) Policy() model.Policy { return s.policy }

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.clock.Now().UTC() }

// Search finds accounts by a case-insensitive prefix of their number, name, a contact's name,
// email or phone.
func (s *Service) Search(ctx context.Context, op model.Operator, q string, page model.Page) (model.SearchResult, error) {
	if err := op.Require(model.PermSearch); err != nil {
		return model.SearchResult{}, err
	}
	q = strings.TrimSpace(q)
	if utf8.RuneCountInString(q) > model.MaxQueryLength || !utf8.ValidString(q) {
		return model.SearchResult{}, fmt.Errorf("%w: a search has at most %d characters", model.ErrInvalidInput, model.MaxQueryLength)
	}
	limit, err := pageLimit(page)
	if err != nil {
		return model.SearchResult{}, err
	}
	if q == "" {
		return model.SearchResult{Accounts: []model.AccountSummary{}}, nil
	}
	found, err := s.store.SearchAccounts(ctx, q, limit+1, page.Offset)
	if err != nil {
		return model.SearchResult{}, fmt.Errorf("search: %w", err)
	}
	res := model.SearchResult{Accounts: found, More: len(found) > limit}
	if res.More {
		res.Accounts = found[:limit]
	}
	return res, nil
}

func pageLimit(p model.Page) (int, error) {
	switch {
	case p.Limit < 0 || p.Limit > model.MaxPageSize:
		return 0, fmt.Errorf("%w: a page has 1 to %d results", model.ErrInvalidInput, model.MaxPageSize)
	case p.Offset < 0:
		return 0, fmt.Errorf("%w: offset must not be negative", model.ErrInvalidInput)
	case p.Limit == 0:
		return model.DefaultPageSize, nil
	}
	return p.Limit, nil
}

// Account returns an account with each holder's PIN state: the account-wide holder first, then
// every contact in order, whether or not they have PINs. Never a secret.
func (s *Service) Account(ctx context.Context, op model.Operator, accountID string) (model.AccountView, error) {
	if err := op.Require(model.PermView); err != nil {
		return model.AccountView{}, err
	}
	acct, err := s.account(ctx, accountID)
	if err != nil {
		return model.AccountView{}, err
	}
	rows, err := s.store.Holders(ctx, accountID)
	if err != nil {
		return model.AccountView{}, fmt.Errorf("load holders: %w", err)
	}
	byID := map[string]store.Holder{}
	for _, h := range rows {
		byID[h.Ref.ContactID] = h
	}
	view := model.AccountView{Account: acct}
	ids := []string{model.AccountWide}
	for _, c := range acct.Contacts {
		ids = append(ids, c.ID)
	}
	for _, id := range ids {
		h, ok := byID[id]
		if !ok {
			h = store.Holder{Ref: model.HolderRef{AccountID: accountID, ContactID: id}}
		}
		view.Holders = append(view.Holders, h.State(s.policy.MaxFailures))
	}
	if view.Disputes, err = s.store.OpenDisputes(ctx, acct.ID); err != nil {
		return model.AccountView{}, fmt.Errorf("load disputes: %w", err)
	}
	if view.Sessions, err = s.store.Sessions(ctx, acct.ID, s.Now()); err != nil {
		return model.AccountView{}, fmt.Errorf("load verification sessions: %w", err)
	}
	return view, nil
}

func (s *Service) account(ctx context.Context, id string) (model.Account, error) {
	if err := checkID("account id", id); err != nil {
		return model.Account{}, err
	}
	acct, err := s.store.Account(ctx, id)
	if err != nil {
		return model.Account{}, err
	}
	return acct, nil
}

// holder resolves a holder id on an account: a contact id, or "account".
func (s *Service) holder(ctx context.Context, accountID, holderID string) (model.Account, model.HolderRef, error) {
	acct, err := s.account(ctx, accountID)
	if err != nil {
		return acct, model.HolderRef{}, err
	}
	if err := checkID("holder", holderID); err != nil {
		return acct, model.HolderRef{}, err
	}
	ref := model.HolderRef{AccountID: acct.ID, ContactID: holderID}
	if !ref.IsAccountWide() {
		if _, ok := acct.Contact(holderID); !ok {
			return acct, ref, fmt.Errorf("%w: account %s has no contact %q", model.ErrUnknownHolder, acct.Number, holderID)
		}
	}
	return acct, ref, nil
}

func checkID(what, id string) error {
	if id == "" {
		return fmt.Errorf("%w: %s is missing", model.ErrInvalidInput, what)
	}
	if len(id) > model.MaxIDLength || !utf8.ValidString(id) {
		return fmt.Errorf("%w: %s is longer than %d characters", model.ErrInvalidInput, what, model.MaxIDLength)
	}
	return nil
}

func checkReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return "", fmt.Errorf("%w: a reason is required", model.ErrInvalidInput)
	case utf8.RuneCountInString(reason) > model.MaxReasonLength || !utf8.ValidString(reason):
		return "", fmt.Errorf("%w: a reason has at most %d characters", model.ErrInvalidInput, model.MaxReasonLength)
	}
	// A reason is shown in the audit trail, on terminals too.
	if err := model.CheckText("reason", reason); err != nil {
		return "", err
	}
	return reason, nil
}

// channel defaults an empty channel to the operator's natural one.
func channel(c model.Channel, op model.Operator) (model.Channel, error) {
	if c == "" {
		switch op.Role {
		case model.OpPortal:
			return model.ChannelPortal, nil
		case model.OpAdmin:
			return model.ChannelAdmin, nil
		}
	}
	return model.ParseChannel(string(c))
}

func (s *Service) event(op model.Operator, ch model.Channel, ref model.HolderRef, action model.Action) model.AuditEvent {
	return model.AuditEvent{Time: s.Now(), Operator: op.Name, Role: op.Role, Channel: ch, AccountID: ref.AccountID, Holder: ref.ContactID, Action: action, Outcome: "ok"}
}

// Audit returns the events of an account (or all, for an empty account) in a time range, newest
// first.
func (s *Service) Audit(ctx context.Context, op model.Operator, q model.AuditQuery) ([]model.AuditEvent, error) {
	if err := op.Require(model.PermAudit); err != nil {
		return nil, err
	}
	if q.Limit < 0 || q.Limit > 10000 {
		return nil, fmt.Errorf("%w: an audit page has 1 to 10000 events", model.ErrInvalidInput)
	}
	if q.Limit == 0 {
		q.Limit = 100
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Since.Before(q.Until) {
		return nil, fmt.Errorf("%w: the audit range ends before it starts", model.ErrInvalidInput)
	}
	if q.AccountID != "" {
		if _, err := s.account(ctx, q.AccountID); err != nil {
			return nil, err
		}
	}
	var err error
	if q.Ticket, err = model.CheckTicket(q.Ticket); err != nil {
		return nil, err
	}
	return s.store.Audit(ctx, q)
}

// ExportAudit writes every event matching q as JSON lines, newest first, paging through the store
// so an export of any size runs in constant memory.
func (s *Service) ExportAudit(ctx context.Context, op model.Operator, q model.AuditQuery, w io.Writer) error {
	q.Limit = 1000
	for {
		page, err := s.Audit(ctx, op, q)
		if err != nil {
			return err
		}
		for _, e := range page {
			if err := writeJSONLine(w, e); err != nil {
				return err
			}
		}
		if len(page) < q.Limit {
			return nil
		}
		q.BeforeID = page[len(page)-1].ID
	}
}

// Package notify delivers the customer notices the core writes to the outbox (see store.Outbox):
// at least once, to every destination (signed webhooks, email), retried with backoff for a retry
// window (24 hours by default) and then dead, with the reason, in the audit trail and on
// /metrics. A notice carries a stable id, so a receiver drops duplicates.
//
// A Deliverer runs inside `pindesk serve`. Several servers on one PostgreSQL each run one: a
// claim leases a notice to one of them (FOR UPDATE SKIP LOCKED), and a server that dies mid-send
// leaves it to be claimed again when the lease ends. Nothing here ever blocks a verification: the
// core only writes a row; sending happens here, later, on other goroutines.
package notify

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// Destination is one place a notice goes: a webhook endpoint, or email to the account's contacts.
type Destination interface {
	// Name identifies the destination in the outbox's record of who took a notice: stable across
	// restarts, and never a secret.
	Name() string
	// Channel is the destination's kind for metrics: "webhook" or "email".
	Channel() string
	// Send delivers n, or says why not. It returns by ctx's deadline.
	Send(ctx context.Context, n model.Notice) error
}

// Store is what a Deliverer needs of a store.
type Store interface {
	store.Outbox
	AppendAudit(ctx context.Context, e model.AuditEvent) error
}

// ActionNoticeDead is the audit action of a notice given up on.
const ActionNoticeDead model.Action = "notice_dead"

// Config configures a Deliverer; zero values take the defaults.
type Config struct {
	Destinations []Destination
	Lease        time.Duration // how long a claim holds a notice (default 2m)
	Timeout      time.Duration // one destination's send (default 10s); a notice's sends together end inside the lease
	RetryFor     time.Duration // the retry window (default 24h)
	Poll         time.Duration // how often an idle deliverer looks for due notices (default 200ms)
	Parallel     int           // notices sent at once (default 16)
	// Backoff is the wait after the attempt-th failure (default: 5s doubling to 1h, ±20%).
	Backoff    func(attempt int) time.Duration
	Now        func() time.Time
	Logger     *slog.Logger
	Registerer prometheus.Registerer // where the delivery counters go; nil: nowhere
}

// Deliverer claims due notices and sends them.
type Deliverer struct {
	st    Store
	cfg   Config
	owner string
	sent  *prometheus.CounterVec
}

// DefaultBackoff waits 5s after the first failure, doubling to at most an hour, with ±20% jitter
// so notices that failed together do not retry together.
func DefaultBackoff(attempt int) time.Duration {
	d := 5 * time.Second * time.Duration(math.Pow(2, float64(min(attempt-1, 20))))
	d = min(d, time.Hour)
	return time.Duration(float64(d) * (0.8 + 0.4*mrand.Float64()))
}

// New returns a Deliverer over st.
func New(st Store, cfg Config) (*Deliverer, error) {
	if cfg.Lease == 0 {
		cfg.Lease = 2 * time.Minute
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.RetryFor == 0 {
		cfg.RetryFor = 24 * time.Hour
	}
	if cfg.Poll == 0 {
		cfg.Poll = 200 * time.Millisecond
	}
	if cfg.Parallel == 0 {
		cfg.Parallel = 16
	}
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Lease < 2*cfg.Timeout {
		return nil, fmt.Errorf("%w: a notice's lease (%v) must be at least twice the send timeout (%v)", model.ErrInvalidInput, cfg.Lease, cfg.Timeout)
	}
	names := map[string]bool{}
	for _, d := range cfg.Destinations {
		if names[d.Name()] {
			return nil, fmt.Errorf("%w: destination %s is named twice", model.ErrInvalidInput, d.Name())
		}
		names[d.Name()] = true
	}
	d := &Deliverer{st: st, cfg: cfg, owner: "dlv_" + rand.Text(),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pindesk_notices_total",
			Help: "Customer notice deliveries, by channel (webhook, email) and result (delivered, failed: to be retried, dead: given up).",
		}, []string{"channel", "result"})}
	for _, ch := range []string{"webhook", "email"} {
		for _, r := range []string{"delivered", "failed", "dead"} {
			d.sent.WithLabelValues(ch, r) // every series from the start, at 0
		}
	}
	if cfg.Registerer != nil {
		if err := cfg.Registerer.Register(d.sent); err != nil {
			return nil, fmt.Errorf("notice metrics: %w", err)
		}
	}
	return d, nil
}

// Run delivers until ctx ends, then waits for the sends in flight (each bounded by the timeout).
func (d *Deliverer) Run(ctx context.Context) {
	slots := make(chan struct{}, d.cfg.Parallel)
	var wg sync.WaitGroup
	defer wg.Wait()
	// freed wakes the loop when a send ends, so a full house claims again at once rather than
	// after a poll.
	freed := make(chan struct{}, 1)
	wait := time.NewTimer(0)
	defer wait.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-wait.C:
		case <-freed:
		}
		free := d.cfg.Parallel - len(slots)
		if free == 0 {
			wait.Reset(d.cfg.Poll)
			continue
		}
		es, err := d.st.ClaimNotices(ctx, d.owner, d.cfg.Now(), d.cfg.Lease, free)
		if err != nil {
			if ctx.Err() == nil {
				d.cfg.Logger.Warn("could not claim notices; trying again", "error", err)
			}
			wait.Reset(d.cfg.Poll)
			continue
		}
		for _, e := range es {
			slots <- struct{}{}
			wg.Go(func() {
				defer func() {
					<-slots
					select {
					case freed <- struct{}{}:
					default:
					}
				}()
				d.deliver(ctx, e)
			})
		}
		if len(es) == free {
			wait.Reset(0) // more may be due: look again at once
		} else {
			wait.Reset(d.cfg.Poll)
		}
	}
}

// RunOnce claims the notices due now and delivers them, one after another (for tests and
// `pindesk admin events`); it returns how many it claimed.
func (d *Deliverer) RunOnce(ctx context.Context) (int, error) {
	es, err := d.st.ClaimNotices(ctx, d.owner, d.cfg.Now(), d.cfg.Lease, 100)
	if err != nil {
		return 0, err
	}
	for _, e := range es {
		d.deliver(ctx, e)
	}
	return len(es), nil
}

// deliver sends e to every destination that has not taken it yet, and records the outcome.
func (d *Deliverer) deliver(ctx context.Context, e store.OutboxEntry) {
	done := slices.Clone(e.Done)
	var errs []string
	if err := d.codeRoute(e.Notice); err != nil {
		errs = append(errs, err.Error())
	}
	if err := d.webhookRoute(e.Notice); err != nil { // checkpoint.go
		errs = append(errs, err.Error())
	}
	for _, dst := range d.cfg.Destinations {
		if slices.Contains(done, dst.Name()) || !forDestination(e.Notice, dst) {
			continue
		}
		sctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
		err := dst.Send(sctx, e.Notice)
		cancel()
		if err != nil {
			d.sent.WithLabelValues(dst.Channel(), "failed").Inc()
			errs = append(errs, fmt.Sprintf("%s: %v", dst.Name(), err))
			continue
		}
		d.sent.WithLabelValues(dst.Channel(), "delivered").Inc()
		done = append(done, dst.Name())
	}
	// The outcome is recorded even when ctx ended (the server is stopping): the send happened.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if len(errs) == 0 {
		if err := d.st.NoticeDelivered(rctx, e.ID, d.owner); err != nil {
			d.cfg.Logger.Warn("a notice was delivered but could not be marked so; it will be sent again", "notice", e.ID, "error", err)
		}
		return
	}
	now := d.cfg.Now()
	reason := strings.Join(errs, "; ")
	f := store.NoticeFailure{Done: done, Error: reason}
	end := e.Since.Add(d.cfg.RetryFor)
	if !now.Before(end) {
		f.Dead = true
	} else {
		f.NextAt = now.Add(d.cfg.Backoff(e.Attempts + 1))
		if f.NextAt.After(end) {
			f.NextAt = end // the last try falls at the window's end, not after it
		}
	}
	if err := d.st.NoticeFailed(rctx, e.ID, d.owner, f); err != nil {
		d.cfg.Logger.Warn("could not record a failed notice; it will be tried again when its lease ends", "notice", e.ID, "error", err)
		return
	}
	if !f.Dead {
		d.cfg.Logger.Info("notice not delivered; will retry", "notice", e.ID, "type", e.Type, "attempt", e.Attempts+1, "next", f.NextAt, "error", reason)
		return
	}
	for _, dst := range d.cfg.Destinations {
		if !slices.Contains(done, dst.Name()) {
			d.sent.WithLabelValues(dst.Channel(), "dead").Inc()
		}
	}
	d.cfg.Logger.Error("notice dead: retried for the whole window", "notice", e.ID, "type", e.Type, "attempts", e.Attempts+1, "error", reason)
	ae := model.AuditEvent{Time: now.UTC(), Operator: "pindesk notify", Role: model.OpAdmin, Channel: model.ChannelAdmin,
		AccountID: e.AccountID, Holder: e.Holder, Action: ActionNoticeDead, Outcome: store.NoticeDead,
		Reason: fmt.Sprintf("notice %s (%s) not delivered after %d attempts: %s", e.ID, e.Type, e.Attempts+1, reason)}
	if err := d.st.AppendAudit(rctx, ae); err != nil {
		d.cfg.Logger.Error("could not audit a dead notice", "notice", e.ID, "error", err)
	}
}

// errStatus is a receiver's answer other than 2xx.
var errStatus = errors.New("answered")

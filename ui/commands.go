package ui

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/model"
)

// Every answer from the backend arrives as one of these messages. Each carries the id of the call
// that asked (tag): the root drops an answer whose call has ended, so it can never land on the next
// caller's screen. Search answers also carry their sequence number, so an old, slow search never
// overwrites the results of a newer one.

type tag struct{ call uint64 }

func (t tag) callID() uint64 { return t.call }

type tagged interface{ callID() uint64 }

type searchMsg struct {
	tag
	seq   uint64
	query string
	res   model.SearchResult
	err   error
}

type accountMsg struct {
	tag
	view  model.AccountView
	now   time.Time
	err   error
	quiet bool // a background refresh (poll): its failure is not said, only the connection noted
}

// pollMsg is the timer of the open account's background refresh, for the account it was set for.
type pollMsg struct {
	tag
	account string
}

// probeMsg is the timer of the offline re-check; probedMsg is its answer.
type (
	probeMsg  struct{}
	probedMsg struct{ err error }
)

// pinsMsg is a holder's current PINs, read for the trainer panel (demo only).
type pinsMsg struct {
	tag
	account, holder string
	pins            []shownPIN
	err             error
}

type shownPIN struct {
	kind model.Kind
	pin  string
}

type verifyMsg struct {
	tag
	holder, caller string
	res            model.VerifyResult
	now            time.Time
	err            error
}

type unlockMsg struct {
	tag
	holder string
	err    error
}

type resetMsg struct {
	tag
	account string
	res     model.ResetResult
	err     error
}

type clearDisputeMsg struct {
	tag
	err error
}

type auditMsg struct {
	tag
	account string
	older   bool // a further page, to append
	events  []model.AuditEvent
	err     error
}

// auditChainMsg is the audit chains' state, for the audit view's line.
type auditChainMsg struct {
	tag
	state model.AuditChainState
	err   error
}

type generateMsg struct {
	tag
	holder string
	pin    model.GeneratedPIN
	err    error
}

type demoMsg struct {
	tag
	what string // "advance", "restore" or "now"
	now  time.Time
	err  error
}

type policyMsg struct {
	policy model.Policy
	err    error
}

// errInternal stands for a panic inside a command: the agent reads a sentence, the call stays.
var errInternal = errors.New("internal error")

// backendCmds makes the commands that talk to the backend. Nothing else in the app calls it, and
// it is only ever called from inside a tea.Cmd, never from Update or View.
type backendCmds struct {
	ctx     context.Context
	b       client.Backend
	demo    client.Demo // nil unless the backend offers demo controls
	timeout time.Duration
}

// run calls f with a deadline; a panic in the backend becomes an error message instead of
// tearing the terminal down with a stack trace.
func (io *backendCmds) run(f func(ctx context.Context) tea.Msg, onPanic func(error) tea.Msg) tea.Cmd {
	return func() (msg tea.Msg) {
		ctx, cancel := context.WithTimeout(io.ctx, io.timeout)
		defer cancel()
		defer func() {
			if r := recover(); r != nil {
				msg = onPanic(errInternal)
			}
		}()
		return f(ctx)
	}
}

func (io *backendCmds) policy() tea.Cmd {
	return io.run(func(ctx context.Context) tea.Msg {
		p, err := io.b.Policy(ctx)
		return policyMsg{p, err}
	}, func(err error) tea.Msg { return policyMsg{err: err} })
}

func (io *backendCmds) search(call, seq uint64, q string, limit int) tea.Cmd {
	return io.run(func(ctx context.Context) tea.Msg {
		res, err := io.b.Search(ctx, q, model.Page{Limit: limit})
		return searchMsg{tag{call}, seq, q, safeSearch(res), err}
	}, func(err error) tea.Msg { return searchMsg{tag: tag{call}, seq: seq, query: q, err: err} })
}

func (io *backendCmds) account(call uint64, id string) tea.Cmd {
	return io.loadAccount(call, id, false)
}

// poll reloads the open account in the background, so a change made elsewhere (a supervisor's
// unlock at another desk) shows without the agent pressing r.
func (io *backendCmds) poll(call uint64, id string) tea.Cmd { return io.loadAccount(call, id, true) }

func (io *backendCmds) loadAccount(call uint64, id string, quiet bool) tea.Cmd {
	return io.run(func(ctx context.Context) tea.Msg {
		now, err := io.b.Now(ctx)
		if err != nil {
			return accountMsg{tag: tag{call}, err: err, quiet: quiet}
		}
		v, err := io.b.Account(ctx, id)
		return accountMsg{tag{call}, safeView(v), now, err, quiet}
	}, func(err error) tea.Msg { return accountMsg{tag: tag{call}, err: err, quiet: quiet} })
}

// probe asks the server the time, only to learn whether it answers again.
func (io *backendCmds) probe() tea.Cmd {
	return io.run(func(ctx context.Context) tea.Msg {
		_, err := io.b.Now(ctx)
		return probedMsg{err}
	}, func(err error) tea.Msg { return probedMsg{err} })
}

// readPINs reads a holder's current PINs of the kinds given, for the trainer panel.
func (io *backendCmds) readPINs(call uint64, reqs []model.PINChange) tea.Cmd {
	return io.run(func(ctx context.Context) tea.Msg {
		msg := pinsMsg{tag: tag{call}, account: reqs[0].AccountID, holder: reqs[0].Holder}
		for _, r := range reqs {
			pin, err := io.demo.ReadPIN(ctx, r)
			if err != nil {
				msg.err = err
				return msg
			}
			msg.pins = append(msg.pins, shownPIN{r.Kind, pin})
		}
		return msg
	}, func(err error) tea.Msg { return pinsMsg{tag: tag{call}, err: err} })
}

// verifyCaller sends the PIN of the contact who is calling; the core compares every PIN they may
// give. The request, and with it the only copy of the PIN outside the PIN field, lives in this
// closure until the answer comes back. A request without an idempotency key gets a new one; a
// retry of the same PIN comes with the key of its first attempt, so that an attempt whose answer
// was lost is counted once.
func (io *backendCmds) verifyCaller(call uint64, req model.CallerVerifyRequest) tea.Cmd {
	if req.IdempotencyKey == "" {
		req.IdempotencyKey = newKey()
	}
	return io.run(func(ctx context.Context) tea.Msg {
		res, err := io.b.VerifyCaller(ctx, req)
		req.PIN = ""
		if err != nil {
			return verifyMsg{tag: tag{call}, holder: req.Contact, caller: req.Contact, err: err}
		}
		now, nerr := io.b.Now(ctx)
		if nerr != nil {
			now = time.Now()
		}
		return verifyMsg{tag{call}, req.Contact, req.Contact, res, now, nil}
	}, func(err error) tea.Msg {
		return verifyMsg{tag: tag{call}, holder: req.Contact, caller: req.Contact, err: err}
	})
}

func (io *backendCmds) unlock(call uint64, req model.UnlockRequest) tea.Cmd {
	return io.run(func(ctx context.Context) tea.Msg {
		return unlockMsg{tag{call}, req.Holder, io.b.Unlock(ctx, req)}
	}, func(err error) tea.Msg { return unlockMsg{tag{call}, req.Holder, err} })
}

func (io *backendCmds) clearDispute(call uint64, req model.ClearDisputeRequest) tea.Cmd {
	return io.run(func(ctx context.Context) tea.Msg {
		return clearDisputeMsg{tag{call}, io.b.ClearDispute(ctx, req)}
	}, func(err error) tea.Msg { return clearDisputeMsg{tag{call}, err} })
}

func (io *backendCmds) reset(call uint64, req model.ResetRequest) tea.Cmd {
	return io.run(func(ctx context.Context) tea.Msg {
		res, err := io.b.ResetAccount(ctx, req)
		return resetMsg{tag{call}, req.AccountID, res, err}
	}, func(err error) tea.Msg { return resetMsg{tag: tag{call}, account: req.AccountID, err: err} })
}

func (io *backendCmds) audit(call uint64, q model.AuditQuery) tea.Cmd {
	return io.run(func(ctx context.Context) tea.Msg {
		ev, err := io.b.Audit(ctx, q)
		return auditMsg{tag{call}, q.AccountID, q.BeforeID != 0, safeEvents(ev), err}
	}, func(err error) tea.Msg { return auditMsg{tag: tag{call}, account: q.AccountID, err: err} })
}

// auditChain checks the audit chains, when the backend can (client.AuditChain); nil when not.
// The check covers the events since the backend's last one (core.Service.AuditChainState), so it
// stays cheap on a long history.
func (io *backendCmds) auditChain(call uint64) tea.Cmd {
	ac, ok := io.b.(client.AuditChain)
	if !ok {
		return nil
	}
	return io.run(func(ctx context.Context) tea.Msg {
		st, err := ac.AuditChainState(ctx)
		return auditChainMsg{tag{call}, st, err}
	}, func(err error) tea.Msg { return auditChainMsg{tag: tag{call}, err: err} })
}

func (io *backendCmds) generate(call uint64, req model.PINChange) tea.Cmd {
	return io.run(func(ctx context.Context) tea.Msg {
		g, err := io.b.Generate(ctx, req)
		return generateMsg{tag{call}, req.Holder, g, err}
	}, func(err error) tea.Msg { return generateMsg{tag: tag{call}, holder: req.Holder, err: err} })
}

func (io *backendCmds) advance(call uint64, d time.Duration) tea.Cmd {
	return io.run(func(ctx context.Context) tea.Msg {
		io.demo.Advance(d)
		now, err := io.b.Now(ctx)
		return demoMsg{tag{call}, "advance", now, err}
	}, func(err error) tea.Msg { return demoMsg{tag: tag{call}, what: "advance", err: err} })
}

// now reads the backend's clock (the demo clock, for the trainer panel).
func (io *backendCmds) now(call uint64) tea.Cmd {
	return io.run(func(ctx context.Context) tea.Msg {
		now, err := io.b.Now(ctx)
		return demoMsg{tag{call}, "now", now, err}
	}, func(err error) tea.Msg { return demoMsg{tag: tag{call}, what: "now", err: err} })
}

func (io *backendCmds) restore(call uint64) tea.Cmd {
	return io.run(func(ctx context.Context) tea.Msg {
		err := io.demo.Restore(ctx)
		now, _ := io.b.Now(ctx)
		return demoMsg{tag{call}, "restore", now, err}
	}, func(err error) tea.Msg { return demoMsg{tag: tag{call}, what: "restore", err: err} })
}

// newKey is an idempotency key for one submitted PIN: a network retry of the same request is
// counted once by the server.
func newKey() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

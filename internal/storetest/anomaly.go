package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// runAnomaly holds every store to the anomaly alerts (issue 12) at the default policy: 10 counted
// wrong PINs by one desk across 5 accounts within 15 minutes raise one alert, audited and noticed
// once; the desk is then slowed to one verification per 30 seconds, refused ones compared and
// counted against no holder, until a supervisor clears the alert.
func runAnomaly(t *testing.T, newStore func(t *testing.T) store.Store) {
	holders := make([]model.HolderRef, 5)
	for i := range holders {
		holders[i] = ref(fmt.Sprintf("a-page-%02d", i+1), "c-1")
	}
	const right = "482915"
	prepare := func(t *testing.T) *env {
		e := newEnv(t, newStore)
		for _, h := range holders {
			e.set(h, model.KindMaster, right)
		}
		return e
	}
	// fail enters n wrong PINs as the agent, spread over the first accounts holders (at most 3 on
	// any holder, well short of its lock).
	fail := func(e *env, n, accounts int) {
		e.t.Helper()
		for i := range n {
			e.mustVerify(holders[i%accounts], wrongPIN(i), model.OutcomeMismatch)
		}
	}

	t.Run("nine failures across five accounts raise nothing; the tenth raises one alert, audited and noticed once", func(t *testing.T) {
		e := prepare(t)
		fail(e, 9, 5)
		e.wantAlerts(0)
		e.clock.Advance(time.Minute)
		e.mustVerify(holders[4], wrongPIN(99), model.OutcomeMismatch)
		a := e.wantAlerts(1)[0]
		if a.Desk != "local:"+Agent.Name || a.Operator != Agent.Name || a.Role != model.OpAgent || a.Failures != 10 || a.Accounts != 5 ||
			!a.RaisedAt.Equal(e.clock.Now()) || !a.NextVerifyAt.Equal(e.clock.Now().Add(30*time.Second)) || !strings.HasPrefix(a.ID, "alt_") {
			t.Fatalf("alert %+v", a)
		}
		evs := e.alertEvents(model.ActionAlert)
		if len(evs) != 1 || evs[0].AccountID != holders[4].AccountID || evs[0].Operator != Agent.Name ||
			!strings.Contains(evs[0].Reason, a.ID) || !strings.Contains(evs[0].Reason, "10 PINs across 5 accounts") {
			t.Fatalf("alert audit events: %+v", evs)
		}
		ns := e.anomalyNotices()
		if len(ns) != 1 || ns[0].Alert != a.ID || ns[0].Desk != a.Desk || ns[0].Failures != 10 || ns[0].Accounts != 5 || ns[0].Operator != Agent.Name {
			t.Fatalf("agent.anomaly notices: %+v", ns)
		}
		// More failures while it is open (one per slot) raise nothing more.
		for i := range 3 {
			e.clock.Advance(30 * time.Second)
			e.mustVerify(holders[i], wrongPIN(200+i), model.OutcomeMismatch)
		}
		e.wantAlerts(1)
		if n, m := len(e.alertEvents(model.ActionAlert)), len(e.anomalyNotices()); n != 1 || m != 1 {
			t.Fatalf("%d alert events and %d notices after more failures, want 1 and 1", n, m)
		}
	})

	t.Run("ten failures on four accounts raise nothing until a fifth account fails", func(t *testing.T) {
		e := prepare(t)
		fail(e, 10, 4)
		e.wantAlerts(0)
		e.mustVerify(holders[4], wrongPIN(50), model.OutcomeMismatch)
		if a := e.wantAlerts(1)[0]; a.Failures != 11 || a.Accounts != 5 {
			t.Fatalf("alert %+v", a)
		}
	})

	t.Run("failures that left the 15-minute window do not count", func(t *testing.T) {
		e := prepare(t)
		fail(e, 9, 5)
		e.clock.Advance(15 * time.Minute)
		e.mustVerify(holders[0], wrongPIN(60), model.OutcomeMismatch)
		e.wantAlerts(0)
		e.clock.Advance(time.Minute)
		fail(e, 8, 5)
		e.wantAlerts(0) // 9 in the window
		e.mustVerify(holders[3], wrongPIN(61), model.OutcomeMismatch)
		if a := e.wantAlerts(1)[0]; a.Failures != 10 {
			t.Fatalf("alert %+v", a)
		}
	})

	t.Run("right PINs and other desks count for nothing", func(t *testing.T) {
		e := prepare(t)
		fail(e, 5, 5)
		for _, h := range holders {
			e.mustVerify(h, right, model.OutcomeVerified)
		}
		// Another desk's failures are its own.
		for i := range 5 {
			if _, err := e.svc.Verify(e.ctx, Supervisor, model.VerifyRequest{AccountID: holders[i].AccountID, Holder: "c-1", PIN: wrongPIN(70 + i), Channel: model.ChannelPhone}); err != nil {
				t.Fatal(err)
			}
		}
		e.wantAlerts(0)
	})

	t.Run("a slowed desk verifies once per 30 seconds, compares and counts nothing between, and is itself again once cleared", func(t *testing.T) {
		e := prepare(t)
		fail(e, 10, 5)
		a := e.wantAlerts(1)[0]
		h := holders[0]
		before := e.state(h).Failures
		refusedBefore := countOutcome(e.audit(h.AccountID), model.ActionVerify, model.AuditRefused)

		e.clock.Advance(10 * time.Second)
		e.wantSlowed(h, right, 20*time.Second)
		if got := e.state(h).Failures; got != before {
			t.Fatalf("a slowed verification counted: failures %d → %d", before, got)
		}
		evs := e.audit(h.AccountID)
		if n := countOutcome(evs, model.ActionVerify, model.AuditRefused); n != refusedBefore+1 || !strings.Contains(evs[0].Reason, a.ID) {
			t.Fatalf("the slowed verification is not audited as refused naming the alert: %+v", evs[0])
		}
		// Another desk is not slowed.
		if r, err := e.svc.Verify(e.ctx, Supervisor, model.VerifyRequest{AccountID: h.AccountID, Holder: h.ContactID, PIN: right, Channel: model.ChannelPhone}); err != nil || r.Outcome != model.OutcomeVerified {
			t.Fatalf("another desk: %+v, %v", r, err)
		}

		e.clock.Advance(20 * time.Second) // 30 s after the alert: the slot is due
		e.mustVerify(h, right, model.OutcomeVerified)
		e.wantSlowed(h, right, 30*time.Second) // the next one is 30 s away again
		e.clock.Advance(29 * time.Second)
		e.wantSlowed(h, wrongPIN(80), time.Second)
		if got := e.state(h).Failures; got != 0 {
			t.Fatalf("failures %d after the right PIN and a slowed wrong one", got)
		}
		e.clock.Advance(time.Second)
		e.mustVerify(h, wrongPIN(81), model.OutcomeMismatch)

		// Clearing: a supervisor's, with a reason; audited; the desk is at full pace again.
		wantErr(t, e.svc.ClearAlert(e.ctx, Agent, model.ClearAlertRequest{ID: a.ID, Reason: "x"}), model.ErrNotPermitted)
		wantErr(t, e.svc.ClearAlert(e.ctx, Supervisor, model.ClearAlertRequest{ID: a.ID, Reason: "  "}), model.ErrInvalidInput)
		wantErr(t, e.svc.ClearAlert(e.ctx, Supervisor, model.ClearAlertRequest{ID: "alt_none", Reason: "x"}), model.ErrInvalidInput)
		if _, err := e.svc.OpenAlerts(e.ctx, Agent); !errors.Is(err, model.ErrNotPermitted) {
			t.Fatalf("an agent lists alerts: %v", err)
		}
		e.wantAlerts(1)
		if err := e.svc.ClearAlert(e.ctx, Supervisor, model.ClearAlertRequest{ID: a.ID, Reason: "Alice was retraining on test accounts"}); err != nil {
			t.Fatal(err)
		}
		wantErr(t, e.svc.ClearAlert(e.ctx, Supervisor, model.ClearAlertRequest{ID: a.ID, Reason: "again"}), model.ErrConflict)
		e.wantAlerts(0)
		cl := e.alertEvents(model.ActionAlertClear)
		if len(cl) != 1 || cl[0].Operator != Supervisor.Name || cl[0].Reason != "alert "+a.ID+" on desk local:alice (alice): Alice was retraining on test accounts" {
			t.Fatalf("clear events: %+v", cl)
		}
		e.mustVerify(h, right, model.OutcomeVerified)
		e.mustVerify(h, right, model.OutcomeVerified)
		// The failures that raised it are forgotten: nine more do not raise it again; a tenth does.
		fail(e, 9, 5)
		e.wantAlerts(0)
		e.mustVerify(holders[1], wrongPIN(90), model.OutcomeMismatch)
		if b := e.wantAlerts(1)[0]; b.ID == a.ID {
			t.Fatal("the cleared alert came back instead of a new one")
		}
	})
}

// wantAlerts fails unless n alerts are open, and returns them.
func (e *env) wantAlerts(n int) []model.Alert {
	e.t.Helper()
	got, err := e.svc.OpenAlerts(e.ctx, Supervisor)
	if err != nil {
		e.t.Fatal(err)
	}
	if len(got) != n {
		e.t.Fatalf("%d open alerts, want %d: %+v", len(got), n, got)
	}
	return got
}

// wantSlowed verifies as the agent and fails unless the desk is refused as slowed, the next
// verification wait away.
func (e *env) wantSlowed(h model.HolderRef, pin string, wait time.Duration) {
	e.t.Helper()
	r, err := e.verify(h, pin)
	var slowed *model.DeskSlowedError
	if !errors.As(err, &slowed) || !errors.Is(err, model.ErrDeskSlowed) {
		e.t.Fatalf("verify %s on a slowed desk: %+v, %v; want it refused as slowed", h, r, err)
	}
	if slowed.Wait != wait {
		e.t.Fatalf("slowed: next verification in %s, want %s", slowed.Wait, wait)
	}
}

func (e *env) alertEvents(action model.Action) []model.AuditEvent {
	var out []model.AuditEvent
	for _, ev := range e.audit("") {
		if ev.Action == action {
			out = append(out, ev)
		}
	}
	return out
}

func (e *env) anomalyNotices() []model.Notice {
	var out []model.Notice
	for _, n := range e.notices("") {
		if n.Type == model.NoticeAgentAnomaly {
			out = append(out, n.Notice)
		}
	}
	return out
}

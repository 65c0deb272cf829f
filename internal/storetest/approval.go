package storetest

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/secret"
)

// Supervisor2 is the second pair of eyes.
var Supervisor2 = model.Operator{Name: "sam", Role: model.OpSupervisor}

// withApprovals is a core over the env's store, on its clock, with dual control as p says.
func (e *env) withApprovals(p model.ApprovalPolicy) *core.Service {
	e.t.Helper()
	sealer, err := secret.New(TestKey)
	if err != nil {
		e.t.Fatal(err)
	}
	svc, err := core.New(e.st, sealer, core.WithClock(e.clock), core.WithApprovals(p))
	if err != nil {
		e.t.Fatal(err)
	}
	return svc
}

// pending fails unless err asks for approval, and returns the request.
func pending(t *testing.T, err error) (model.Approval, bool) {
	t.Helper()
	var ae *model.ApprovalRequiredError
	if !errors.As(err, &ae) || !errors.Is(err, model.ErrApprovalRequired) {
		t.Fatalf("error %v, want an approval request", err)
	}
	return ae.Request, ae.Existing
}

// since returns the events after id, oldest first.
func (e *env) since(id int64) []model.AuditEvent {
	e.t.Helper()
	var out []model.AuditEvent
	evs := e.audit("")
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].ID > id {
			out = append(out, evs[i])
		}
	}
	return out
}

// runApprovals holds every store to dual control (issue 12, model/approval.go).
func runApprovals(t *testing.T, newStore func(t *testing.T) store.Store) {
	john := ref(Smith, John)
	def := model.DefaultApprovalPolicy()

	// locked sets John's PIN and locks him; unlockedOnce also unlocks him once (a supervisor's
	// first unlock, done at once) and locks him again.
	locked := func(e *env) {
		e.set(john, model.KindMaster, "482915")
		e.lock(john)
	}
	unlockedOnce := func(e *env, svc *core.Service) {
		locked(e)
		if err := svc.Unlock(e.ctx, Supervisor, unlockReq(john, "first call-back")); err != nil {
			e.t.Fatalf("a first unlock: %v", err)
		}
		e.clock.Advance(time.Hour)
		for i := range e.svc.Policy().MaxFailures {
			e.mustVerify(john, wrongPIN(100+i), model.OutcomeMismatch)
		}
	}

	t.Run("a first unlock is done at once; a repeat unlock within 24 hours opens a request and changes nothing; after 24 hours it is done at once again", func(t *testing.T) {
		e := newEnv(t, newStore)
		svc := e.withApprovals(def)
		unlockedOnce(e, svc)
		before := e.lastAuditID()
		a, existing := pending(t, svc.Unlock(e.ctx, Supervisor, unlockReq(john, "second call-back")))
		if existing || a.ID == 0 || a.Action != model.ApprovalUnlock || a.AccountID != Smith || a.Holder != John ||
			a.Reason != "second call-back" || a.RequestedBy != Supervisor.Name || a.RequesterRole != model.OpSupervisor ||
			a.Rule != model.RuleApprovalRepeatUnlock || a.Status != model.ApprovalPending || a.AccountNumber != "100001" ||
			!a.Created.Equal(e.clock.Now()) || !a.Expires.Equal(e.clock.Now().Add(15*time.Minute)) {
			t.Fatalf("request %+v", a)
		}
		if !e.state(john).Locked() {
			t.Fatal("a request unlocked the holder")
		}
		evs := e.since(before)
		if len(evs) != 1 || evs[0].Action != model.ActionApprovalRequest || evs[0].Operator != Supervisor.Name || evs[0].Request != a.ID ||
			evs[0].Approver != "" || evs[0].Holder != John || evs[0].Reason != "unlock: second call-back" {
			t.Fatalf("events %+v, want the request's alone", evs)
		}
		// Past the window, the unlock is a first one again (the request, expired meanwhile, does
		// not stand in its way).
		e.clock.Advance(24 * time.Hour)
		if err := svc.Unlock(e.ctx, Supervisor, unlockReq(john, "a day later")); err != nil {
			t.Fatalf("an unlock 25 hours after the last: %v", err)
		}
		e.mustBeIntact()
	})

	t.Run("asking again, by anyone, returns the pending request rather than a second", func(t *testing.T) {
		e := newEnv(t, newStore)
		svc := e.withApprovals(def)
		unlockedOnce(e, svc)
		a, _ := pending(t, svc.Unlock(e.ctx, Supervisor, unlockReq(john, "second call-back")))
		before := e.lastAuditID()
		for _, op := range []model.Operator{Supervisor, Supervisor2} {
			b, existing := pending(t, svc.Unlock(e.ctx, op, unlockReq(john, "once more")))
			if !existing || b.ID != a.ID || b.RequestedBy != Supervisor.Name {
				t.Fatalf("%s asking again got %+v (existing %v), want request #%d", op.Name, b, existing, a.ID)
			}
		}
		if n := len(e.since(before)); n != 0 {
			t.Fatalf("asking again wrote %d events", n)
		}
		list, err := svc.ListApprovals(e.ctx, Supervisor2)
		if err != nil || len(list) != 1 || list[0].ID != a.ID {
			t.Fatalf("pending %+v, %v; want request #%d alone", list, err, a.ID)
		}
	})

	t.Run("nobody approves or refuses their own request: not by name in another case, not by token", func(t *testing.T) {
		e := newEnv(t, newStore)
		svc := e.withApprovals(def)
		unlockedOnce(e, svc)
		asker := Supervisor
		asker.TokenID = "tok-1"
		a, _ := pending(t, svc.Unlock(e.ctx, asker, unlockReq(john, "second call-back")))
		before := e.lastAuditID()
		for _, op := range []model.Operator{
			Supervisor,
			{Name: " SARAH ", Role: model.OpSupervisor},
			{Name: "someone else", Role: model.OpSupervisor, TokenID: "tok-1"},
		} {
			_, err := svc.Approve(e.ctx, op, a.ID)
			wantErr(t, err, model.ErrNotPermitted)
			if !strings.Contains(err.Error(), "another supervisor must approve") {
				t.Fatalf("refusal %q does not say why", err)
			}
			_, err = svc.Refuse(e.ctx, op, a.ID, "no")
			wantErr(t, err, model.ErrNotPermitted)
		}
		if !e.state(john).Locked() || len(e.since(before)) != 0 {
			t.Fatal("a refused self-approval changed something")
		}
	})

	t.Run("only a supervisor, trainer or admin sees and decides requests", func(t *testing.T) {
		e := newEnv(t, newStore)
		svc := e.withApprovals(def)
		unlockedOnce(e, svc)
		a, _ := pending(t, svc.Unlock(e.ctx, Supervisor, unlockReq(john, "second call-back")))
		for _, op := range []model.Operator{Agent, Portal} {
			_, err := svc.ListApprovals(e.ctx, op)
			wantErr(t, err, model.ErrNotPermitted)
			_, err = svc.Approve(e.ctx, op, a.ID)
			wantErr(t, err, model.ErrNotPermitted)
		}
		_, err := svc.Approve(e.ctx, Supervisor2, a.ID+1000)
		wantErr(t, err, model.ErrUnknownApproval)
	})

	t.Run("another supervisor's approval unlocks, audited with both names and the request, once", func(t *testing.T) {
		e := newEnv(t, newStore)
		svc := e.withApprovals(def)
		unlockedOnce(e, svc)
		a, _ := pending(t, svc.Unlock(e.ctx, Supervisor, unlockReq(john, "second call-back")))
		e.clock.Advance(5 * time.Minute)
		before := e.lastAuditID()
		res, err := svc.Approve(e.ctx, Supervisor2, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if res.Approval.Status != model.ApprovalApproved || res.Approval.DecidedBy != Supervisor2.Name || res.Reset != nil {
			t.Fatalf("approved %+v", res)
		}
		if st := e.state(john); st.Locked() || st.Failures != 0 {
			t.Fatalf("John after the approval: %+v", st)
		}
		evs := e.since(before)
		if len(evs) != 1 || evs[0].Action != model.ActionUnlock || evs[0].Operator != Supervisor.Name || evs[0].Role != model.OpSupervisor ||
			evs[0].Approver != Supervisor2.Name || evs[0].Request != a.ID || evs[0].Reason != "second call-back" || evs[0].Holder != John {
			t.Fatalf("events %+v, want the unlock with both names", evs)
		}
		stored, err := svc.Approval(e.ctx, Supervisor2, a.ID)
		if err != nil || stored.Status != model.ApprovalApproved || stored.DecidedBy != Supervisor2.Name || stored.DecidedAt == nil {
			t.Fatalf("stored %+v, %v", stored, err)
		}
		_, err = svc.Approve(e.ctx, Admin, a.ID)
		wantErr(t, err, model.ErrApprovalClosed)
		if list, _ := svc.ListApprovals(e.ctx, Supervisor2); len(list) != 0 {
			t.Fatalf("still listed: %+v", list)
		}
		e.mustBeIntact()
	})

	t.Run("a refusal needs a reason, changes nothing but the request, and is audited with both names", func(t *testing.T) {
		e := newEnv(t, newStore)
		svc := e.withApprovals(def)
		unlockedOnce(e, svc)
		a, _ := pending(t, svc.Unlock(e.ctx, Supervisor, unlockReq(john, "second call-back")))
		before := e.lastAuditID()
		_, err := svc.Refuse(e.ctx, Supervisor2, a.ID, "  ")
		wantErr(t, err, model.ErrInvalidInput)
		got, err := svc.Refuse(e.ctx, Supervisor2, a.ID, "caller failed the call-back")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != model.ApprovalRefused || got.DecisionReason != "caller failed the call-back" || got.DecidedBy != Supervisor2.Name {
			t.Fatalf("refused %+v", got)
		}
		if !e.state(john).Locked() {
			t.Fatal("a refusal unlocked")
		}
		evs := e.since(before)
		if len(evs) != 1 || evs[0].Action != model.ActionApprovalRefuse || evs[0].Operator != Supervisor.Name || evs[0].Approver != Supervisor2.Name ||
			evs[0].Request != a.ID || !strings.Contains(evs[0].Reason, "caller failed the call-back") {
			t.Fatalf("events %+v, want the refusal with both names", evs)
		}
		_, err = svc.Approve(e.ctx, Admin, a.ID)
		wantErr(t, err, model.ErrApprovalClosed)
		if !strings.Contains(err.Error(), "refused by sam") {
			t.Fatalf("%q does not say who refused", err)
		}
	})

	t.Run("a request expires after 15 minutes, audited once, and cannot be approved; asking again opens a new one", func(t *testing.T) {
		e := newEnv(t, newStore)
		svc := e.withApprovals(def)
		unlockedOnce(e, svc)
		a, _ := pending(t, svc.Unlock(e.ctx, Supervisor, unlockReq(john, "second call-back")))
		e.clock.Advance(15*time.Minute - time.Second)
		if n, err := svc.ExpireApprovals(e.ctx); err != nil || n != 0 {
			t.Fatalf("expired %d, %v a second early", n, err)
		}
		e.clock.Advance(time.Second)
		before := e.lastAuditID()
		_, err := svc.Approve(e.ctx, Supervisor2, a.ID) // expires it lazily, as it reads it
		wantErr(t, err, model.ErrApprovalClosed)
		if !strings.Contains(err.Error(), "expired") {
			t.Fatalf("%q does not say it expired", err)
		}
		if n, err := svc.ExpireApprovals(e.ctx); err != nil || n != 0 {
			t.Fatalf("expired again: %d, %v", n, err)
		}
		evs := e.since(before)
		if len(evs) != 1 || evs[0].Action != model.ActionApprovalExpire || evs[0].Operator != Supervisor.Name || evs[0].Request != a.ID {
			t.Fatalf("events %+v, want one expiry", evs)
		}
		if !e.state(john).Locked() {
			t.Fatal("an expiry unlocked")
		}
		b, existing := pending(t, svc.Unlock(e.ctx, Supervisor, unlockReq(john, "asking again")))
		if existing || b.ID == a.ID {
			t.Fatalf("asking after the expiry got %+v (existing %v)", b, existing)
		}
	})

	t.Run("a request expired when nobody looked is expired by the sweep, on its own", func(t *testing.T) {
		e := newEnv(t, newStore)
		svc := e.withApprovals(def)
		_, err := svc.ResetAccount(e.ctx, Supervisor, model.ResetRequest{AccountID: Smith, Reason: "fraud"})
		pending(t, err)
		_, err = svc.ResetAccount(e.ctx, Supervisor, model.ResetRequest{AccountID: Acme, Reason: "fraud"})
		pending(t, err)
		e.clock.Advance(time.Hour)
		if n, err := svc.ExpireApprovals(e.ctx); err != nil || n != 2 {
			t.Fatalf("swept %d, %v; want 2", n, err)
		}
		e.mustBeIntact()
	})

	t.Run("a reset needs approval; approved, it revokes every PIN, audited with both names", func(t *testing.T) {
		e := newEnv(t, newStore)
		svc := e.withApprovals(def)
		e.set(john, model.KindMaster, "482915")
		_, err := svc.ResetAccount(e.ctx, Supervisor, model.ResetRequest{AccountID: Smith, Reason: "fraud suspected"})
		a, _ := pending(t, err)
		if a.Action != model.ApprovalReset || a.Holder != "" || a.Rule != model.RuleApprovalReset {
			t.Fatalf("request %+v", a)
		}
		if pinKinds(e.state(john)) != "master" {
			t.Fatal("a reset request revoked PINs")
		}
		before := e.lastAuditID()
		res, err := svc.Approve(e.ctx, Admin, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if res.Reset == nil || res.Reset.RevokedPINs != 1 || pinKinds(e.state(john)) != "" {
			t.Fatalf("approved reset %+v, John keeps %q", res, pinKinds(e.state(john)))
		}
		evs := e.since(before)
		if len(evs) != 1 || evs[0].Action != model.ActionReset || evs[0].Operator != Supervisor.Name || evs[0].Approver != Admin.Name || evs[0].Request != a.ID {
			t.Fatalf("events %+v", evs)
		}
		e.mustBeIntact()
	})

	t.Run("with the settings off, unlocks and resets are done at once; approval.unlock makes every unlock wait", func(t *testing.T) {
		e := newEnv(t, newStore)
		off := e.withApprovals(model.ApprovalPolicy{})
		unlockedOnce(e, off)
		if err := off.Unlock(e.ctx, Supervisor, unlockReq(john, "second")); err != nil {
			t.Fatalf("a repeat unlock with approval off: %v", err)
		}
		if _, err := off.ResetAccount(e.ctx, Supervisor, model.ResetRequest{AccountID: Acme, Reason: "fraud"}); err != nil {
			t.Fatalf("a reset with approval off: %v", err)
		}
		every := e.withApprovals(model.ApprovalPolicy{Unlock: true})
		e.set(ref(Acme, Wile), model.KindMaster, "739201")
		e.lock(ref(Acme, Wile))
		a, _ := pending(t, every.Unlock(e.ctx, Supervisor, unlockReq(ref(Acme, Wile), "first")))
		if a.Rule != model.RuleApprovalUnlock {
			t.Fatalf("rule %q", a.Rule)
		}
		// The portal is the customer acting for themselves: never under dual control.
		if err := every.Unlock(e.ctx, Portal, unlockReq(ref(Acme, Wile), "customer")); err != nil {
			t.Fatalf("the portal's unlock: %v", err)
		}
	})

	t.Run("nothing to unlock is refused at once rather than queued", func(t *testing.T) {
		e := newEnv(t, newStore)
		every := e.withApprovals(model.ApprovalPolicy{Unlock: true})
		before := e.lastAuditID()
		wantErr(t, every.Unlock(e.ctx, Supervisor, unlockReq(john, "x")), model.ErrNotLocked)
		if n := len(e.since(before)); n != 0 {
			t.Fatalf("%d events", n)
		}
	})

	t.Run("approving an unlock whose lock is gone changes nothing, says so, and closes the request as void", func(t *testing.T) {
		e := newEnv(t, newStore)
		svc := e.withApprovals(def)
		unlockedOnce(e, svc)
		a, _ := pending(t, svc.Unlock(e.ctx, Supervisor, unlockReq(john, "second call-back")))
		if err := svc.Unlock(e.ctx, Portal, unlockReq(john, "customer unlocked in the portal")); err != nil {
			t.Fatal(err)
		}
		before := e.lastAuditID()
		_, err := svc.Approve(e.ctx, Supervisor2, a.ID)
		wantErr(t, err, model.ErrNotLocked)
		if !strings.Contains(err.Error(), "nothing was changed") {
			t.Fatalf("%q does not say nothing changed", err)
		}
		evs := e.since(before)
		if len(evs) != 1 || evs[0].Action != model.ActionApprovalVoid || evs[0].Approver != Supervisor2.Name || evs[0].Request != a.ID {
			t.Fatalf("events %+v, want the void", evs)
		}
		got, _ := svc.Approval(e.ctx, Supervisor2, a.ID)
		if got.Status != model.ApprovalVoid {
			t.Fatalf("request %+v, want void", got)
		}
	})

	t.Run("two supervisors approving at once: one unlocks, the other is told it is closed", func(t *testing.T) {
		for rep := range reps(10, 3) {
			e := newEnv(t, newStore)
			svc := e.withApprovals(def)
			unlockedOnce(e, svc)
			a, _ := pending(t, svc.Unlock(e.ctx, Supervisor, unlockReq(john, "second call-back")))
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, op := range []model.Operator{Supervisor2, Admin} {
				wg.Add(1)
				go func() { defer wg.Done(); _, errs[i] = svc.Approve(e.ctx, op, a.ID) }()
			}
			wg.Wait()
			ok := 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case !errors.Is(err, model.ErrApprovalClosed) && !errors.Is(err, model.ErrNotLocked):
					t.Fatalf("rep %d: %v", rep, err)
				}
			}
			if ok != 1 {
				t.Fatalf("rep %d: %d approvals succeeded (%v), want 1", rep, ok, errs)
			}
			unlocks := 0
			for _, ev := range e.audit(Smith) {
				if ev.Action == model.ActionUnlock && ev.Request == a.ID {
					unlocks++
				}
			}
			if unlocks != 1 {
				t.Fatalf("rep %d: %d unlock events of the request", rep, unlocks)
			}
		}
	})
}

package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/secret"
)

// runDisputes holds the store to "that wasn't me" (issue 11): a customer disputes a notice they
// received, through the portal.
func runDisputes(t *testing.T, newStore func(t *testing.T) store.Store) {
	john, mary := ref(Smith, John), ref(Smith, Mary)

	// disputed sets PINs, makes John verify after a wrong PIN (a verify.after_failures notice), and
	// delivers every notice, so the outbox has forgotten them: a customer disputes days later.
	disputed := func(t *testing.T, e *env) string {
		e.set(john, model.KindMaster, "482915")
		e.generate(john, model.KindOneTime)
		e.set(mary, model.KindTemporary, "613904")
		e.mustVerify(john, wrongPIN(1), model.OutcomeMismatch)
		e.mustVerify(john, "482915", model.OutcomeVerified)
		id := ""
		for _, n := range e.claim("test", e.clock.Now(), 100) {
			if n.Type == model.NoticeVerifiedAfterFailures {
				id = n.ID
			}
			if err := e.st.NoticeDelivered(e.ctx, n.ID, "test"); err != nil {
				t.Fatal(err)
			}
		}
		if id == "" {
			t.Fatal("no verify.after_failures notice")
		}
		e.clock.Advance(48 * time.Hour)
		return id
	}
	dispute := func(e *env, op model.Operator, account, event, text string) (model.DisputeResult, error) {
		return e.svc.Dispute(e.ctx, op, model.DisputeRequest{AccountID: account, EventID: event, Text: text})
	}

	t.Run("a dispute hard-locks the holder, revokes the account's one-time and temporary PINs, audits and tells the supervisors, at once", func(t *testing.T) {
		e := newEnv(t, newStore)
		event := disputed(t, e)
		at := e.clock.Now()
		res, err := dispute(e, Portal, Smith, event, "  I was asleep  ")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(res.ID, "dsp_") || res.Holder != John || res.EventID != event ||
			res.EventType != model.NoticeVerifiedAfterFailures || !res.Time.Equal(at) || res.RevokedPINs != 2 {
			t.Fatalf("dispute %+v, want John's, of %s, at %v, 2 PINs revoked", res, event, at)
		}
		st := e.state(john)
		if !st.HardLocked || st.LockedSince == nil || !st.LockedSince.Equal(at) {
			t.Fatalf("John after the dispute: %+v, want hard-locked and locked at %v", st, at)
		}
		if kinds := pinKinds(st); kinds != "master" {
			t.Fatalf("John keeps %q, want only his master PIN (one-time revoked)", kinds)
		}
		if kinds := pinKinds(e.state(mary)); kinds != "" {
			t.Fatalf("Mary keeps %q, want her temporary PIN revoked", kinds)
		}
		e.mustVerify(john, "482915", model.OutcomeLocked)

		ev := e.audit(Smith)[1] // the locked verification above is the newest
		if ev.Action != model.ActionDispute || ev.Holder != John || ev.Role != model.OpPortal || ev.Channel != model.ChannelPortal ||
			!strings.Contains(ev.Reason, event) || !strings.Contains(ev.Reason, res.ID) || !strings.HasSuffix(ev.Reason, "the customer wrote: I was asleep") {
			t.Fatalf("dispute audited as %+v", ev)
		}
		ns := e.notices("")
		n := ns[len(ns)-1]
		if n.Type != model.NoticeDisputed || n.Holder != John || n.Dispute != res.ID || n.Event != event || n.Role != model.OpPortal {
			t.Fatalf("the supervisors' notice: %+v", n.Notice)
		}
		view, err := e.svc.Account(e.ctx, Agent, Smith)
		if err != nil {
			t.Fatal(err)
		}
		if len(view.Disputes) != 1 || view.Disputes[0] != res.Dispute {
			t.Fatalf("the account's open disputes %+v, want %+v", view.Disputes, res.Dispute)
		}
	})

	t.Run("with notify.dispute_revokes all, the master PINs are revoked too", func(t *testing.T) {
		e := newEnv(t, newStore)
		event := disputed(t, e)
		sealer, _ := secret.New(TestKey)
		svc, err := core.New(e.st, sealer, core.WithClock(e.clock), core.WithDisputeRevokes(model.RevokeAll))
		if err != nil {
			t.Fatal(err)
		}
		res, err := svc.Dispute(e.ctx, Portal, model.DisputeRequest{AccountID: Smith, EventID: event})
		if err != nil {
			t.Fatal(err)
		}
		if res.RevokedPINs != 3 || pinKinds(e.state(john)) != "" || pinKinds(e.state(mary)) != "" {
			t.Fatalf("revoked %d; John keeps %q, Mary %q; want every PIN revoked", res.RevokedPINs, pinKinds(e.state(john)), pinKinds(e.state(mary)))
		}
	})

	t.Run("a supervisor cannot unlock the dispute's hard lock; the portal can, and the account stays DISPUTED until cleared", func(t *testing.T) {
		for _, lifter := range []model.Operator{Portal, Admin} {
			t.Run(string(lifter.Role), func(t *testing.T) {
				e := newEnv(t, newStore)
				res, err := dispute(e, Portal, Smith, disputed(t, e), "")
				if err != nil {
					t.Fatal(err)
				}
				for _, op := range []model.Operator{Supervisor, Trainer} {
					wantErr(t, e.svc.Unlock(e.ctx, op, unlockReq(john, "caller insists")), model.ErrHardLocked)
				}
				if err := e.svc.Unlock(e.ctx, lifter, unlockReq(john, "customer set a new PIN")); err != nil {
					t.Fatal(err)
				}
				if st := e.state(john); st.HardLocked || st.Locked() {
					t.Fatalf("after the %s's unlock: %+v", lifter.Role, st)
				}
				view, _ := e.svc.Account(e.ctx, Agent, Smith)
				if len(view.Disputes) != 1 {
					t.Fatalf("the unlock cleared the DISPUTED mark: %+v", view.Disputes)
				}
				// Refusals change nothing.
				before := e.lastAuditID()
				for _, op := range []model.Operator{Agent, Portal} {
					wantErr(t, e.svc.ClearDispute(e.ctx, op, model.ClearDisputeRequest{AccountID: Smith, DisputeID: res.ID, Reason: "ok"}), model.ErrNotPermitted)
				}
				wantErr(t, e.svc.ClearDispute(e.ctx, Supervisor, model.ClearDisputeRequest{AccountID: Smith, DisputeID: res.ID, Reason: "  "}), model.ErrInvalidInput)
				wantErr(t, e.svc.ClearDispute(e.ctx, Supervisor, model.ClearDisputeRequest{AccountID: Acme, DisputeID: res.ID, Reason: "ok"}), model.ErrInvalidInput)
				wantErr(t, e.svc.ClearDispute(e.ctx, Supervisor, model.ClearDisputeRequest{AccountID: Smith, DisputeID: "dsp_nope", Reason: "ok"}), model.ErrInvalidInput)
				if e.lastAuditID() != before {
					t.Fatal("a refused clear was audited")
				}
				if err := e.svc.ClearDispute(e.ctx, Supervisor, model.ClearDisputeRequest{AccountID: Smith, DisputeID: res.ID, Reason: "called the customer back"}); err != nil {
					t.Fatal(err)
				}
				if ev := e.audit(Smith)[0]; ev.Action != model.ActionDisputeClear || ev.Operator != Supervisor.Name || ev.Reason != "dispute "+res.ID+": called the customer back" {
					t.Fatalf("clear audited as %+v", ev)
				}
				view, _ = e.svc.Account(e.ctx, Agent, Smith)
				if len(view.Disputes) != 0 {
					t.Fatalf("cleared, still open: %+v", view.Disputes)
				}
				wantErr(t, e.svc.ClearDispute(e.ctx, Supervisor, model.ClearDisputeRequest{AccountID: Smith, DisputeID: res.ID, Reason: "again"}), model.ErrConflict)
			})
		}
	})

	t.Run("a notice about the whole account (a reset) locks the account-wide PIN", func(t *testing.T) {
		e := newEnv(t, newStore)
		if _, err := e.svc.ResetAccount(e.ctx, Supervisor, model.ResetRequest{AccountID: Smith, Reason: "fraud report"}); err != nil {
			t.Fatal(err)
		}
		ns := e.notices("")
		res, err := dispute(e, Portal, Smith, ns[len(ns)-1].ID, "")
		if err != nil {
			t.Fatal(err)
		}
		if st := e.state(ref(Smith, model.AccountWide)); res.Holder != model.AccountWide || !st.HardLocked {
			t.Fatalf("dispute %+v; account-wide holder %+v", res, st)
		}
	})

	t.Run("only the portal disputes, only its own account's notices, once, and bad input changes nothing", func(t *testing.T) {
		e := newEnv(t, newStore)
		event := disputed(t, e)
		e.set(ref(Acme, Wile), model.KindMaster, "739154")
		acmeNotice := e.notices("")[0].ID
		before, beforeState, beforeNotices := e.lastAuditID(), e.state(john), len(e.notices(""))
		for _, op := range []model.Operator{Agent, Supervisor, Trainer, Admin} {
			_, err := dispute(e, op, Smith, event, "")
			wantErr(t, err, model.ErrNotPermitted)
		}
		cases := []struct {
			name, account, event, text, says string
			want                             error
		}{
			{"another account's notice", Smith, acmeNotice, "", "was sent no notice", model.ErrInvalidInput},
			{"an unknown notice", Smith, "ntc_NOPE", "", "was sent no notice", model.ErrInvalidInput},
			{"no notice", Smith, "", "", "event", model.ErrInvalidInput},
			{"an unknown account", "a-nobody", event, "", "", model.ErrUnknownAccount},
			{"text with a terminal escape", Smith, event, "hi \x1b[2J", "control character", model.ErrInvalidInput},
			{"text too long", Smith, event, strings.Repeat("x", model.MaxDisputeText+1), "at most 500", model.ErrInvalidInput},
		}
		for _, c := range cases {
			_, err := dispute(e, Portal, c.account, c.event, c.text)
			if err == nil || !strings.Contains(err.Error(), c.says) {
				t.Errorf("%s: %v, want an error saying %q", c.name, err, c.says)
			}
			wantErr(t, err, c.want)
		}
		if e.lastAuditID() != before || len(e.notices("")) != beforeNotices {
			t.Fatal("a refused dispute was audited or notified")
		}
		if st := e.state(john); st.HardLocked || st.Locked() || pinKinds(st) != pinKinds(beforeState) {
			t.Fatalf("a refused dispute changed John: %+v", st)
		}

		first, err := dispute(e, Portal, Smith, event, "")
		if err != nil {
			t.Fatal(err)
		}
		before = e.lastAuditID()
		_, err = dispute(e, Portal, Smith, event, "")
		wantErr(t, err, model.ErrConflict)
		ns := e.notices("")
		_, err = dispute(e, Portal, Smith, ns[len(ns)-1].ID, "") // the dispute's own notice
		wantErr(t, err, model.ErrInvalidInput)
		if e.lastAuditID() != before {
			t.Fatal("a refused dispute was audited")
		}
		view, _ := e.svc.Account(e.ctx, Agent, Smith)
		if len(view.Disputes) != 1 || view.Disputes[0].ID != first.ID {
			t.Fatalf("open disputes %+v, want only %s", view.Disputes, first.ID)
		}
	})
}

func pinKinds(st model.HolderState) string {
	var ks []string
	for _, p := range st.PINs {
		ks = append(ks, string(p.Kind))
	}
	return strings.Join(ks, ",")
}

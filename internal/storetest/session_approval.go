package storetest

import (
	"testing"
	"time"

	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// runSessionApprovals holds verification sessions and dual control together: an unlock or reset
// that waits for a second supervisor ends nothing while it waits, and ends the account's sessions
// when it is approved and done, in the transaction that does it, as one done at once would.
func runSessionApprovals(t *testing.T, newStore func(t *testing.T) store.Store) {
	john, mary := ref(Smith, John), ref(Smith, Mary)
	const johnPIN, maryPIN = "482915", "613904"

	cases := []struct {
		name   string
		action model.Action
		policy model.ApprovalPolicy
		ask    func(e *env, svc *core.Service) error
	}{
		{"an unlock", model.ActionUnlock, model.ApprovalPolicy{Unlock: true}, func(e *env, svc *core.Service) error {
			e.lockAs(mary) // from Bob's desk, so the session stays Alice's
			return svc.Unlock(e.ctx, Supervisor, model.UnlockRequest{AccountID: Smith, Holder: Mary, Reason: "called back", Ticket: "INC-4711"})
		}},
		{"a reset", model.ActionReset, model.ApprovalPolicy{Reset: true}, func(e *env, svc *core.Service) error {
			_, err := svc.ResetAccount(e.ctx, Supervisor, model.ResetRequest{AccountID: Smith, Reason: "fraud report", Ticket: "INC-4711"})
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name+" approved by a second supervisor ends the account's session when it is done", func(t *testing.T) {
			e := newEnv(t, newStore)
			svc := e.withApprovals(c.policy)
			e.set(john, model.KindMaster, johnPIN)
			e.set(mary, model.KindMaster, maryPIN)
			e.clock.Advance(time.Minute)
			if r, err := svc.VerifyCaller(e.ctx, Agent, model.CallerVerifyRequest{AccountID: Smith, Contact: John, PIN: johnPIN,
				Channel: model.ChannelPhone, Ticket: "INC-4711"}); err != nil || r.Outcome != model.OutcomeVerified {
				t.Fatalf("verify John: %+v, %v", r, err)
			}
			ss := e.sessions(Smith)
			if len(ss) != 1 {
				t.Fatalf("sessions %+v, want John's", ss)
			}
			s := ss[0]

			// Asked: nothing is done yet, so the session lives on. The request keeps the call's
			// ticket, and its event carries it.
			askedAt := e.lastAuditID()
			a, _ := pending(t, c.ask(e, svc))
			if a.Ticket != "INC-4711" {
				t.Fatalf("the request %+v does not keep the call's ticket", a)
			}
			if stored, err := svc.Approval(e.ctx, Supervisor2, a.ID); err != nil || stored.Ticket != "INC-4711" {
				t.Fatalf("the request as stored: %+v, %v; want the call's ticket", stored, err)
			}
			if evs := e.changesAfter(askedAt); evs[0].Action != model.ActionApprovalRequest || evs[0].Ticket != "INC-4711" {
				t.Fatalf("the request is audited as %+v, want it with the call's ticket", evs[0])
			}
			if got := e.sessions(Smith); len(got) != 1 || got[0].ID != s.ID {
				t.Fatalf("while the %s waits for approval the account shows %+v, want John's session still", c.action, got)
			}

			e.clock.Advance(2 * time.Minute)
			before := e.lastAuditID()
			if _, err := svc.Approve(e.ctx, Supervisor2, a.ID); err != nil {
				t.Fatal(err)
			}
			if got := e.sessions(Smith); len(got) != 0 {
				t.Fatalf("after the approved %s the account still shows %+v", c.action, got)
			}
			evs := e.changesAfter(before) // newest first: the action, and just before it the session's end
			if len(evs) != 2 {
				t.Fatalf("events after the approval: %+v, want the session's end and the %s", evs, c.action)
			}
			done, end := evs[0], evs[1]
			if done.Action != c.action || done.Operator != Supervisor.Name || done.Approver != Supervisor2.Name || done.Request != a.ID ||
				done.Session != s.ID || done.Ticket != "INC-4711" {
				t.Fatalf("the approved %s is audited as %+v, want it as the requester's, with the approver, the request, the asking call's ticket, under session %s", c.action, done, s.ID)
			}
			if end.Action != model.ActionSessionEnd || end.Session != s.ID || end.Reason != "ended by "+string(c.action) ||
				end.Holder != John || !end.Time.Equal(done.Time) || end.Ticket != "INC-4711" {
				t.Fatalf("the session's end is audited as %+v", end)
			}
			// The audit by the call's ticket tells the whole story: the request, the end, the action.
			byTicket, err := svc.Audit(e.ctx, Supervisor, model.AuditQuery{AccountID: Smith, Ticket: "INC-4711"})
			if err != nil {
				t.Fatal(err)
			}
			var actions []model.Action
			for _, ev := range byTicket {
				actions = append(actions, ev.Action)
			}
			if len(actions) < 3 || actions[0] != c.action || actions[1] != model.ActionSessionEnd || actions[2] != model.ActionApprovalRequest {
				t.Fatalf("the audit by ticket shows %v, want the %s, the session's end, the request, newest first", actions, c.action)
			}
			e.mustBeIntact()
		})
	}

	t.Run("a second asking on another call gets the pending request, with the first call's ticket", func(t *testing.T) {
		e := newEnv(t, newStore)
		svc := e.withApprovals(model.ApprovalPolicy{Reset: true})
		_, err := svc.ResetAccount(e.ctx, Supervisor, model.ResetRequest{AccountID: Smith, Reason: "fraud report", Ticket: "INC-1"})
		first, _ := pending(t, err)
		_, err = svc.ResetAccount(e.ctx, Admin, model.ResetRequest{AccountID: Smith, Reason: "fraud report", Ticket: "INC-2"})
		again, existing := pending(t, err)
		if !existing || again.ID != first.ID || again.Ticket != "INC-1" {
			t.Fatalf("asked again: %+v (existing %v), want request #%d with ticket INC-1", again, existing, first.ID)
		}
		// A request that expires is audited with its call's ticket too.
		e.clock.Advance(time.Hour)
		before := e.lastAuditID()
		if n, err := svc.ExpireApprovals(e.ctx); err != nil || n != 1 {
			t.Fatalf("expired %d, %v", n, err)
		}
		if evs := e.changesAfter(before); len(evs) != 1 || evs[0].Action != model.ActionApprovalExpire || evs[0].Ticket != "INC-1" {
			t.Fatalf("the expiry is audited as %+v, want it with ticket INC-1", evs)
		}
		e.mustBeIntact()
	})
}

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

			// Asked: nothing is done yet, so the session lives on.
			a, _ := pending(t, c.ask(e, svc))
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
				done.Session != s.ID {
				t.Fatalf("the approved %s is audited as %+v, want it as the requester's, with the approver, the request, under session %s", c.action, done, s.ID)
			}
			if end.Action != model.ActionSessionEnd || end.Session != s.ID || end.Reason != "ended by "+string(c.action) ||
				end.Holder != John || !end.Time.Equal(done.Time) {
				t.Fatalf("the session's end is audited as %+v", end)
			}
			e.mustBeIntact()
		})
	}
}

package clienttest

import (
	"bytes"
	"testing"
	"time"

	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/secret"
)

// Verification that follows the call (issue 13): a caller verified on one desk is seen verified
// on another, through whichever backend and server each desk uses, until a change ends it.

func (s *suite) sessions(t *testing.T) {
	in, as := s.fresh(t)
	SessionsAcross(t, in, as, as)
}

// SessionsAcross holds two desks to the verification session: alice verifies John through onA
// with a ticket; bob, through onB (another server on the same database, say), sees the session on
// the account and finds the attempt by the ticket; an unlock through onB ends it for both. in's
// clock and core are the installation's.
func SessionsAcross(t *testing.T, in *Installation, onA, onB func(op model.Operator) client.Backend) {
	t.Helper()
	bob := model.Operator{Name: "bob", Role: model.OpAgent}
	in.SetPIN(Smith, Mary, model.KindMaster, "730164") // before the call: a PIN change would end its session
	res, err := onA(Agent).VerifyCaller(ctx, model.CallerVerifyRequest{AccountID: Smith, Contact: John, PIN: JohnPIN, Channel: model.ChannelPhone, Ticket: "INC-4711"})
	if err != nil || res.Outcome != model.OutcomeVerified {
		t.Fatalf("alice verifies John: %+v, %v", res, err)
	}
	view, err := onB(bob).Account(ctx, Smith)
	if err != nil {
		t.Fatal(err)
	}
	if len(view.Sessions) != 1 {
		t.Fatalf("bob sees sessions %+v, want alice's", view.Sessions)
	}
	vs := view.Sessions[0]
	if vs.Operator != Agent.Name || vs.Contact != John || vs.Ticket != "INC-4711" || vs.Channel != model.ChannelPhone ||
		!vs.StartedAt.Equal(in.Clock.Now()) || !vs.ExpiresAt.Equal(in.Clock.Now().Add(core.DefaultSessionTTL)) {
		t.Fatalf("bob sees %+v", vs)
	}
	evs, err := onB(Supervisor).Audit(ctx, model.AuditQuery{Ticket: "INC-4711"})
	if err != nil || len(evs) != 1 || evs[0].Session != vs.ID || evs[0].Operator != Agent.Name {
		t.Fatalf("the audit by ticket through the other desk: %+v, %v", evs, err)
	}
	// Failures on Mary's PIN from bob's desk, and a supervisor's unlock there, end alice's session.
	for range 6 {
		if _, err := onB(bob).VerifyCaller(ctx, model.CallerVerifyRequest{AccountID: Smith, Contact: Mary, PIN: WrongPIN}); err != nil {
			t.Fatal(err)
		}
	}
	in.Clock.Advance(time.Minute)
	if err := onB(Supervisor).Unlock(ctx, model.UnlockRequest{AccountID: Smith, Holder: Mary, Reason: "callback", Ticket: "INC-4711"}); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string]client.Backend{"alice": onA(Agent), "bob": onB(bob)} {
		view, err := b.Account(ctx, Smith)
		if err != nil || len(view.Sessions) != 0 {
			t.Fatalf("%s still sees %+v after the unlock (%v)", name, view.Sessions, err)
		}
	}
	evs, err = onA(Supervisor).Audit(ctx, model.AuditQuery{Ticket: "INC-4711"})
	if err != nil || len(evs) != 3 || evs[0].Action != model.ActionUnlock || evs[0].Session != vs.ID ||
		evs[1].Action != model.ActionSessionEnd || evs[1].Session != vs.ID {
		t.Fatalf("the call's trail: %+v, %v", evs, err)
	}
}

// Twin is another core over st (another server's store on the installation's database), with the
// installation's key and clock.
func (in *Installation) Twin(st store.Store, opts ...core.Option) *core.Service {
	in.t.Helper()
	sealer, err := secret.New(bytes.Repeat([]byte{0x42}, secret.KeySize))
	if err != nil {
		in.t.Fatal(err)
	}
	svc, err := core.New(st, sealer, append([]core.Option{core.WithClock(in.Clock)}, opts...)...)
	if err != nil {
		in.t.Fatal(err)
	}
	return svc
}

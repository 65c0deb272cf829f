package clienttest

import (
	"testing"
	"time"

	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/model"
)

// lockBoard is the backend's lock board; every backend under the suite has one.
func lockBoard(t *testing.T, b client.Backend) client.LockBoard {
	t.Helper()
	lb, ok := b.(client.LockBoard)
	if !ok {
		t.Fatalf("%T has no lock board (client.LockBoard)", b)
	}
	return lb
}

// board holds the backend to the lock board (issue 13). The agent's backend and the supervisor's
// are made separately: on a floor of two servers (client's PostgreSQL tests) they are two servers,
// so a lock made through one shows on the board read through the other.
func (s *suite) board(t *testing.T) {
	t.Run("a lock made by an agent shows on a supervisor's board with desk and channel, and an unlock from there clears it for the agent", func(t *testing.T) {
		in, as := s.fresh(t)
		agent, sup := as(Agent), lockBoard(t, as(Supervisor))
		for i := 0; i < 6; i++ {
			in.Clock.Advance(time.Second)
			must[model.VerifyResult](t)(agent.Verify(ctx, model.VerifyRequest{AccountID: Smith, Holder: John, PIN: WrongPIN, Channel: model.ChannelChat}))
		}
		b := must[model.Board](t)(sup.Board(ctx))
		if !b.Time.Equal(in.Clock.Now()) || len(b.Locked) != 1 || len(b.Failing) != 0 {
			t.Fatalf("board %+v, want John locked at %v", b, in.Clock.Now())
		}
		h := b.Locked[0]
		if h.AccountNumber != "100001" || h.Holder != John || h.HolderName != "John Smith" || h.Failures != 6 ||
			h.LockedSince == nil || !h.LockedSince.Equal(in.Clock.Now()) || len(h.Attempts) != 6 || h.Disputes == nil {
			t.Fatalf("John's row %+v", h)
		}
		if a := h.Attempts[0]; a.Operator != Agent.Name || a.Channel != model.ChannelChat || !a.Time.Equal(in.Clock.Now()) {
			t.Fatalf("the last attempt %+v, want alice on chat at %v", a, in.Clock.Now())
		}
		if err := as(Supervisor).Unlock(ctx, model.UnlockRequest{AccountID: h.AccountID, Holder: h.Holder, Reason: "caller identified by callback"}); err != nil {
			t.Fatal(err)
		}
		if b := must[model.Board](t)(sup.Board(ctx)); len(b.Locked) != 0 || len(b.Failing) != 0 {
			t.Fatalf("after the unlock: %+v", b)
		}
		v := must[model.AccountView](t)(agent.Account(ctx, Smith))
		if st, _ := v.Holder(John); st.Locked() || st.Failures != 0 {
			t.Fatalf("the agent sees John %+v after the unlock", st)
		}
	})
	t.Run("a failing holder shows in the second section", func(t *testing.T) {
		in, as := s.fresh(t)
		in.Clock.Advance(time.Second)
		must[model.VerifyResult](t)(as(Agent).Verify(ctx, vreq(Smith, Mary, WrongPIN)))
		must[model.VerifyResult](t)(as(Agent).Verify(ctx, vreq(Smith, John, WrongPIN)))
		b := must[model.Board](t)(lockBoard(t, as(Supervisor)).Board(ctx))
		if len(b.Locked) != 0 || len(b.Failing) != 1 || b.Failing[0].Holder != John || b.Failing[0].LockedSince != nil || len(b.Failing[0].Attempts) != 1 {
			t.Fatalf("board %+v, want John failing once (Mary has no PIN: nothing was counted)", b)
		}
	})
}

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

// runBoard holds the store to the lock board (issue 13): what a supervisor sees of the floor.
func runBoard(t *testing.T, newStore func(t *testing.T) store.Store) {
	john, mary, wile, smithWide := ref(Smith, John), ref(Smith, Mary), ref(Acme, Wile), ref(Smith, model.AccountWide)

	// wrong makes n wrong PINs on h as op on ch, a second apart, and returns the time of the last.
	wrong := func(e *env, op model.Operator, ch model.Channel, h model.HolderRef, n int) time.Time {
		e.t.Helper()
		for i := 0; i < n; i++ {
			e.clock.Advance(time.Second)
			if _, err := e.svc.Verify(e.ctx, op, model.VerifyRequest{AccountID: h.AccountID, Holder: h.ContactID, PIN: wrongPIN(i), Channel: ch}); err != nil {
				e.t.Fatalf("verify %s: %v", h, err)
			}
		}
		return e.clock.Now()
	}
	board := func(e *env) model.Board {
		e.t.Helper()
		b, err := e.svc.Board(e.ctx, Supervisor)
		if err != nil {
			e.t.Fatalf("board: %v", err)
		}
		return b
	}
	rows := func(hs []model.BoardHolder) string {
		var s []string
		for _, h := range hs {
			s = append(s, fmt.Sprintf("%s/%s:%d", h.AccountNumber, h.Holder, h.Failures))
		}
		return strings.Join(s, " ")
	}

	t.Run("a quiet floor has an empty board, as empty lists", func(t *testing.T) {
		e := newEnv(t, newStore)
		b := board(e)
		if b.Locked == nil || b.Failing == nil || len(b.Locked) != 0 || len(b.Failing) != 0 || b.FailingMore || !b.Time.Equal(e.clock.Now()) {
			t.Fatalf("board %+v, want empty lists at %v", b, e.clock.Now())
		}
	})

	t.Run("a lock shows with its account, holder, time and the failed attempts behind it, newest first", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, "482915")
		at := wrong(e, Agent2, model.ChannelChat, john, e.svc.Policy().MaxFailures)
		b := board(e)
		if len(b.Locked) != 1 || len(b.Failing) != 0 {
			t.Fatalf("locked %q, failing %q: want John locked only", rows(b.Locked), rows(b.Failing))
		}
		h := b.Locked[0]
		if h.AccountID != Smith || h.AccountNumber != "100001" || h.AccountName != "Smith & Sons Ltd" || h.Holder != John ||
			h.HolderName != "John Smith" || h.Failures != 6 || h.HardLocked || h.LockedSince == nil || !h.LockedSince.Equal(at) {
			t.Fatalf("John's row %+v, want locked at %v with 6 failures", h, at)
		}
		if len(h.Attempts) != 6 || len(h.Disputes) != 0 {
			t.Fatalf("John's row has %d attempts and %d disputes, want 6 and 0", len(h.Attempts), len(h.Disputes))
		}
		for i, a := range h.Attempts {
			want := at.Add(-time.Duration(i) * time.Second)
			if !a.Time.Equal(want) || a.Operator != Agent2.Name || a.Channel != model.ChannelChat || a.EventID == 0 {
				t.Fatalf("attempt %d: %+v, want bob on chat at %v", i, a, want)
			}
		}
		// Tried again while locked: nothing compared, nothing counted, the row stays as it was.
		e.mustVerify(john, "482915", model.OutcomeLocked)
		if again := board(e).Locked; len(again) != 1 || len(again[0].Attempts) != 6 {
			t.Fatalf("after a refused attempt: %+v", again)
		}
	})

	t.Run("locks come newest first, the account-wide holder without a contact name", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, "482915")
		e.set(wile, model.KindMaster, "482915")
		e.set(smithWide, model.KindMaster, "613904")
		max := e.svc.Policy().MaxFailures
		wrong(e, Agent, model.ChannelPhone, john, max)
		wrong(e, Agent, model.ChannelPhone, smithWide, max)
		wrong(e, Agent, model.ChannelPhone, wile, max)
		b := board(e)
		if got := rows(b.Locked); got != "100002/c-wile:6 100001/account:6 100001/c-john:6" {
			t.Fatalf("locked %q, want Wile, Smith's account-wide PIN, John", got)
		}
		if b.Locked[1].HolderName != "" {
			t.Fatalf("the account-wide holder's name %q, want none", b.Locked[1].HolderName)
		}
	})

	t.Run("an unlock takes the holder off the board, a success a failing one", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, "482915")
		e.set(mary, model.KindMaster, "613904")
		wrong(e, Agent, model.ChannelPhone, john, e.svc.Policy().MaxFailures)
		wrong(e, Agent, model.ChannelPhone, mary, 2)
		if b := board(e); len(b.Locked) != 1 || len(b.Failing) != 1 {
			t.Fatalf("locked %q, failing %q: want John locked, Mary failing", rows(b.Locked), rows(b.Failing))
		}
		e.unlock(john)
		e.mustVerify(mary, "613904", model.OutcomeVerified)
		if b := board(e); len(b.Locked) != 0 || len(b.Failing) != 0 {
			t.Fatalf("locked %q, failing %q: want an empty board", rows(b.Locked), rows(b.Failing))
		}
	})

	t.Run("failing holders rank by failures in a row, then the latest failure, with only the failures since the last unlock", func(t *testing.T) {
		e := newEnv(t, newStore)
		for _, h := range []model.HolderRef{john, mary, wile} {
			e.set(h, model.KindMaster, "482915")
		}
		wrong(e, Agent, model.ChannelPhone, john, e.svc.Policy().MaxFailures)
		e.unlock(john) // the six before the unlock are behind the lock, not behind the next failure
		wrong(e, Agent, model.ChannelPhone, wile, 2)
		wrong(e, Agent, model.ChannelPhone, mary, 3)
		last := wrong(e, Agent2, model.ChannelPhone, john, 2)
		b := board(e)
		if got := rows(b.Failing); got != "100001/c-mary:3 100001/c-john:2 100002/c-wile:2" || b.FailingMore {
			t.Fatalf("failing %q (more %v), want Mary 3, then John 2 (later than Wile), then Wile 2", got, b.FailingMore)
		}
		j := b.Failing[1]
		if j.LockedSince != nil || len(j.Attempts) != 2 || !j.Attempts[0].Time.Equal(last) || j.Attempts[0].Operator != Agent2.Name {
			t.Fatalf("John's row %+v, want unlocked with his 2 failures since the unlock, bob's last at %v", j, last)
		}
		// The store lists at most the limit it is given, and says more are failing.
		sb, err := e.st.Board(e.ctx, store.BoardQuery{Attempts: 1, FailingLimit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if got := rows(sb.Failing); got != "100001/c-mary:3 100001/c-john:2" || !sb.FailingMore || len(sb.Failing[0].Attempts) != 1 {
			t.Fatalf("failing %q (more %v), want the first 2 and more, one attempt each", got, sb.FailingMore)
		}
	})

	t.Run("a dispute's hard lock shows, hard, with the account's open dispute", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, "482915")
		e.mustVerify(john, wrongPIN(1), model.OutcomeMismatch)
		e.mustVerify(john, "482915", model.OutcomeVerified)
		id := ""
		for _, n := range e.claim("test", e.clock.Now(), 100) {
			if n.Type == model.NoticeVerifiedAfterFailures {
				id = n.ID
			}
		}
		e.clock.Advance(time.Minute)
		d, err := e.svc.Dispute(e.ctx, Portal, model.DisputeRequest{AccountID: Smith, EventID: id})
		if err != nil {
			t.Fatal(err)
		}
		b := board(e)
		if len(b.Locked) != 1 {
			t.Fatalf("locked %q, want John", rows(b.Locked))
		}
		h := b.Locked[0]
		if h.Holder != John || !h.HardLocked || h.LockedSince == nil || !h.LockedSince.Equal(d.Time) || len(h.Attempts) != 0 ||
			len(h.Disputes) != 1 || h.Disputes[0].ID != d.ID || h.Disputes[0].EventID != id {
			t.Fatalf("John's row %+v, want hard-locked at %v, no failures in a row, dispute %s", h, d.Time, d.ID)
		}
	})

	t.Run("only supervisors and trainers read the board", func(t *testing.T) {
		e := newEnv(t, newStore)
		for _, op := range []model.Operator{Agent, Portal, Admin} {
			if _, err := e.svc.Board(e.ctx, op); !errors.Is(err, model.ErrNotPermitted) {
				t.Errorf("%s reads the board: %v, want ErrNotPermitted", op.Role, err)
			}
		}
		if _, err := e.svc.Board(e.ctx, Trainer); err != nil {
			t.Errorf("trainer: %v", err)
		}
	})
}

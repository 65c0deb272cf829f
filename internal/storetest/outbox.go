package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// runOutbox holds the store to the outbox contract (issue 11): each change's notice commits or
// rolls back with the change, and deliverers sharing the database never hold one notice at once.
func runOutbox(t *testing.T, newStore func(t *testing.T) store.Store) {
	john := ref(Smith, John)

	t.Run("each change to a customer's PINs or locks writes its notice, and a plain verification none", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, "482915")
		e.mustVerify(john, "482915", model.OutcomeVerified) // no failures before: no notice
		e.mustVerify(john, wrongPIN(1), model.OutcomeMismatch)
		e.mustVerify(john, "482915", model.OutcomeVerified) // after a failure: a notice
		e.generate(john, model.KindOneTime)
		if err := e.svc.Clear(e.ctx, Portal, model.PINChange{AccountID: Smith, Holder: John, Kind: model.KindOneTime, OnBehalfOf: John}); err != nil {
			t.Fatal(err)
		}
		e.lock(john)
		e.mustVerify(john, wrongPIN(9), model.OutcomeLocked) // refused while locked: no second lock notice
		e.unlock(john)
		if _, err := e.svc.ResetAccount(e.ctx, Admin, model.ResetRequest{AccountID: Smith, Reason: "fraud report"}); err != nil {
			t.Fatal(err)
		}
		got := e.notices("")
		want := []model.NoticeType{model.NoticePINSet, model.NoticeVerifiedAfterFailures, model.NoticePINGenerated,
			model.NoticePINCleared, model.NoticeLocked, model.NoticeUnlocked, model.NoticeAccountReset}
		if types := noticeTypes(got); !slices.Equal(types, want) {
			t.Fatalf("notices %v, want %v", types, want)
		}
		ids := map[string]bool{}
		for _, n := range got {
			if n.State != store.NoticePending || n.Attempts != 0 || !n.NextAt.Equal(n.Time) || n.AccountID != Smith {
				t.Errorf("a new notice is pending and due at once for its account: %+v", n)
			}
			if ids[n.ID] || !strings.HasPrefix(n.ID, "ntc_") {
				t.Errorf("notice id %q is not a fresh ntc_ id", n.ID)
			}
			ids[n.ID] = true
			body, _ := json.Marshal(n.Notice)
			for _, secret := range []string{"482915", "900123", "7700"} {
				if strings.Contains(string(body), secret) {
					t.Errorf("notice %s carries %q: %s", n.Type, secret, body)
				}
			}
		}
		if n := got[1]; n.Failures != 1 || n.Holder != John || n.Channel != model.ChannelPhone || n.Operator != Agent.Name {
			t.Errorf("verified after failures: %+v", n.Notice)
		}
		if n := got[4]; n.Failures != e.svc.Policy().MaxFailures {
			t.Errorf("locked notice: failures %d, want %d", n.Failures, e.svc.Policy().MaxFailures)
		}
		if n := got[6]; n.Holder != "" || n.Role != model.OpAdmin {
			t.Errorf("reset notice: %+v", n.Notice)
		}
	})

	t.Run("a change refused or rolled back leaves no notice", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, "482915")
		if err := e.trySet(john, model.KindMaster, "482915"); err == nil {
			t.Fatal("reusing the PIN was accepted")
		}
		boom := errors.New("boom")
		err := e.st.UpdateHolder(e.ctx, john, func(tx store.HolderTx) error {
			if err := tx.Notify(e.ctx, model.Notice{ID: "ntc_rolled_back", Type: model.NoticeUnlocked, Time: Start, AccountID: Smith}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if types := noticeTypes(e.notices("")); !slices.Equal(types, []model.NoticeType{model.NoticePINSet}) {
			t.Fatalf("notices %v, want the one set only", types)
		}
	})

	t.Run("a claimed notice is leased to one deliverer; delivered removes it, failed reschedules it, dead keeps it until retried", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, "482915")
		e.generate(john, model.KindOneTime)
		now := e.clock.Now()
		a := e.claim("a", now, 2)
		if len(a) != 2 || a[0].Type != model.NoticePINSet || a[1].Type != model.NoticePINGenerated {
			t.Fatalf("claim: %+v", a)
		}
		if b := e.claim("b", now.Add(time.Minute), 10); len(b) != 0 {
			t.Fatalf("a notice under lease was claimed again: %+v", b)
		}
		if err := e.st.NoticeDelivered(e.ctx, a[0].ID, "a"); err != nil {
			t.Fatal(err)
		}
		fail := store.NoticeFailure{Done: []string{"webhook https://one.example/"}, Error: "HTTP 500", NextAt: now.Add(30 * time.Second)}
		if err := e.st.NoticeFailed(e.ctx, a[1].ID, "a", fail); err != nil {
			t.Fatal(err)
		}
		if b := e.claim("b", now.Add(29*time.Second), 10); len(b) != 0 {
			t.Fatalf("a notice was claimed before its retry was due: %+v", b)
		}
		b := e.claim("b", now.Add(30*time.Second), 10)
		if len(b) != 1 || b[0].ID != a[1].ID || b[0].Attempts != 1 || b[0].LastError != "HTTP 500" || !slices.Equal(b[0].Done, fail.Done) {
			t.Fatalf("the retry: %+v", b)
		}
		// The lease ran out and "c" took the notice over: "b"'s late outcome changes nothing.
		c := e.claim("c", now.Add(30*time.Second+lease), 10)
		if len(c) != 1 {
			t.Fatalf("a notice whose lease ran out was not claimed again: %+v", c)
		}
		if err := e.st.NoticeDelivered(e.ctx, b[0].ID, "b"); err != nil {
			t.Fatal(err)
		}
		if err := e.st.NoticeFailed(e.ctx, c[0].ID, "c", store.NoticeFailure{Error: "gave up", Dead: true}); err != nil {
			t.Fatal(err)
		}
		dead := e.notices(store.NoticeDead)
		if len(dead) != 1 || dead[0].LastError != "gave up" || dead[0].Attempts != 2 {
			t.Fatalf("dead notices: %+v", dead)
		}
		if len(e.notices(store.NoticePending)) != 0 || len(e.claim("d", now.Add(48*time.Hour), 10)) != 0 {
			t.Fatal("a dead notice is pending or claimed")
		}
		later := now.Add(50 * time.Hour)
		if err := e.st.RetryNotice(e.ctx, dead[0].ID, later); err != nil {
			t.Fatal(err)
		}
		if err := e.st.RetryNotice(e.ctx, dead[0].ID, later); !errors.Is(err, model.ErrInvalidInput) {
			t.Fatalf("retrying a notice that is not dead: %v, want ErrInvalidInput", err)
		}
		if err := e.st.RetryNotice(e.ctx, "ntc_nope", later); !errors.Is(err, model.ErrInvalidInput) {
			t.Fatalf("retrying an unknown notice: %v, want ErrInvalidInput", err)
		}
		r := e.claim("d", later, 10)
		if len(r) != 1 || r[0].Attempts != 0 || !r[0].Since.Equal(later) {
			t.Fatalf("a retried notice starts a new window: %+v", r)
		}
	})

	t.Run("deliverers claiming at once never take the same notice", func(t *testing.T) {
		e := newEnv(t, newStore)
		const n = 40
		for i := range n {
			err := e.st.UpdateHolder(e.ctx, john, func(tx store.HolderTx) error {
				return tx.Notify(e.ctx, model.Notice{ID: fmt.Sprintf("ntc_%03d", i), Type: model.NoticeUnlocked, Time: Start, AccountID: Smith, Holder: John})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		var mu sync.Mutex
		seen := map[string]string{}
		var wg sync.WaitGroup
		for w := range 4 {
			owner := fmt.Sprintf("w%d", w)
			wg.Go(func() {
				for range 20 {
					got, err := e.st.ClaimNotices(e.ctx, owner, Start, lease, 3)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					for _, g := range got {
						if prev, ok := seen[g.ID]; ok {
							t.Errorf("%s claimed by %s and %s", g.ID, prev, owner)
						}
						seen[g.ID] = owner
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(seen) != n {
			t.Errorf("%d of %d notices claimed", len(seen), n)
		}
	})

	// The customer hears once that the rolling cap locked their PIN for their protection: the
	// wrong PIN that reaches the cap writes holder.hard_locked (not also holder.locked, though it
	// is the 6th in a row), and the attempts refused afterwards write nothing more.
	t.Run("the wrong PIN reaching the rolling cap writes holder.hard_locked once, and later failures none", func(t *testing.T) {
		e := newEnv(t, newStore)
		p := e.svc.Policy()
		e.set(john, model.KindMaster, "482915")
		compared := 0
		for !e.state(john).HardLocked {
			if compared >= p.HardLockFailures {
				t.Fatalf("not hard-locked after %d wrong PINs", compared)
			}
			for range p.MaxFailures {
				e.mustVerify(john, wrongPIN(compared), model.OutcomeMismatch)
				compared++
				if e.state(john).Locked() {
					break
				}
			}
			if !e.state(john).HardLocked {
				e.unlock(john) // a supervisor, as the attacker with a supervisor's token would
			}
		}
		if compared != p.HardLockFailures {
			t.Fatalf("hard-locked after %d wrong PINs, want %d", compared, p.HardLockFailures)
		}
		before := len(e.notices(""))
		for i := range 3 {
			e.mustVerify(john, wrongPIN(500+i), model.OutcomeLocked) // refused: not compared, not counted
		}
		e.mustVerify(john, "482915", model.OutcomeLocked)
		got := e.notices("")
		if len(got) != before {
			t.Errorf("attempts refused while hard-locked wrote notices: %v", noticeTypes(got[before:]))
		}
		var hard []store.OutboxEntry
		locks := 0
		for _, n := range got {
			switch n.Type {
			case model.NoticeHardLocked:
				hard = append(hard, n)
			case model.NoticeLocked:
				locks++
			}
		}
		if len(hard) != 1 {
			t.Fatalf("%d holder.hard_locked notices, want exactly 1: %v", len(hard), noticeTypes(got))
		}
		// Its number is the wrong PINs in the window that set it (the cap), not the run in a row.
		if n := hard[0]; n.Holder != John || n.AccountID != Smith || n.Channel != model.ChannelPhone || n.Failures != p.HardLockFailures {
			t.Errorf("hard-lock notice: %+v, want John's, on the phone, after %d wrong PINs", n.Notice, p.HardLockFailures)
		}
		// 20 wrong PINs in runs of 6 lock three times before the cap; the 20th is the hard lock only.
		if want := (p.HardLockFailures - 1) / p.MaxFailures; locks != want {
			t.Errorf("%d holder.locked notices, want %d (the hard lock is not also a lock notice): %v", locks, want, noticeTypes(got))
		}
		if got[len(got)-1].Type != model.NoticeHardLocked {
			t.Errorf("notices %v, want the hard lock last", noticeTypes(got))
		}
	})
}

const lease = 2 * time.Minute

func (e *env) claim(owner string, now time.Time, limit int) []store.OutboxEntry {
	e.t.Helper()
	got, err := e.st.ClaimNotices(e.ctx, owner, now, lease, limit)
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

func (e *env) notices(state string) []store.OutboxEntry {
	e.t.Helper()
	got, err := e.st.Notices(e.ctx, store.NoticeQuery{State: state, Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

func noticeTypes(es []store.OutboxEntry) []model.NoticeType {
	out := []model.NoticeType{}
	for _, e := range es {
		out = append(out, e.Type)
	}
	return out
}

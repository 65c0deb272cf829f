package storetest

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// Trainer is a trainer, whose rights depend on whether the database is a demo database.
var Trainer = model.Operator{Name: "tess", Role: model.OpTrainer}

func unlockReq(h model.HolderRef, reason string) model.UnlockRequest {
	return model.UnlockRequest{AccountID: h.AccountID, Holder: h.ContactID, Reason: reason}
}

// runHardLock holds the store to the rolling cap: at most HardLockFailures (20) wrong PINs per
// holder in any HardLockWindow (24 h), however many unlocks come between them.
func runHardLock(t *testing.T, newStore func(t *testing.T) store.Store) {
	john := ref(Smith, John)

	t.Run("guessing 5 and unlocking, again and again, hard-locks at the 20th wrong PIN and only the portal or an admin may unlock", func(t *testing.T) {
		for _, lifter := range []model.Operator{Portal, Admin} {
			t.Run(string(lifter.Role)+" unlocks", func(t *testing.T) {
				e := newEnv(t, newStore)
				p := e.svc.Policy()
				e.set(john, model.KindMaster, "482915")
				compared := 0
				var last model.VerifyResult
			loop:
				for round := 0; round < 100; round++ {
					for i := 0; i < p.MaxFailures-1; i++ {
						last = e.mustVerify(john, wrongPIN(compared), model.OutcomeMismatch)
						compared++
						if e.state(john).HardLocked {
							break loop
						}
					}
					e.unlock(john) // a supervisor, as the attacker with a supervisor's token would
				}
				if compared != p.HardLockFailures {
					t.Fatalf("hard-locked after %d wrong PINs, want %d", compared, p.HardLockFailures)
				}
				if last.AttemptsLeft != 0 || last.LockedSince == nil {
					t.Fatalf("the 20th wrong PIN answered %+v, want mismatch with 0 attempts left and the lock", last)
				}
				st := e.state(john)
				if !st.HardLocked || !st.Locked() {
					t.Fatalf("after the 20th wrong PIN: %+v, want locked and hard-locked", st)
				}
				e.mustVerify(john, "482915", model.OutcomeLocked) // not even the right PIN is compared

				// Neither a supervisor nor a trainer may lift it, and a refusal changes nothing.
				before := e.lastAuditID()
				for _, op := range []model.Operator{Supervisor, Trainer} {
					err := e.svc.Unlock(e.ctx, op, unlockReq(john, "caller insists"))
					wantErr(t, err, model.ErrHardLocked)
					if want := "the customer must set a new PIN in the portal, or an admin must unlock"; !strings.Contains(err.Error(), want) {
						t.Fatalf("refusal %q does not say %q", err, want)
					}
				}
				if e.lastAuditID() != before {
					t.Fatal("a refused unlock was audited")
				}
				if st := e.state(john); !st.HardLocked || !st.Locked() {
					t.Fatalf("a refused unlock changed the holder: %+v", st)
				}

				// The portal (the customer acting) or an admin lifts it, and the window starts afresh:
				// a supervisor may unlock again after 5 more wrong PINs.
				if err := e.svc.Unlock(e.ctx, lifter, unlockReq(john, "customer reset their PIN")); err != nil {
					t.Fatalf("%s unlock: %v", lifter.Role, err)
				}
				if st := e.state(john); st.HardLocked || st.Locked() || st.Failures != 0 {
					t.Fatalf("after the %s unlock: %+v", lifter.Role, st)
				}
				for i := 0; i < p.MaxFailures-1; i++ {
					e.mustVerify(john, wrongPIN(100+i), model.OutcomeMismatch)
				}
				e.unlock(john)
				if st := e.state(john); st.HardLocked {
					t.Fatalf("5 wrong PINs after the %s unlock hard-locked: the window was not cleared", lifter.Role)
				}
				e.mustVerify(john, "482915", model.OutcomeVerified)
			})
		}
	})

	t.Run("a supervisor unlock keeps the window: 20 wrong PINs across unlocks hard-lock even after a right one", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, "482915")
		for i := 0; i < 19; i++ {
			e.mustVerify(john, wrongPIN(i), model.OutcomeMismatch)
			if i%5 == 4 {
				e.unlock(john)
			}
		}
		// A success resets the consecutive count, not the rolling cap.
		e.mustVerify(john, "482915", model.OutcomeVerified)
		if st := e.state(john); st.HardLocked || st.Failures != 0 {
			t.Fatalf("after 19 wrong and a right PIN: %+v", st)
		}
		r := e.mustVerify(john, wrongPIN(19), model.OutcomeMismatch)
		if st := e.state(john); !st.HardLocked || !st.Locked() || r.LockedSince == nil || r.AttemptsLeft != 0 {
			t.Fatalf("the 20th wrong PIN in the window answered %+v and left %+v, want hard-locked", r, st)
		}
	})

	t.Run("failures older than the window do not count toward the cap", func(t *testing.T) {
		e := newEnv(t, newStore)
		p := e.svc.Policy()
		e.set(john, model.KindMaster, "482915")
		n := 0
		wrong := func(count int) {
			t.Helper()
			for i := 0; i < count; i++ {
				e.mustVerify(john, wrongPIN(n), model.OutcomeMismatch)
				n++
				if (i+1)%5 == 0 {
					e.unlock(john)
				}
			}
			if st := e.state(john); st.Failures != 0 {
				e.unlock(john)
			}
		}
		wrong(10) // at T0
		e.clock.Advance(p.HardLockWindow / 2)
		wrong(9) // at T0+12h: 19 in the window
		if e.state(john).HardLocked {
			t.Fatal("19 wrong PINs hard-locked")
		}
		// Exactly one window after T0, the first ten have aged out: a failure exactly 24 h old no
		// longer counts.
		e.clock.Advance(p.HardLockWindow / 2)
		wrong(10) // 9 + 10 = 19 in the window
		if st := e.state(john); st.HardLocked {
			t.Fatalf("failures older than %v still counted: %+v", p.HardLockWindow, st)
		}
		r := e.mustVerify(john, wrongPIN(n), model.OutcomeMismatch)
		if st := e.state(john); !st.HardLocked || r.LockedSince == nil {
			t.Fatalf("the 20th wrong PIN within the window left %+v", st)
		}
	})

	t.Run("resetting the account revokes the PINs and so lifts the hard lock and forgets the window", func(t *testing.T) {
		e := newEnv(t, newStore)
		p := e.svc.Policy()
		e.set(john, model.KindMaster, "482915")
		for i := 0; i < p.HardLockFailures; i++ {
			e.mustVerify(john, wrongPIN(i), model.OutcomeMismatch)
			if st := e.state(john); st.Locked() && !st.HardLocked {
				e.unlock(john)
			}
		}
		if !e.state(john).HardLocked {
			t.Fatal("not hard-locked")
		}
		if _, err := e.svc.ResetAccount(e.ctx, Supervisor, model.ResetRequest{AccountID: Smith, Reason: "PINs guessed"}); err != nil {
			t.Fatal(err)
		}
		if st := e.state(john); st.HardLocked || st.Locked() || len(st.PINs) != 0 {
			t.Fatalf("after the reset: %+v", st)
		}
		e.set(john, model.KindMaster, "730164")
		e.mustVerify(john, wrongPIN(99), model.OutcomeMismatch)
		if st := e.state(john); st.HardLocked {
			t.Fatal("the window outlived the reset")
		}
	})

	// Agents guessing and a supervisor unlocking, all at once: the cap is counted inside the
	// holder's transaction, so exactly HardLockFailures wrong PINs are ever compared.
	t.Run("agents guessing while a supervisor keeps unlocking compare exactly 20 wrong PINs", func(t *testing.T) {
		e := newEnv(t, newStore)
		p := e.svc.Policy()
		e.set(john, model.KindMaster, "482915")
		for rep := range reps(4, 2) {
			before := e.lastAuditID()
			var hard atomic.Bool
			var mismatches atomic.Int64
			var wg sync.WaitGroup
			errs := make(chan error, 16)
			start := make(chan struct{})
			for g := 0; g < 8; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					for i := 0; i < 2000 && !hard.Load(); i++ {
						r, err := e.svc.Verify(e.ctx, Agent, attempt(john, wrongPIN(g*2000+i)))
						if err != nil {
							errs <- err
							return
						}
						switch r.Outcome {
						case model.OutcomeMismatch:
							mismatches.Add(1)
						case model.OutcomeLocked:
							time.Sleep(time.Millisecond)
						default:
							errs <- errors.New("unexpected outcome " + string(r.Outcome))
							return
						}
					}
				}()
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for i := 0; i < 20000; i++ {
					err := e.svc.Unlock(e.ctx, Supervisor, unlockReq(john, "caller identified"))
					switch {
					case errors.Is(err, model.ErrHardLocked):
						hard.Store(true)
						return
					case err == nil, errors.Is(err, model.ErrNotLocked):
						time.Sleep(time.Millisecond)
					default:
						errs <- err
						return
					}
				}
				errs <- errors.New("never hard-locked")
			}()
			close(start)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatalf("rep %d: %v", rep, err)
			}
			if got := mismatches.Load(); got != int64(p.HardLockFailures) {
				t.Fatalf("rep %d: %d wrong PINs compared, want exactly %d", rep, got, p.HardLockFailures)
			}
			if n := countOutcome(e.auditAfter(john, before), model.ActionVerify, "mismatch"); n != p.HardLockFailures {
				t.Fatalf("rep %d: %d mismatch events audited, want %d", rep, n, p.HardLockFailures)
			}
			if st := e.state(john); !st.HardLocked || !st.Locked() {
				t.Fatalf("rep %d: %+v, want hard-locked", rep, st)
			}
			e.unlockAfresh(john)
		}
	})
}

// runDemoRights holds the trainer to its two faces: on a demo database (marked in the meta table)
// it changes PINs as the customer would; on a real one it has a supervisor's rights only.
func runDemoRights(t *testing.T, newStore func(t *testing.T) store.Store) {
	john := ref(Smith, John)
	change := model.PINChange{AccountID: Smith, Holder: John, Kind: model.KindTemporary, OnBehalfOf: John}

	t.Run("on a real database a trainer may not change PINs but may unlock", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, "482915")
		before := e.lastAuditID()
		_, err := e.svc.Generate(e.ctx, Trainer, change)
		wantErr(t, err, model.ErrNotPermitted)
		if !strings.Contains(err.Error(), "demo database") {
			t.Fatalf("refusal %q does not say why", err)
		}
		_, err = e.svc.Set(e.ctx, Trainer, change, "730164")
		wantErr(t, err, model.ErrNotPermitted)
		wantErr(t, e.svc.Clear(e.ctx, Trainer, model.PINChange{AccountID: Smith, Holder: John, Kind: model.KindMaster}), model.ErrNotPermitted)
		if e.lastAuditID() != before || len(e.state(john).PINs) != 1 {
			t.Fatal("a refused trainer change wrote something")
		}
		e.lock(john)
		if err := e.svc.Unlock(e.ctx, Trainer, unlockReq(john, "training call")); err != nil {
			t.Fatalf("a trainer unlock (a supervisor's right): %v", err)
		}
		if _, err := e.svc.ResetAccount(e.ctx, Trainer, model.ResetRequest{AccountID: Acme, Reason: "drill"}); err != nil {
			t.Fatalf("a trainer reset (a supervisor's right): %v", err)
		}
	})

	t.Run("a database marked demo lets a trainer change PINs", func(t *testing.T) {
		e := newEnv(t, newStore)
		if err := core.MarkDemo(e.ctx, e.st); err != nil {
			t.Fatal(err)
		}
		g, err := e.svc.Generate(e.ctx, Trainer, change)
		if err != nil || g.PIN == "" {
			t.Fatalf("trainer generate on a demo database: %+v, %v", g, err)
		}
		if _, err := e.svc.Set(e.ctx, Trainer, model.PINChange{AccountID: Smith, Holder: John, Kind: model.KindMaster}, "730164"); err != nil {
			t.Fatalf("trainer set on a demo database: %v", err)
		}
	})

	t.Run("a meta entry demo other than true is not a demo database", func(t *testing.T) {
		e := newEnv(t, newStore)
		if err := e.st.PutMeta(e.ctx, core.MetaDemo, "false"); err != nil {
			t.Fatal(err)
		}
		_, err := e.svc.Generate(e.ctx, Trainer, change)
		wantErr(t, err, model.ErrNotPermitted)
	})
}

// runCallChannels holds a verification to the channels a call comes in on.
func runCallChannels(t *testing.T, newStore func(t *testing.T) store.Store) {
	john := ref(Smith, John)
	t.Run("a verification under channel admin or portal is refused and changes nothing", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, "482915")
		before := e.lastAuditID()
		for _, ch := range []model.Channel{model.ChannelAdmin, model.ChannelPortal, "fax"} {
			_, err := e.svc.Verify(e.ctx, Agent, model.VerifyRequest{AccountID: Smith, Holder: John, PIN: wrongPIN(1), Channel: ch})
			wantErr(t, err, model.ErrInvalidInput)
			if !strings.Contains(err.Error(), "phone, chat or other") {
				t.Fatalf("channel %s: %q does not name the channels allowed", ch, err)
			}
		}
		if e.lastAuditID() != before || e.state(john).Failures != 0 {
			t.Fatal("a refused verification was counted or audited")
		}
		for _, ch := range []model.Channel{model.ChannelPhone, model.ChannelChat, model.ChannelOther, ""} {
			if _, err := e.svc.Verify(e.ctx, Agent, model.VerifyRequest{AccountID: Smith, Holder: John, PIN: "482915", Channel: ch}); err != nil {
				t.Fatalf("channel %q: %v", ch, err)
			}
		}
	})
}

package storetest

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// callerAttempt is a caller's verification as an agent on the phone sends it.
func callerAttempt(account, contact, pin string) model.CallerVerifyRequest {
	return model.CallerVerifyRequest{AccountID: account, Contact: contact, PIN: pin, Channel: model.ChannelPhone}
}

func (e *env) verifyCaller(account, contact, pin string) (model.VerifyResult, error) {
	return e.svc.VerifyCaller(e.ctx, Agent, callerAttempt(account, contact, pin))
}

func (e *env) mustVerifyCaller(account, contact, pin string, want model.Outcome) model.VerifyResult {
	e.t.Helper()
	r, err := e.verifyCaller(account, contact, pin)
	if err != nil {
		e.t.Fatalf("verify caller %s/%s: %v", account, contact, err)
	}
	if r.Outcome != want {
		e.t.Fatalf("verify caller %s/%s: outcome %s, want %s (%+v)", account, contact, r.Outcome, want, r)
	}
	return r
}

func holderIDs(cs []model.HolderCheck) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.Holder)
	}
	return out
}

// runCaller holds a store to the caller verification (model's caller table) end to end: both
// holders locked in one transaction, a mismatch counted and audited once per holder compared, a
// locked holder skipped, notices and idempotency per holder, and the exact lockout under races.
func runCaller(t *testing.T, newStore func(t *testing.T) store.Store) {
	pat, wide := ref(Smith, Pat), ref(Smith, model.AccountWide)
	const patPIN, widePIN = "482915", "305728"

	t.Run("the account-wide PIN given by a sub-contact verifies and the answer says which PIN matched", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(pat, model.KindMaster, patPIN)
		e.set(wide, model.KindMaster, widePIN)
		r := e.mustVerifyCaller(Smith, Pat, widePIN, model.OutcomeVerified)
		if r.MatchedHolder != model.AccountWide || r.MatchedKind != model.KindMaster || r.AttemptsLeft != 6 {
			t.Fatalf("matched %q %q with %d left, want the account-wide master PIN with 6", r.MatchedHolder, r.MatchedKind, r.AttemptsLeft)
		}
		if got := holderIDs(r.Compared); fmt.Sprint(got) != fmt.Sprint([]string{Pat, model.AccountWide}) || len(r.Skipped) != 0 {
			t.Fatalf("compared %v, skipped %v; want Pat's and the account-wide PINs, none skipped", got, r.Skipped)
		}
		r = e.mustVerifyCaller(Smith, Pat, patPIN, model.OutcomeVerified)
		if r.MatchedHolder != Pat {
			t.Fatalf("Pat's own PIN matched %q", r.MatchedHolder)
		}
		evs := e.auditAfter(wide, e.setup)
		if n := countOutcome(evs, model.ActionVerify, "verified"); n != 1 || evs[len(evs)-1].Caller != Pat {
			t.Fatalf("the account-wide success is not audited once on the account-wide holder naming Pat: %+v", evs)
		}
	})

	t.Run("a wrong PIN counts once against each holder compared, audited per holder, and the right one then resets only its holder", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(pat, model.KindMaster, patPIN)
		e.set(wide, model.KindMaster, widePIN)
		before := e.lastAuditID()
		r := e.mustVerifyCaller(Smith, Pat, wrongPIN(1), model.OutcomeMismatch)
		if r.AttemptsLeft != 5 || len(r.Compared) != 2 || !r.Compared[0].Counted || !r.Compared[1].Counted {
			t.Fatalf("answer %+v: want 5 left, both holders counted", r)
		}
		for _, h := range []model.HolderRef{pat, wide} {
			if st := e.state(h); st.Failures != 1 {
				t.Fatalf("%s has %d failures, want 1", h, st.Failures)
			}
			evs := e.auditAfter(h, before)
			if len(evs) != 1 || evs[0].Outcome != "mismatch" || evs[0].Caller != Pat || evs[0].AttemptsLeft == nil || *evs[0].AttemptsLeft != 5 {
				t.Fatalf("%s's audit: %+v; want one mismatch naming Pat with 5 left", h, evs)
			}
		}
		e.mustVerifyCaller(Smith, Pat, widePIN, model.OutcomeVerified)
		if e.state(wide).Failures != 0 || e.state(pat).Failures != 1 {
			t.Fatal("the account-wide success must reset the account-wide count only: Pat's own failure was a guess at Pat's PIN")
		}
	})

	t.Run("a locked holder is skipped, never compared, and the answer names it", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(pat, model.KindMaster, patPIN)
		e.set(wide, model.KindMaster, widePIN)
		e.lock(wide)
		before := e.lastAuditID()
		// The right account-wide PIN: the holder is locked, so it is not compared and cannot verify.
		r := e.mustVerifyCaller(Smith, Pat, widePIN, model.OutcomeMismatch)
		if len(r.Skipped) != 1 || r.Skipped[0].Holder != model.AccountWide || r.Skipped[0].LockedSince == nil {
			t.Fatalf("skipped %+v, want the locked account-wide holder", r.Skipped)
		}
		if got := holderIDs(r.Compared); fmt.Sprint(got) != fmt.Sprint([]string{Pat}) {
			t.Fatalf("compared %v, want Pat's own PIN only", got)
		}
		if st := e.state(wide); st.Failures != 6 {
			t.Fatalf("the locked holder's count moved to %d", st.Failures)
		}
		if evs := e.auditAfter(wide, before); len(evs) != 1 || evs[0].Outcome != "locked" || evs[0].Caller != Pat {
			t.Fatalf("the skipped holder's audit: %+v; want one locked event naming Pat", evs)
		}
		r = e.mustVerifyCaller(Smith, Pat, patPIN, model.OutcomeVerified)
		if r.MatchedHolder != Pat || len(r.Skipped) != 1 {
			t.Fatalf("Pat's own PIN beside a locked account-wide one: %+v", r)
		}
	})

	t.Run("each holder locks at its own sixth failure with its notice; then every attempt answers locked", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(pat, model.KindMaster, patPIN)
		e.set(wide, model.KindMaster, widePIN)
		for i := range 2 {
			e.mustVerify(pat, wrongPIN(i), model.OutcomeMismatch) // Pat's own holder starts 2 down
		}
		var last model.VerifyResult
		for i := range 6 {
			last = e.mustVerifyCaller(Smith, Pat, wrongPIN(10+i), model.OutcomeMismatch)
			if i == 3 && (last.AttemptsLeft != 2 || last.LockedSince != nil || last.Compared[0].LockedSince == nil) {
				t.Fatalf("after Pat's own PIN locked: %+v; want 2 left on the account-wide PIN", last)
			}
		}
		if last.LockedSince == nil || last.AttemptsLeft != 0 {
			t.Fatalf("the sixth failure on the account-wide PIN: %+v; want locked, none left", last)
		}
		for _, h := range []model.HolderRef{pat, wide} {
			if st := e.state(h); !st.Locked() || st.Failures != 6 {
				t.Fatalf("%s: %+v; want locked at 6", h, st)
			}
		}
		r := e.mustVerifyCaller(Smith, Pat, widePIN, model.OutcomeLocked)
		if len(r.Skipped) != 2 || len(r.Compared) != 0 {
			t.Fatalf("every holder locked: %+v", r)
		}
		locks := map[string]int{}
		for _, n := range e.notices("") {
			if n.Type == model.NoticeLocked {
				locks[n.Holder]++
			}
		}
		if locks[Pat] != 1 || locks[model.AccountWide] != 1 {
			t.Fatalf("locked notices %v, want one for each holder", locks)
		}
	})

	t.Run("a caller with no active PIN of their own or the account's answers no PIN and counts nothing", func(t *testing.T) {
		e := newEnv(t, newStore)
		r := e.mustVerifyCaller(Smith, Pat, wrongPIN(1), model.OutcomeNoPIN)
		if len(r.Compared) != 0 || e.state(pat).Failures != 0 || e.state(wide).Failures != 0 {
			t.Fatalf("no PIN: %+v", r)
		}
		if evs := e.auditAfter(pat, e.setup); len(evs) != 1 || evs[0].Outcome != "no_pin" {
			t.Fatalf("a no-PIN attempt is audited once on the caller: %+v", evs)
		}
	})

	t.Run("the account itself is not a caller, and an unknown caller is refused having compared nothing", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(wide, model.KindMaster, widePIN)
		_, err := e.verifyCaller(Smith, model.AccountWide, widePIN)
		wantErr(t, err, model.ErrInvalidInput)
		_, err = e.verifyCaller(Smith, Wile, widePIN)
		wantErr(t, err, model.ErrUnknownHolder)
		err = func() error { _, err := e.verifyCaller(Smith, Pat, "12a456"); return err }()
		wantErr(t, err, model.ErrInvalidPIN)
		if st := e.state(wide); st.Failures != 0 {
			t.Fatalf("a refused request counted: %+v", st)
		}
		if evs := e.auditAfter(pat, e.setup); len(evs) != 1 || evs[0].Outcome != model.AuditRefused || evs[0].Caller != Pat {
			t.Fatalf("the malformed entry is audited as refused on the caller: %+v", evs)
		}
	})

	t.Run("a repeated idempotency key answers the first answer and counts once on each holder", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(pat, model.KindMaster, patPIN)
		e.set(wide, model.KindMaster, widePIN)
		req := callerAttempt(Smith, Pat, wrongPIN(1))
		req.IdempotencyKey = "call-9/attempt-1"
		first, err := e.svc.VerifyCaller(e.ctx, Agent, req)
		if err != nil {
			t.Fatal(err)
		}
		again, err := e.svc.VerifyCaller(e.ctx, Agent, req)
		if err != nil || !again.Replayed {
			t.Fatalf("the repeat: %+v, %v; want a replay", again, err)
		}
		again.Replayed = false
		if fmt.Sprintf("%+v", again) != fmt.Sprintf("%+v", first) {
			t.Fatalf("the replay %+v differs from the first answer %+v", again, first)
		}
		if e.state(pat).Failures != 1 || e.state(wide).Failures != 1 {
			t.Fatal("a repeated key counted twice")
		}
		// The same key on the holder-level verification is another request: refused, nothing compared.
		_, err = e.svc.Verify(e.ctx, Agent, model.VerifyRequest{AccountID: Smith, Holder: Pat, Caller: Pat, PIN: wrongPIN(1), Channel: model.ChannelPhone, IdempotencyKey: req.IdempotencyKey})
		wantErr(t, err, model.ErrIdempotencyMismatch)
	})

	t.Run("a failure counted on both holders is recorded on both even when a later step errors", func(t *testing.T) {
		f := &failingStore{Store: newStore(t)}
		e := newEnvOver(t, f)
		e.set(pat, model.KindMaster, patPIN)
		e.set(wide, model.KindMaster, widePIN)
		f.failAppendAudit.Store(1)
		_, err := e.verifyCaller(Smith, Pat, wrongPIN(1))
		wantErr(t, err, errInjected)
		for _, h := range []model.HolderRef{pat, wide} {
			if st := e.state(h); st.Failures != 1 {
				t.Fatalf("%s counted %d failures, want 1", h, st.Failures)
			}
			if evs := e.auditAfter(h, e.setup); countOutcome(evs, model.ActionVerify, "mismatch") != 1 {
				t.Fatalf("%s: the failure was not audited once: %+v", h, evs)
			}
		}
	})

	t.Run("UpdateHolders commits both holders together or neither", func(t *testing.T) {
		e := newEnv(t, newStore)
		boom := errors.New("boom")
		err := e.st.UpdateHolders(e.ctx, []model.HolderRef{pat, wide}, func(txs []store.HolderTx) error {
			if txs[0].Holder().Ref != pat || txs[1].Holder().Ref != wide {
				return fmt.Errorf("transactions in the wrong order: %v, %v", txs[0].Holder().Ref, txs[1].Holder().Ref)
			}
			for _, tx := range txs {
				if _, _, err := tx.AddFailure(e.ctx, 6, Start); err != nil {
					return err
				}
			}
			return boom
		})
		wantErr(t, err, boom)
		if e.state(pat).Failures != 0 || e.state(wide).Failures != 0 {
			t.Fatal("a failed UpdateHolders kept a count")
		}
		err = e.st.UpdateHolders(e.ctx, []model.HolderRef{wide, pat}, func(txs []store.HolderTx) error {
			for _, tx := range txs {
				if _, _, err := tx.AddFailure(e.ctx, 6, Start); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil || e.state(pat).Failures != 1 || e.state(wide).Failures != 1 {
			t.Fatalf("UpdateHolders: %v; counts %d and %d, want 1 and 1", err, e.state(pat).Failures, e.state(wide).Failures)
		}
		for _, refs := range [][]model.HolderRef{nil, {pat, pat}, {pat, ref(Acme, Wile)}} {
			err := e.st.UpdateHolders(e.ctx, refs, func([]store.HolderTx) error { return nil })
			wantErr(t, err, model.ErrInvalidInput)
		}
		err = e.st.UpdateHolders(e.ctx, []model.HolderRef{pat, ref(Smith, "c-nobody")}, func([]store.HolderTx) error { return nil })
		wantErr(t, err, model.ErrUnknownHolder)
	})

	// K wrong PINs at once from a caller with both PINs (Pat's own holder already 2 down): each
	// holder compares and counts exactly its MaxFailures, however the attempts interleave.
	for _, tc := range []struct{ k, reps, short int }{{8, 10, 3}, {32, 10, 2}, {128, 3, 1}} {
		t.Run(fmt.Sprintf("%d simultaneous wrong PINs from a caller with both PINs: each holder counts exactly to its lock", tc.k), func(t *testing.T) {
			e := newEnv(t, newStore)
			max := e.svc.Policy().MaxFailures
			e.set(pat, model.KindMaster, patPIN)
			e.set(wide, model.KindMaster, widePIN)
			for rep := range reps(tc.reps, tc.short) {
				for i := range 2 {
					e.mustVerify(pat, wrongPIN(i), model.OutcomeMismatch)
				}
				before := e.lastAuditID()
				results := make([]model.VerifyResult, tc.k)
				errs := make([]error, tc.k)
				start := make(chan struct{})
				var wg sync.WaitGroup
				for i := range tc.k {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						results[i], errs[i] = e.verifyCaller(Smith, Pat, wrongPIN(1000+i))
					}()
				}
				close(start)
				wg.Wait()
				counted := map[string][]int{}
				mismatches, locked := 0, 0
				for i, r := range results {
					if errs[i] != nil {
						t.Fatalf("rep %d: attempt %d: %v", rep, i, errs[i])
					}
					switch r.Outcome {
					case model.OutcomeMismatch:
						mismatches++
					case model.OutcomeLocked:
						locked++
					default:
						t.Fatalf("rep %d: attempt %d answered %+v", rep, i, r)
					}
					for _, c := range r.Compared {
						if c.Counted {
							counted[c.Holder] = append(counted[c.Holder], c.AttemptsLeft)
						}
					}
				}
				if mismatches != max || locked != tc.k-max {
					t.Fatalf("rep %d: %d mismatches and %d locked, want %d and %d", rep, mismatches, locked, max, tc.k-max)
				}
				for h, f0 := range map[string]int{Pat: 2, model.AccountWide: 0} {
					lefts := counted[h]
					sort.Sort(sort.Reverse(sort.IntSlice(lefts)))
					if len(lefts) != max-f0 {
						t.Fatalf("rep %d: %s compared and counted %d times, want %d", rep, h, len(lefts), max-f0)
					}
					for i, left := range lefts {
						if left != max-f0-1-i {
							t.Fatalf("rep %d: %s's attempts left %v, want each of %d..0 once", rep, h, lefts, max-f0-1)
						}
					}
					st := e.state(ref(Smith, h))
					if st.Failures != max || !st.Locked() {
						t.Fatalf("rep %d: %s stored %d failures, locked %v", rep, h, st.Failures, st.Locked())
					}
					if n := countOutcome(e.auditAfter(ref(Smith, h), before), model.ActionVerify, "mismatch"); n != max-f0 {
						t.Fatalf("rep %d: %s has %d mismatch events, want %d", rep, h, n, max-f0)
					}
				}
				e.unlockAfresh(pat)
				e.unlockAfresh(wide)
			}
		})
	}
}

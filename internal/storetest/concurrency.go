package storetest

import (
	"fmt"
	"sort"
	"sync"
	"testing"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// race releases the attempts together (one channel closed once) and returns their answers in the
// order given.
func race(e *env, attempts []model.VerifyRequest) ([]model.VerifyResult, []error) {
	results := make([]model.VerifyResult, len(attempts))
	errs := make([]error, len(attempts))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, req := range attempts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], errs[i] = e.svc.Verify(e.ctx, Agent, req)
		}()
	}
	close(start)
	wg.Wait()
	return results, errs
}

func attempt(h model.HolderRef, pin string) model.VerifyRequest {
	return model.VerifyRequest{AccountID: h.AccountID, Holder: h.ContactID, PIN: pin, Channel: model.ChannelPhone}
}

// reps is how often each race is repeated: a race that is lost one time in a hundred must still
// fail the suite, so it is run many times, fewer with -short.
func reps(full, short int) int {
	if testing.Short() {
		return short
	}
	return full
}

func runConcurrency(t *testing.T, newStore func(t *testing.T) store.Store) {
	john := ref(Smith, John)

	// K wrong PINs at once against a holder that already has f0 failures: exactly max-f0 of them are
	// compared and counted (answer mismatch), every other answers locked, and the store and the
	// audit agree.
	for _, tc := range []struct {
		k, f0, reps, short int
	}{
		{2, 5, 20, 5},
		{8, 0, 20, 5},
		{64, 0, 20, 3},
		{256, 0, 5, 1},
	} {
		name := fmt.Sprintf("%d simultaneous wrong PINs against a holder with %d failures: exactly %d count and the rest answer locked", tc.k, tc.f0, 6-tc.f0)
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, newStore)
			max := e.svc.Policy().MaxFailures
			e.set(john, model.KindMaster, "482915")
			for rep := range reps(tc.reps, tc.short) {
				for i := range tc.f0 {
					e.mustVerify(john, wrongPIN(i), model.OutcomeMismatch)
				}
				before := e.lastAuditID()
				attempts := make([]model.VerifyRequest, tc.k)
				for i := range attempts {
					attempts[i] = attempt(john, wrongPIN(1000+i)) // distinct wrong PINs
				}
				results, errs := race(e, attempts)
				var lefts []int
				locked := 0
				for i, r := range results {
					switch {
					case errs[i] != nil:
						t.Fatalf("rep %d: attempt %d: %v", rep, i, errs[i])
					case r.Outcome == model.OutcomeMismatch:
						lefts = append(lefts, r.AttemptsLeft)
					case r.Outcome == model.OutcomeLocked:
						locked++
					default:
						t.Fatalf("rep %d: attempt %d answered %+v", rep, i, r)
					}
				}
				want := max - tc.f0
				if len(lefts) != want || locked != tc.k-want {
					t.Fatalf("rep %d: %d mismatches and %d locked, want %d and %d", rep, len(lefts), locked, want, tc.k-want)
				}
				// Each counted attempt saw its own count: the attempts left are a countdown with no repeats.
				sort.Sort(sort.Reverse(sort.IntSlice(lefts)))
				for i, left := range lefts {
					if left != max-tc.f0-1-i {
						t.Fatalf("rep %d: attempts left %v, want each of %d..0 once", rep, lefts, max-tc.f0-1)
					}
				}
				st := e.state(john)
				if st.Failures != max || !st.Locked() {
					t.Fatalf("rep %d: stored %d failures, locked %v; want %d, locked", rep, st.Failures, st.Locked(), max)
				}
				evs := e.auditAfter(john, before)
				if n := countOutcome(evs, model.ActionVerify, "mismatch"); n != want {
					t.Fatalf("rep %d: %d mismatch events, want %d", rep, n, want)
				}
				if n := countOutcome(evs, model.ActionVerify, "locked"); n != tc.k-want {
					t.Fatalf("rep %d: %d locked events, want %d", rep, n, tc.k-want)
				}
				e.unlockAfresh(john)
			}
		})
	}

	t.Run("simultaneous wrong PINs against different holders each lock at their own sixth", func(t *testing.T) {
		e := newEnv(t, newStore)
		holders := []model.HolderRef{john, ref(Smith, Mary), ref(Smith, model.AccountWide), ref(Acme, Wile)}
		for _, h := range holders {
			e.set(h, model.KindMaster, "482915")
		}
		for rep := range reps(10, 2) {
			var attempts []model.VerifyRequest
			for i := range 10 {
				for _, h := range holders {
					attempts = append(attempts, attempt(h, wrongPIN(i)))
				}
			}
			results, errs := race(e, attempts)
			mismatches := map[model.HolderRef]int{}
			for i, r := range results {
				if errs[i] != nil {
					t.Fatalf("rep %d: %v", rep, errs[i])
				}
				if r.Outcome == model.OutcomeMismatch {
					mismatches[ref(attempts[i].AccountID, attempts[i].Holder)]++
				}
			}
			for _, h := range holders {
				if mismatches[h] != 6 {
					t.Fatalf("rep %d: %s answered %d mismatches, want 6", rep, h, mismatches[h])
				}
				if st := e.state(h); st.Failures != 6 || !st.Locked() {
					t.Fatalf("rep %d: %s stored %+v", rep, h, st)
				}
				e.unlockAfresh(h)
			}
		}
	})

	t.Run("two simultaneous right entries of a one-time PIN: exactly one verifies, the other is spent", func(t *testing.T) {
		e := newEnv(t, newStore)
		for rep := range reps(20, 5) {
			pin := e.generate(john, model.KindOneTime)
			results, errs := race(e, []model.VerifyRequest{attempt(john, pin), attempt(john, pin)})
			got := map[model.Outcome]int{}
			for i, r := range results {
				if errs[i] != nil {
					t.Fatalf("rep %d: %v", rep, errs[i])
				}
				got[r.Outcome]++
			}
			if got[model.OutcomeVerified] != 1 || got[model.OutcomeSpent] != 1 {
				t.Fatalf("rep %d: answers %v, want one verified and one spent", rep, got)
			}
		}
	})

	t.Run("a right PIN racing the sixth wrong one is decided wholly before or wholly after the lock", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, "482915")
		orders := map[string]int{}
		for rep := range reps(30, 5) {
			for i := range 5 {
				e.mustVerify(john, wrongPIN(i), model.OutcomeMismatch)
			}
			before := e.lastAuditID()
			results, errs := race(e, []model.VerifyRequest{attempt(john, "482915"), attempt(john, wrongPIN(99))})
			if errs[0] != nil || errs[1] != nil {
				t.Fatalf("rep %d: %v, %v", rep, errs[0], errs[1])
			}
			right, wrong := results[0], results[1]
			st := e.state(john)
			evs := e.auditAfter(john, before)
			var outcomes []string
			for _, ev := range evs {
				outcomes = append(outcomes, ev.Outcome)
			}
			switch {
			case right.Outcome == model.OutcomeVerified:
				// The success came first and reset the count; the wrong PIN then counted one.
				if wrong.Outcome != model.OutcomeMismatch || wrong.AttemptsLeft != 5 || st.Failures != 1 || st.Locked() {
					t.Fatalf("rep %d: verified first, then wrong answered %+v; stored %+v; want 1 failure, unlocked", rep, wrong, st)
				}
				if fmt.Sprint(outcomes) != "[verified mismatch]" {
					t.Fatalf("rep %d: audit %v, want [verified mismatch]", rep, outcomes)
				}
				orders["verified, then mismatch"]++
			case right.Outcome == model.OutcomeLocked:
				// The sixth failure came first and locked; the right PIN was then never compared.
				if wrong.Outcome != model.OutcomeMismatch || wrong.AttemptsLeft != 0 || wrong.LockedSince == nil || st.Failures != 6 || !st.Locked() {
					t.Fatalf("rep %d: locked first, wrong answered %+v; stored %+v; want 6 failures, locked", rep, wrong, st)
				}
				if fmt.Sprint(outcomes) != "[mismatch locked]" {
					t.Fatalf("rep %d: audit %v, want [mismatch locked] (no success after the lock)", rep, outcomes)
				}
				orders["mismatch locks, then locked"]++
			default:
				t.Fatalf("rep %d: the right PIN answered %+v", rep, right)
			}
			e.unlockAfresh(john)
		}
		t.Logf("orders seen: %v", orders)
	})
}

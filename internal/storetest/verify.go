package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

func runVerify(t *testing.T, newStore func(t *testing.T) store.Store) {
	john := ref(Smith, John)

	t.Run("the right PIN verifies and resets the count", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, "482915")
		e.mustVerify(john, wrongPIN(1), model.OutcomeMismatch)
		e.mustVerify(john, wrongPIN(2), model.OutcomeMismatch)
		r := e.mustVerify(john, "482915", model.OutcomeVerified)
		if r.MatchedKind != model.KindMaster || r.AttemptsLeft != 6 || r.MaxAttempts != 6 || r.LockedSince != nil {
			t.Fatalf("verified: %+v, want master with 6 of 6 attempts left", r)
		}
		if st := e.state(john); st.Failures != 0 || st.Locked() {
			t.Fatalf("after a success: %+v, want no failures", st)
		}
	})

	t.Run("each wrong PIN counts down the attempts left and the sixth locks", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, "482915")
		for i, left := range []int{5, 4, 3, 2, 1} {
			r := e.mustVerify(john, wrongPIN(i), model.OutcomeMismatch)
			if r.AttemptsLeft != left || r.LockedSince != nil {
				t.Fatalf("wrong PIN %d: %+v, want %d attempts left and no lock", i+1, r, left)
			}
		}
		e.clock.Advance(time.Minute)
		lockedAt := e.clock.Now()
		r := e.mustVerify(john, wrongPIN(6), model.OutcomeMismatch)
		if r.AttemptsLeft != 0 || r.LockedSince == nil || !r.LockedSince.Equal(lockedAt) {
			t.Fatalf("sixth wrong PIN: %+v, want 0 attempts left, locked at %v", r, lockedAt)
		}
		e.clock.Advance(time.Minute)
		r = e.mustVerify(john, wrongPIN(7), model.OutcomeLocked)
		if r.AttemptsLeft != 0 || r.LockedSince == nil || !r.LockedSince.Equal(lockedAt) {
			t.Fatalf("seventh wrong PIN: %+v, want locked since %v", r, lockedAt)
		}
		st := e.state(john)
		if st.Failures != 6 || st.LockedSince == nil || !st.LockedSince.Equal(lockedAt) {
			t.Fatalf("stored state %+v, want 6 failures locked at %v", st, lockedAt)
		}
	})

	t.Run("a locked holder is never compared: the right PIN answers locked and nothing moves", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, "482915")
		e.lock(john)
		before := e.state(john)
		e.clock.Advance(time.Hour)
		r := e.mustVerify(john, "482915", model.OutcomeLocked)
		if r.MatchedKind != "" {
			t.Fatalf("a locked answer tells which kind matched: %+v", r)
		}
		after := e.state(john)
		if after.Failures != before.Failures || !after.LockedSince.Equal(*before.LockedSince) {
			t.Fatalf("a locked attempt moved the state from %+v to %+v", before, after)
		}
		if ev := e.audit(Smith)[0]; ev.Outcome != string(model.OutcomeLocked) || ev.Action != model.ActionVerify {
			t.Fatalf("the locked attempt was audited as %+v", ev)
		}
	})

	t.Run("PINs expire by kind", func(t *testing.T) {
		tests := []struct {
			name  string
			kind  model.Kind
			after time.Duration
			want  model.Outcome
		}{
			{"a one-time PIN verifies a second before 24 hours", model.KindOneTime, 24*time.Hour - time.Second, model.OutcomeVerified},
			{"a one-time PIN has expired at 24 hours", model.KindOneTime, 24 * time.Hour, model.OutcomeExpired},
			{"a temporary PIN verifies a second before 48 hours", model.KindTemporary, 48*time.Hour - time.Second, model.OutcomeVerified},
			{"a temporary PIN has expired at 48 hours", model.KindTemporary, 48 * time.Hour, model.OutcomeExpired},
			{"a master PIN still verifies after ten years", model.KindMaster, 10 * 365 * 24 * time.Hour, model.OutcomeVerified},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				e := newEnv(t, newStore)
				e.set(john, tc.kind, "482915")
				e.mustVerify(john, wrongPIN(1), model.OutcomeMismatch)
				e.clock.Advance(tc.after)
				r := e.mustVerify(john, "482915", tc.want)
				if r.MatchedKind != tc.kind {
					t.Fatalf("matched kind %q, want %q", r.MatchedKind, tc.kind)
				}
				wantFailures := 0 // a success resets the count
				if tc.want == model.OutcomeExpired {
					wantFailures = 1 // an expired PIN is not a guess: it neither counts nor resets
					if r.ExpiresAt == nil || !r.ExpiresAt.Equal(Start.Add(tc.after)) {
						t.Fatalf("expired answer %+v, want it to say it expired at %v", r, Start.Add(tc.after))
					}
				}
				if st := e.state(john); st.Failures != wantFailures {
					t.Fatalf("failures %d, want %d", st.Failures, wantFailures)
				}
			})
		}
	})

	t.Run("a one-time PIN is spent by its first success and then answers spent, uncounted", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindOneTime, "482915")
		e.mustVerify(john, "482915", model.OutcomeVerified)
		e.clock.Advance(time.Minute)
		r := e.mustVerify(john, "482915", model.OutcomeSpent)
		if r.SpentAt == nil || !r.SpentAt.Equal(Start) || r.MatchedKind != model.KindOneTime {
			t.Fatalf("spent answer %+v, want spent at %v", r, Start)
		}
		if st := e.state(john); st.Failures != 0 {
			t.Fatalf("a spent PIN counted a failure: %+v", st)
		}
	})

	t.Run("a PIN of another kind still verifies when the one-time PIN matches too", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindOneTime, "482915")
		e.set(john, model.KindMaster, "482915")
		r := e.mustVerify(john, "482915", model.OutcomeVerified)
		if r.MatchedKind != model.KindMaster {
			t.Fatalf("matched %q, want the master PIN (unconsumed kinds win)", r.MatchedKind)
		}
		e.mustVerify(john, "482915", model.OutcomeVerified) // the one-time PIN was not spent
	})

	t.Run("a holder with no PIN answers no_pin and nothing is counted", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.mustVerify(john, "482915", model.OutcomeNoPIN)
		if st := e.state(john); st.Failures != 0 {
			t.Fatalf("no_pin counted: %+v", st)
		}
	})

	t.Run("a cleared PIN no longer verifies", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, "482915")
		if err := e.svc.Clear(e.ctx, Portal, model.PINChange{AccountID: Smith, Holder: John, Kind: model.KindMaster}); err != nil {
			t.Fatal(err)
		}
		e.mustVerify(john, "482915", model.OutcomeNoPIN)
	})

	t.Run("an account whose product uses no PIN answers not_applicable", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.mustVerify(ref(Prepaid, Olive), "482915", model.OutcomeNotApplicable)
		if st := e.state(ref(Prepaid, Olive)); st.Failures != 0 {
			t.Fatalf("not_applicable counted: %+v", st)
		}
	})

	t.Run("a sub-contact may give the account-wide PIN, and the audit names them", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(ref(Smith, model.AccountWide), model.KindMaster, "482915")
		r, err := e.svc.Verify(e.ctx, Agent, model.VerifyRequest{AccountID: Smith, Holder: model.AccountWide, Caller: Pat, PIN: "482915", Channel: model.ChannelChat})
		if err != nil || r.Outcome != model.OutcomeVerified {
			t.Fatalf("a sub-contact giving the account-wide PIN: %+v, %v", r, err)
		}
		ev := e.audit(Smith)[0]
		if ev.Holder != model.AccountWide || ev.Caller != Pat || ev.Channel != model.ChannelChat || ev.Outcome != string(model.OutcomeVerified) {
			t.Fatalf("audit event %+v, want the account-wide holder given by %s over chat", ev, Pat)
		}
	})

	t.Run("an unknown account or holder is an error, not an answer", func(t *testing.T) {
		e := newEnv(t, newStore)
		_, err := e.verify(ref("a-nobody", John), "482915")
		wantErr(t, err, model.ErrUnknownAccount)
		_, err = e.verify(ref(Smith, "c-nobody"), "482915")
		wantErr(t, err, model.ErrUnknownHolder)
		_, err = e.verify(ref(Smith, Wile), "482915") // Wile is Acme's
		wantErr(t, err, model.ErrUnknownHolder)
		if n := len(e.changes()); n != 0 {
			t.Fatalf("%d audit events for attempts on nobody", n)
		}
	})

	t.Run("an entry that is not a PIN is refused, never counted, and audited as refused without the entry", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, "482915")
		e.mustVerify(john, wrongPIN(1), model.OutcomeMismatch)
		events := len(e.audit(""))
		for _, entry := range []string{"", "abcdef", "48291a", "4829150", "48291", "48 915", " 482915", "482915\n", "４８２９１５", "-48291"} {
			_, err := e.verify(john, entry)
			wantErr(t, err, model.ErrInvalidPIN)
			if len(entry) >= 3 && strings.Contains(err.Error(), strings.TrimSpace(entry)) {
				t.Errorf("the error repeats the entry %q: %v", entry, err)
			}
		}
		if st := e.state(john); st.Failures != 1 {
			t.Fatalf("invalid entries moved the count to %d, want 1", st.Failures)
		}
		all := e.audit("")
		if n := len(all) - events; n != 10 {
			t.Fatalf("invalid entries wrote %d audit events, want one each (10)", n)
		}
		for _, ev := range all[:10] { // newest first
			if ev.Outcome != model.AuditRefused || ev.Reason == "" || ev.AttemptsLeft != nil || strings.Contains(ev.Reason, "48291") {
				t.Errorf("event %+v, want outcome refused with the rule broken as reason, no count, no entry", ev)
			}
		}
		e.mustVerify(john, "482915", model.OutcomeVerified)
	})

	t.Run("each holder counts its own failures", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, "482915")
		e.set(ref(Smith, Mary), model.KindMaster, "482915")
		e.set(ref(Smith, model.AccountWide), model.KindMaster, "482915")
		e.lock(john)
		e.mustVerify(ref(Smith, Mary), "482915", model.OutcomeVerified)
		e.mustVerify(ref(Smith, model.AccountWide), "482915", model.OutcomeVerified)
		if st := e.state(ref(Smith, Mary)); st.Failures != 0 || st.Locked() {
			t.Fatalf("locking John touched Mary: %+v", st)
		}
	})
}

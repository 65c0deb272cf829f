package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

func runIdempotency(t *testing.T, newStore func(t *testing.T) store.Store) {
	john := ref(Smith, John)
	keyed := func(h model.HolderRef, pin, key string) model.VerifyRequest {
		return model.VerifyRequest{AccountID: h.AccountID, Holder: h.ContactID, PIN: pin, Channel: model.ChannelPhone, IdempotencyKey: key}
	}

	t.Run("a repeated idempotency key returns the first answer and counts once", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, "482915")
		first, err := e.svc.Verify(e.ctx, Agent, keyed(john, wrongPIN(1), "call-1/attempt-1"))
		if err != nil {
			t.Fatal(err)
		}
		again, err := e.svc.Verify(e.ctx, Agent, keyed(john, wrongPIN(1), "call-1/attempt-1"))
		if err != nil {
			t.Fatal(err)
		}
		if first.Outcome != model.OutcomeMismatch || first.Replayed || !again.Replayed {
			t.Fatalf("first %+v, repeat %+v: want a mismatch, then its replay", first, again)
		}
		again.Replayed = false
		if !reflect.DeepEqual(again, first) {
			t.Fatalf("the replay %+v differs from the first answer %+v", again, first)
		}
		if st := e.state(john); st.Failures != 1 {
			t.Fatalf("a repeated key counted %d failures, want 1", st.Failures)
		}
	})

	t.Run("a replay is audited as a replay of the first answer's event", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, "482915")
		before := e.lastAuditID()
		if _, err := e.svc.Verify(e.ctx, Agent, keyed(john, "482915", "k")); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Second)
		if _, err := e.svc.Verify(e.ctx, Agent, keyed(john, "482915", "k")); err != nil {
			t.Fatal(err)
		}
		evs := e.auditAfter(john, before)
		if len(evs) != 2 {
			t.Fatalf("events %+v: want the verification and its replay", evs)
		}
		first, replay := evs[0], evs[1]
		if first.ReplayOf != nil || first.Outcome != string(model.OutcomeVerified) {
			t.Fatalf("the first answer's event %+v", first)
		}
		if replay.Action != model.ActionVerify || replay.ReplayOf == nil || *replay.ReplayOf != first.ID ||
			replay.Outcome != first.Outcome || replay.Kind != first.Kind || !replay.Time.Equal(Start.Add(time.Second)) {
			t.Fatalf("the replay's event %+v: want a verify event marked as a replay of event %d", replay, first.ID)
		}
	})

	t.Run("a key replayed with a wrong PIN after a right one is refused and compares nothing", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, "482915")
		if r, err := e.svc.Verify(e.ctx, Agent, keyed(john, "482915", "k")); err != nil || r.Outcome != model.OutcomeVerified {
			t.Fatalf("first: %+v, %v", r, err)
		}
		events := len(e.audit(""))
		other := keyed(john, "482915", "k")
		other.Channel = model.ChannelChat
		for _, req := range []model.VerifyRequest{keyed(john, wrongPIN(1), "k"), keyed(john, "482916", "k"), other} {
			r, err := e.svc.Verify(e.ctx, Agent, req)
			wantErr(t, err, model.ErrIdempotencyMismatch)
			if r.Outcome != "" {
				t.Fatalf("a mismatched key answered %+v", r)
			}
		}
		if st := e.state(john); st.Failures != 0 {
			t.Fatalf("a mismatched key counted %d failures", st.Failures)
		}
		if n := len(e.audit("")); n != events {
			t.Fatalf("mismatched keys wrote %d audit events", n-events)
		}
		if r, err := e.svc.Verify(e.ctx, Agent, keyed(john, "482915", "k")); err != nil || !r.Replayed || r.Outcome != model.OutcomeVerified {
			t.Fatalf("the first request again: %+v, %v; want its replay", r, err)
		}
	})

	t.Run("a repeated key after a success answers verified, not spent", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindOneTime, "482915")
		first, err := e.svc.Verify(e.ctx, Agent, keyed(john, "482915", "k"))
		if err != nil || first.Outcome != model.OutcomeVerified {
			t.Fatalf("first: %+v, %v", first, err)
		}
		again, err := e.svc.Verify(e.ctx, Agent, keyed(john, "482915", "k"))
		if err != nil || again.Outcome != model.OutcomeVerified {
			t.Fatalf("a retry of a verified one-time PIN answered %+v, %v", again, err)
		}
		e.mustVerify(john, "482915", model.OutcomeSpent) // without the key it is a new attempt
	})

	t.Run("an idempotency key reused for another holder is refused and counts nothing", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, "482915")
		e.set(ref(Smith, Mary), model.KindMaster, "482915")
		if _, err := e.svc.Verify(e.ctx, Agent, keyed(john, wrongPIN(1), "k")); err != nil {
			t.Fatal(err)
		}
		events := len(e.audit(""))
		_, err := e.svc.Verify(e.ctx, Agent, keyed(ref(Smith, Mary), wrongPIN(1), "k"))
		wantErr(t, err, model.ErrIdempotencyMismatch)
		_, err = e.svc.Verify(e.ctx, Agent, keyed(ref(Acme, Wile), wrongPIN(1), "k"))
		wantErr(t, err, model.ErrIdempotencyMismatch)
		if st := e.state(ref(Smith, Mary)); st.Failures != 0 {
			t.Fatalf("a conflicting key counted a failure for Mary: %+v", st)
		}
		if n := len(e.audit("")); n != events {
			t.Fatalf("conflicting keys wrote %d audit events", n-events)
		}
	})

	t.Run("the same key from another operator is another request", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, "482915")
		if _, err := e.svc.Verify(e.ctx, Agent, keyed(john, wrongPIN(1), "k")); err != nil {
			t.Fatal(err)
		}
		r, err := e.svc.Verify(e.ctx, Agent2, keyed(john, wrongPIN(2), "k"))
		if err != nil || r.AttemptsLeft != 4 {
			t.Fatalf("another operator's key: %+v, %v; want counted (4 left)", r, err)
		}
	})

	t.Run("the same key from another token of the same name is another request", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, "482915")
		desk1, desk2 := Agent, Agent
		desk1.TokenID, desk2.TokenID = "tok_desk1", "tok_desk2"
		if r, err := e.svc.Verify(e.ctx, desk1, keyed(john, "482915", "k")); err != nil || r.Outcome != model.OutcomeVerified {
			t.Fatalf("first: %+v, %v", r, err)
		}
		for i, op := range []model.Operator{desk2, Agent} { // another token; the same name without a token
			r, err := e.svc.Verify(e.ctx, op, keyed(john, wrongPIN(i), "k"))
			if err != nil || r.Replayed || r.Outcome != model.OutcomeMismatch || r.AttemptsLeft != 5-i {
				t.Fatalf("%+v with the first token's key: %+v, %v; want a fresh, counted mismatch", op, r, err)
			}
		}
	})

	t.Run("a change to the holder forgets its keys", func(t *testing.T) {
		mary := ref(Smith, Mary)
		for _, c := range []struct {
			name   string
			change func(e *env)
			want   model.Outcome // of the first request sent again
		}{
			{"unlock", func(e *env) { e.mustVerify(john, wrongPIN(9), model.OutcomeMismatch); e.unlock(john) }, model.OutcomeVerified},
			{"reset", func(e *env) {
				if _, err := e.svc.ResetAccount(e.ctx, Supervisor, model.ResetRequest{AccountID: Smith, Reason: "fraud"}); err != nil {
					e.t.Fatal(err)
				}
			}, model.OutcomeNoPIN},
			{"generate", func(e *env) { e.generate(john, model.KindMaster) }, model.OutcomeMismatch},
			{"set", func(e *env) { e.set(john, model.KindMaster, "730164") }, model.OutcomeMismatch},
			{"clear", func(e *env) {
				if err := e.svc.Clear(e.ctx, Portal, model.PINChange{AccountID: Smith, Holder: John, Kind: model.KindMaster, OnBehalfOf: John}); err != nil {
					e.t.Fatal(err)
				}
			}, model.OutcomeNoPIN},
			{"lock", func(e *env) { e.lock(john) }, model.OutcomeLocked},
		} {
			t.Run(c.name, func(t *testing.T) {
				e := newEnv(t, newStore)
				e.set(john, model.KindMaster, "482915")
				e.set(mary, model.KindMaster, "482915")
				for _, h := range []model.HolderRef{john, mary} {
					if r, err := e.svc.Verify(e.ctx, Agent, keyed(h, "482915", "k-"+h.ContactID)); err != nil || r.Outcome != model.OutcomeVerified {
						t.Fatalf("first: %+v, %v", r, err)
					}
				}
				c.change(e)
				r, err := e.svc.Verify(e.ctx, Agent, keyed(john, "482915", "k-"+John))
				if err != nil || r.Replayed || r.Outcome != c.want {
					t.Fatalf("after %s the key answered %+v, %v; want a fresh %s", c.name, r, err, c.want)
				}
				// Another holder's keys are the holder's own; a reset forgets every key of the account.
				r, err = e.svc.Verify(e.ctx, Agent, keyed(mary, "482915", "k-"+Mary))
				if err != nil || r.Replayed != (c.name != "reset") {
					t.Fatalf("after %s of John, Mary's key answered %+v, %v", c.name, r, err)
				}
			})
		}
	})

	t.Run("a key is forgotten when it expires", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, "482915")
		send := func() model.VerifyResult {
			t.Helper()
			r, err := e.svc.Verify(e.ctx, Agent, keyed(john, wrongPIN(1), "k"))
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		send()
		e.clock.Advance(core.DefaultIdempotencyTTL - time.Second)
		if r := send(); !r.Replayed || r.AttemptsLeft != 5 {
			t.Fatalf("just before the key expires: %+v, want the replay", r)
		}
		e.clock.Advance(time.Second)
		if r := send(); r.Replayed || r.AttemptsLeft != 4 {
			t.Fatalf("once the key expired: %+v, want a fresh, counted attempt", r)
		}
		if r := send(); !r.Replayed || r.AttemptsLeft != 4 {
			t.Fatalf("the key claimed afresh: %+v, want the replay of the new answer", r)
		}
	})
}

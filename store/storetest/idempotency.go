package storetest

import (
	"testing"

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
		events := len(e.audit(Smith))
		again, err := e.svc.Verify(e.ctx, Agent, keyed(john, wrongPIN(1), "call-1/attempt-1"))
		if err != nil {
			t.Fatal(err)
		}
		if first.Outcome != model.OutcomeMismatch || again != first {
			t.Fatalf("first %+v, repeat %+v: want the same mismatch", first, again)
		}
		if st := e.state(john); st.Failures != 1 {
			t.Fatalf("a repeated key counted %d failures, want 1", st.Failures)
		}
		if n := len(e.audit(Smith)); n != events {
			t.Fatalf("a repeated key wrote %d more audit events", n-events)
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

	t.Run("an idempotency key reused for another holder is a conflict and counts nothing", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, "482915")
		e.set(ref(Smith, Mary), model.KindMaster, "482915")
		if _, err := e.svc.Verify(e.ctx, Agent, keyed(john, wrongPIN(1), "k")); err != nil {
			t.Fatal(err)
		}
		events := len(e.audit(""))
		_, err := e.svc.Verify(e.ctx, Agent, keyed(ref(Smith, Mary), wrongPIN(1), "k"))
		wantErr(t, err, model.ErrConflict)
		_, err = e.svc.Verify(e.ctx, Agent, keyed(ref(Acme, Wile), wrongPIN(1), "k"))
		wantErr(t, err, model.ErrConflict)
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
}

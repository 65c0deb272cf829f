package storetest

import (
	"bytes"
	"errors"
	"testing"

	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/secret"
)

// OtherKey is a valid key that is not TestKey: what a server holding the wrong key file holds.
var OtherKey = bytes.Repeat([]byte{0xa5}, secret.KeySize)

// coreWith is a second core over the env's store, sealing with key, on the env's clock.
func (e *env) coreWith(key []byte) *core.Service {
	e.t.Helper()
	sealer, err := secret.New(key)
	if err != nil {
		e.t.Fatal(err)
	}
	svc, err := core.New(e.st, sealer, core.WithClock(e.clock))
	if err != nil {
		e.t.Fatal(err)
	}
	return svc
}

func (e *env) meta(name string) string {
	e.t.Helper()
	v, _, err := e.st.Meta(e.ctx, name)
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

func runKey(t *testing.T, newStore func(t *testing.T) store.Store) {
	john, wile := ref(Smith, John), ref(Acme, Wile)
	testCheck, otherCheck := secret.CheckValue(TestKey), secret.CheckValue(OtherKey)

	t.Run("a core holding another key answers an error for a right PIN and counts nothing", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, "482915")
		before := len(e.audit(Smith))
		_, err := e.coreWith(OtherKey).Verify(e.ctx, Agent, model.VerifyRequest{AccountID: Smith, Holder: John, PIN: "482915", Channel: model.ChannelPhone})
		if !errors.Is(err, secret.ErrKeyFault) {
			t.Errorf("verify under another key: err = %v, want the key fault", err)
		}
		if st := e.state(john); st.Failures != 0 || st.Locked() {
			t.Errorf("a key fault counted as a wrong PIN: %+v", st)
		}
		if n := len(e.audit(Smith)); n != before {
			t.Errorf("a key fault was audited as a verification (%d events, want %d)", n, before)
		}
		// The store chains its audit under the key of the last core made over it: the right key's
		// again, as a restart with the right key file gives it.
		e.svc = e.coreWith(TestKey)
		e.mustVerify(john, "482915", model.OutcomeVerified)
	})

	t.Run("the first key is recorded and another key is refused, changing nothing", func(t *testing.T) {
		e := newEnv(t, newStore)
		if err := e.svc.CheckKey(e.ctx, testCheck); err != nil {
			t.Fatalf("the first key: %v", err)
		}
		if got := e.meta(store.MetaKeyCheck); got != testCheck {
			t.Fatalf("recorded check %q, want %q", got, testCheck)
		}
		err := e.coreWith(OtherKey).CheckKey(e.ctx, otherCheck)
		var km *core.KeyMismatchError
		if !errors.As(err, &km) || km.Held != secret.KeyID(otherCheck) || km.Recorded != secret.KeyID(testCheck) || km.Rekeyed {
			t.Fatalf("another key: err = %v, want a mismatch naming both key ids", err)
		}
		if got := e.meta(store.MetaKeyCheck); got != testCheck {
			t.Fatal("a refused key changed the recorded check")
		}
		if err := e.svc.CheckKey(e.ctx, testCheck); err != nil {
			t.Fatalf("the first key again: %v", err)
		}
	})

	t.Run("a database without a check records one only for a key that opens its PINs", func(t *testing.T) {
		e := newEnv(t, newStore) // PINs sealed before any check was recorded: an upgraded database
		e.set(john, model.KindMaster, "482915")
		err := e.coreWith(OtherKey).CheckKey(e.ctx, otherCheck)
		var km *core.KeyMismatchError
		if !errors.As(err, &km) || km.Recorded != "" {
			t.Fatalf("upgrade with a wrong key: err = %v, want a mismatch", err)
		}
		if _, ok, _ := e.st.Meta(e.ctx, store.MetaKeyCheck); ok {
			t.Fatal("a wrong key was recorded as the database's")
		}
		if err := e.svc.CheckKey(e.ctx, testCheck); err != nil || e.meta(store.MetaKeyCheck) != testCheck {
			t.Fatalf("upgrade with the right key: %v", err)
		}
	})

	t.Run("a rotation re-seals every PIN under the new key in one audited transaction", func(t *testing.T) {
		e := newEnv(t, newStore)
		if err := e.svc.CheckKey(e.ctx, testCheck); err != nil {
			t.Fatal(err)
		}
		e.set(john, model.KindMaster, "482915")
		e.set(john, model.KindMaster, "739164") // 482915 is now its previous PIN
		e.set(john, model.KindTemporary, "615283")
		e.set(wile, model.KindMaster, "905172")
		if err := e.svc.Clear(e.ctx, Portal, model.PINChange{AccountID: Acme, Holder: Wile, Kind: model.KindMaster, OnBehalfOf: Wile}); err != nil {
			t.Fatal(err) // a cleared PIN keeps only its previous value
		}
		if _, err := e.svc.RotateKey(e.ctx, Agent, testCheck, nil, otherCheck); !errors.Is(err, model.ErrNotPermitted) {
			t.Fatalf("an agent rotated the key: %v", err)
		}
		next, _ := secret.New(OtherKey)
		n, err := e.svc.RotateKey(e.ctx, Admin, testCheck, next, otherCheck)
		if err != nil || n != 3 {
			t.Fatalf("rotate: %d rows, %v; want 3", n, err)
		}
		if e.meta(store.MetaKeyCheck) != otherCheck || e.meta(store.MetaPreviousKeyCheck) != testCheck {
			t.Fatal("the rotation did not record the new check and the one it replaced")
		}
		ev := e.audit("")[0]
		if ev.Action != model.ActionRekey || ev.Operator != Admin.Name || ev.Channel != model.ChannelAdmin ||
			ev.Reason != "key id "+secret.KeyID(testCheck)+" replaced by key id "+secret.KeyID(otherCheck) {
			t.Errorf("the rotation's audit event = %+v", ev)
		}

		rotated := e.coreWith(OtherKey)
		for _, c := range []struct {
			h   model.HolderRef
			pin string
		}{{john, "739164"}, {john, "615283"}} {
			r, err := rotated.Verify(e.ctx, Agent, model.VerifyRequest{AccountID: c.h.AccountID, Holder: c.h.ContactID, PIN: c.pin, Channel: model.ChannelPhone})
			if err != nil || r.Outcome != model.OutcomeVerified {
				t.Errorf("after rotation %s's PIN answers %+v, %v", c.h, r, err)
			}
		}
		// The previous PINs were re-sealed too: the reuse rule can still open and compare them.
		for _, c := range []struct {
			h   model.HolderRef
			pin string
		}{{john, "482915"}, {wile, "905172"}} {
			_, err := rotated.Set(e.ctx, Portal, model.PINChange{AccountID: c.h.AccountID, Holder: c.h.ContactID, Kind: model.KindMaster, OnBehalfOf: c.h.ContactID}, c.pin)
			var pe *model.PolicyError
			if !errors.As(err, &pe) || pe.Rule != model.RuleReuse {
				t.Errorf("setting %s's previous PIN after rotation: %v, want the reuse rule", c.h, err)
			}
		}

		// The core still holding the old key: an error, nothing counted, and refused at start.
		if _, err := e.verify(john, "739164"); !errors.Is(err, secret.ErrKeyFault) {
			t.Errorf("the old key's core answered %v, want the key fault", err)
		}
		if st := e.state(john); st.Failures != 0 {
			t.Errorf("the old key's verification counted: %+v", st)
		}
		var km *core.KeyMismatchError
		if err := e.svc.CheckKey(e.ctx, testCheck); !errors.As(err, &km) || !km.Rekeyed {
			t.Errorf("the old key at start: %v, want refused as re-keyed", err)
		}
	})

	t.Run("a rotation that cannot re-seal every PIN changes nothing", func(t *testing.T) {
		e := newEnv(t, newStore)
		if err := e.svc.CheckKey(e.ctx, testCheck); err != nil {
			t.Fatal(err)
		}
		e.set(john, model.KindMaster, "482915")
		e.set(wile, model.KindMaster, "905172")
		before := len(e.audit(""))
		calls := 0
		boom := errors.New("cannot re-seal")
		_, err := e.st.RekeyPINs(e.ctx, func(model.HolderRef, []byte) ([]byte, error) {
			if calls++; calls == 2 {
				return nil, boom
			}
			return []byte("junk"), nil
		}, nil, testCheck, otherCheck, model.AuditEvent{Time: Start, Operator: "root", Role: model.OpAdmin, Channel: model.ChannelAdmin, Action: model.ActionRekey, Outcome: "ok"})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
		_, err = e.st.RekeyPINs(e.ctx, func(_ model.HolderRef, s []byte) ([]byte, error) { return s, nil }, nil,
			otherCheck, otherCheck, model.AuditEvent{Time: Start, Operator: "root", Role: model.OpAdmin, Channel: model.ChannelAdmin, Action: model.ActionRekey, Outcome: "ok"})
		if !errors.Is(err, model.ErrConflict) {
			t.Fatalf("a rotation from a key that is not the recorded one: %v, want a conflict", err)
		}
		e.mustVerify(john, "482915", model.OutcomeVerified)
		e.mustVerify(wile, "905172", model.OutcomeVerified)
		if e.meta(store.MetaKeyCheck) != testCheck || len(e.audit("")) != before+2 {
			t.Error("a failed rotation changed the check or was audited")
		}
	})
}

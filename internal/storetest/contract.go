package storetest

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// errInjected is the failure the wrapping store injects.
var errInjected = errors.New("injected store failure")

// failingStore wraps a store so that chosen HolderTx steps fail, once each, while armed.
type failingStore struct {
	store.Store
	failSaveIdempotent atomic.Int32 // failures left to inject
	failAppendAudit    atomic.Int32
}

func (f *failingStore) UpdateHolder(ctx context.Context, h model.HolderRef, fn func(store.HolderTx) error) error {
	return f.Store.UpdateHolder(ctx, h, func(tx store.HolderTx) error { return fn(&failingTx{HolderTx: tx, f: f}) })
}

func (f *failingStore) UpdateHolders(ctx context.Context, refs []model.HolderRef, fn func([]store.HolderTx) error) error {
	return f.Store.UpdateHolders(ctx, refs, func(txs []store.HolderTx) error {
		wrapped := make([]store.HolderTx, len(txs))
		for i, tx := range txs {
			wrapped[i] = &failingTx{HolderTx: tx, f: f}
		}
		return fn(wrapped)
	})
}

type failingTx struct {
	store.HolderTx
	f *failingStore
}

func (t *failingTx) SaveIdempotent(ctx context.Context, key store.IdempotencyKey, r model.VerifyResult, eventID int64) error {
	if t.f.failSaveIdempotent.Add(-1) >= 0 {
		return errInjected
	}
	return t.HolderTx.SaveIdempotent(ctx, key, r, eventID)
}

func (t *failingTx) AppendAudit(ctx context.Context, e model.AuditEvent) error {
	if t.f.failAppendAudit.Add(-1) >= 0 {
		return errInjected
	}
	return t.HolderTx.AppendAudit(ctx, e)
}

func (t *failingTx) AppendAuditID(ctx context.Context, e model.AuditEvent) (int64, error) {
	if t.f.failAppendAudit.Add(-1) >= 0 {
		return 0, errInjected
	}
	return t.HolderTx.AppendAuditID(ctx, e)
}

func runContract(t *testing.T, newStore func(t *testing.T) store.Store) {
	john := ref(Smith, John)
	ok := model.AuditEvent{Time: Start, Operator: "alice", Role: model.OpAgent, Channel: model.ChannelPhone, AccountID: Smith, Holder: John, Action: model.ActionVerify, Outcome: "mismatch"}

	t.Run("facts about the database are recorded, replaced and read back", func(t *testing.T) {
		st := newStore(t)
		ctx := context.Background()
		if v, ok, err := st.Meta(ctx, "demo"); err != nil || ok || v != "" {
			t.Fatalf("a fresh store has meta demo = %q, %v, %v; want nothing recorded", v, ok, err)
		}
		for _, v := range []string{"first", "second"} {
			if err := st.PutMeta(ctx, "demo", v); err != nil {
				t.Fatal(err)
			}
			if got, ok, err := st.Meta(ctx, "demo"); err != nil || !ok || got != v {
				t.Fatalf("meta demo = %q, %v, %v; want %q", got, ok, err, v)
			}
		}
		if _, ok, _ := st.Meta(ctx, "other"); ok {
			t.Fatal("a name never recorded reads as recorded")
		}
	})

	t.Run("a failure is recorded even when a later step of the same request errors", func(t *testing.T) {
		for _, step := range []string{"saving the idempotency key", "appending the audit event"} {
			t.Run(step, func(t *testing.T) {
				f := &failingStore{Store: newStore(t)}
				e := newEnvOver(t, f)
				e.set(john, model.KindMaster, "482915")
				if step == "saving the idempotency key" {
					f.failSaveIdempotent.Store(1)
				} else {
					f.failAppendAudit.Store(1)
				}
				_, err := e.svc.Verify(e.ctx, Agent, model.VerifyRequest{AccountID: Smith, Holder: John, PIN: wrongPIN(1), Channel: model.ChannelPhone, IdempotencyKey: "k-1"})
				wantErr(t, err, errInjected)
				if st := e.state(john); st.Failures != 1 {
					t.Fatalf("the wrong PIN that met an error counted %d failures, want 1", st.Failures)
				}
				if evs := e.auditAfter(john, 0); countOutcome(evs, model.ActionVerify, "mismatch") != 1 {
					t.Fatalf("the failure was not audited once: %+v", evs)
				}
				// Nothing else of the failed transaction was kept: the key is free, and a retry is a new attempt.
				r, err := e.svc.Verify(e.ctx, Agent, model.VerifyRequest{AccountID: Smith, Holder: John, PIN: wrongPIN(1), Channel: model.ChannelPhone, IdempotencyKey: "k-1"})
				if err != nil || r.AttemptsLeft != 4 {
					t.Fatalf("the retry: %+v, %v; want a counted mismatch with 4 left", r, err)
				}
			})
		}
	})

	t.Run("a right PIN that meets an error counts nothing and spends nothing", func(t *testing.T) {
		f := &failingStore{Store: newStore(t)}
		e := newEnvOver(t, f)
		e.set(john, model.KindOneTime, "482915")
		e.mustVerify(john, wrongPIN(1), model.OutcomeMismatch)
		f.failAppendAudit.Store(1)
		_, err := e.verify(john, "482915")
		wantErr(t, err, errInjected)
		if st := e.state(john); st.Failures != 1 || st.PINs[0].SpentAt != nil {
			t.Fatalf("a failed success changed the holder: %+v", st)
		}
		e.mustVerify(john, "482915", model.OutcomeVerified)
	})

	t.Run("UpdateHolder keeps nothing of a function that fails", func(t *testing.T) {
		e := newEnv(t, newStore)
		err := e.st.UpdateHolder(e.ctx, john, func(tx store.HolderTx) error {
			if err := tx.PutPIN(e.ctx, store.SealedPIN{PINState: model.PINState{Kind: model.KindMaster, CreatedAt: Start}, Sealed: []byte("sealed")}); err != nil {
				return err
			}
			if _, _, err := tx.AddFailure(e.ctx, 6, Start); err != nil {
				return err
			}
			if err := tx.AppendAudit(e.ctx, ok); err != nil {
				return err
			}
			if _, _, err := tx.ClaimIdempotent(e.ctx, store.IdempotencyKey{Scope: "s", Key: "k"}, []byte("f"), Start, Start.Add(time.Hour)); err != nil {
				return err
			}
			return errInjected
		})
		wantErr(t, err, errInjected)
		hs, err := e.st.Holders(e.ctx, Smith)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hs {
			if h.Failures != 0 || len(h.PINs) != 0 {
				t.Fatalf("a rolled-back update left %+v", h)
			}
		}
		if evs, _ := e.st.Audit(e.ctx, model.AuditQuery{}); len(evs) != 1 || evs[0].ID != e.setup {
			t.Fatalf("a rolled-back update left audit events %+v", evs)
		}
		_ = e.st.UpdateHolder(e.ctx, john, func(tx store.HolderTx) error {
			if _, found, err := tx.ClaimIdempotent(e.ctx, store.IdempotencyKey{Scope: "s", Key: "k"}, []byte("g"), Start, Start.Add(time.Hour)); err != nil || found {
				t.Fatalf("a rolled-back update left its idempotency key (%v)", err)
			}
			return nil
		})
	})

	t.Run("a panic inside UpdateHolder rolls back and leaves the store usable", func(t *testing.T) {
		e := newEnv(t, newStore)
		func() {
			defer func() {
				if recover() == nil {
					t.Fatal("the panic did not propagate")
				}
			}()
			_ = e.st.UpdateHolder(e.ctx, john, func(tx store.HolderTx) error {
				if _, _, err := tx.AddFailure(e.ctx, 6, Start); err != nil {
					return err
				}
				panic("boom")
			})
		}()
		done := make(chan error, 1)
		go func() {
			done <- e.st.UpdateHolder(e.ctx, john, func(tx store.HolderTx) error {
				if tx.Holder().Failures != 0 {
					t.Errorf("the panicking update's failure was kept: %+v", tx.Holder())
				}
				return nil
			})
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the store is stuck after a panic inside UpdateHolder")
		}
	})

	t.Run("UpdateHolder refuses an unknown account or contact without calling its function", func(t *testing.T) {
		e := newEnv(t, newStore)
		called := false
		fn := func(store.HolderTx) error { called = true; return nil }
		wantErr(t, e.st.UpdateHolder(e.ctx, ref("a-nobody", model.AccountWide), fn), model.ErrUnknownAccount)
		wantErr(t, e.st.UpdateHolder(e.ctx, ref(Smith, "c-nobody"), fn), model.ErrUnknownHolder)
		if called {
			t.Fatal("the function ran for an unknown holder")
		}
		if err := e.st.UpdateHolder(e.ctx, ref(Smith, model.AccountWide), fn); err != nil || !called {
			t.Fatalf("the account-wide holder: %v", err)
		}
	})

	t.Run("AddFailure counts atomically, locks at the maximum and keeps the first lock time", func(t *testing.T) {
		e := newEnv(t, newStore)
		t1, t2 := Start.Add(time.Minute), Start.Add(time.Hour)
		type step struct {
			now      time.Time
			failures int
			locked   *time.Time
		}
		for i, want := range []step{{t1, 1, nil}, {t1, 2, &t1}, {t2, 3, &t1}} {
			err := e.st.UpdateHolder(e.ctx, john, func(tx store.HolderTx) error {
				if tx.Holder().Failures != i {
					t.Fatalf("step %d: holder loaded with %d failures, want %d", i+1, tx.Holder().Failures, i)
				}
				n, locked, err := tx.AddFailure(e.ctx, 2, want.now)
				if err != nil {
					return err
				}
				if n != want.failures || (locked == nil) != (want.locked == nil) || (locked != nil && !locked.Equal(*want.locked)) {
					t.Fatalf("step %d: AddFailure gave %d, %v; want %d, %v", i+1, n, locked, want.failures, want.locked)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		hs, err := e.st.Holders(e.ctx, Smith)
		if err != nil || len(hs) != 1 || hs[0].Failures != 3 || hs[0].LockedSince == nil || !hs[0].LockedSince.Equal(t1) {
			t.Fatalf("holders: %+v, %v; want John with 3 failures locked at %v", hs, err, t1)
		}
		err = e.st.UpdateHolder(e.ctx, john, func(tx store.HolderTx) error { return tx.Unlock(e.ctx) })
		if err != nil {
			t.Fatal(err)
		}
		hs, _ = e.st.Holders(e.ctx, Smith)
		if hs[0].Failures != 0 || hs[0].LockedSince != nil {
			t.Fatalf("after Unlock: %+v", hs[0])
		}
	})

	t.Run("PutPIN keeps the replaced PIN as previous and ClearPIN says whether one was there", func(t *testing.T) {
		e := newEnv(t, newStore)
		exp := Start.Add(24 * time.Hour)
		put := func(sealed string) {
			t.Helper()
			err := e.st.UpdateHolder(e.ctx, john, func(tx store.HolderTx) error {
				return tx.PutPIN(e.ctx, store.SealedPIN{PINState: model.PINState{Kind: model.KindOneTime, CreatedAt: Start, ExpiresAt: &exp}, Sealed: []byte(sealed)})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		clear := func() (found bool) {
			t.Helper()
			err := e.st.UpdateHolder(e.ctx, john, func(tx store.HolderTx) (err error) {
				found, err = tx.ClearPIN(e.ctx, model.KindOneTime)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return found
		}
		pin := func() store.SealedPIN {
			t.Helper()
			hs, err := e.st.Holders(e.ctx, Smith)
			if err != nil || len(hs) != 1 || len(hs[0].PINs) != 1 {
				t.Fatalf("holders: %+v, %v; want John with one PIN row", hs, err)
			}
			return hs[0].PINs[0]
		}
		put("A")
		put("B")
		if p := pin(); string(p.Sealed) != "B" || string(p.Previous) != "A" || p.ExpiresAt == nil || !p.ExpiresAt.Equal(exp) {
			t.Fatalf("after A then B: %q replacing %q, %+v", p.Sealed, p.Previous, p.PINState)
		}
		if !clear() {
			t.Fatal("clearing a PIN that was there reported none")
		}
		if p := pin(); p.Sealed != nil || string(p.Previous) != "B" {
			t.Fatalf("after clear: sealed %q previous %q, want none and B", p.Sealed, p.Previous)
		}
		if clear() {
			t.Fatal("clearing again reported a PIN")
		}
		put("C")
		if p := pin(); string(p.Sealed) != "C" || string(p.Previous) != "B" {
			t.Fatalf("after C: %q replacing %q, want C replacing B", p.Sealed, p.Previous)
		}
		err := e.st.UpdateHolder(e.ctx, john, func(tx store.HolderTx) error { return tx.SpendPIN(e.ctx, model.KindOneTime, Start.Add(time.Hour)) })
		if p := pin(); err != nil || p.SpentAt == nil || !p.SpentAt.Equal(Start.Add(time.Hour)) {
			t.Fatalf("after spending: %+v, %v", p.PINState, err)
		}
	})

	t.Run("Holders lists only the holders that have a row, each with its own PINs", func(t *testing.T) {
		e := newEnv(t, newStore)
		hs, err := e.st.Holders(e.ctx, Smith)
		if err != nil || len(hs) != 0 {
			t.Fatalf("holders of an untouched account: %+v, %v", hs, err)
		}
		e.set(john, model.KindMaster, "482915")
		e.set(ref(Smith, model.AccountWide), model.KindMaster, "730164")
		e.set(ref(Smith, model.AccountWide), model.KindTemporary, "615283")
		hs, err = e.st.Holders(e.ctx, Smith)
		if err != nil || len(hs) != 2 {
			t.Fatalf("holders: %+v, %v; want 2", hs, err)
		}
		for _, h := range hs {
			want := map[string]int{model.AccountWide: 2, John: 1}[h.Ref.ContactID]
			if h.Ref.AccountID != Smith || len(h.PINs) != want {
				t.Fatalf("holder %+v has %d PINs, want %d", h.Ref, len(h.PINs), want)
			}
		}
	})
}

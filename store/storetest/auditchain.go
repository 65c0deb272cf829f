package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/secret"
)

// verifyChain recomputes the whole audit chain as an admin would (pindesk admin audit verify).
func (e *env) verifyChain(cp *model.AuditCheckpoint) model.AuditChainState {
	e.t.Helper()
	st, err := e.svc.VerifyAudit(e.ctx, Admin, 1, cp)
	if err != nil {
		e.t.Fatalf("verify the audit chain: %v", err)
	}
	return st
}

// mustBeIntact fails unless the chain verifies through the head, every event counted.
func (e *env) mustBeIntact() model.AuditChainState {
	e.t.Helper()
	st := e.verifyChain(nil)
	if !st.Intact || st.Break != nil {
		e.t.Fatalf("the audit chain is broken: %+v", st.Break)
	}
	if st.Through != st.Head.Seq || st.Events != st.Head.Seq || st.Head.Seq == 0 {
		e.t.Fatalf("verified through #%d (%d events), but the head is #%d", st.Through, st.Events, st.Head.Seq)
	}
	return st
}

// busyDay appends events of every kind the core writes: verifications, changes, a lock, an
// unlock, a reset, a refusal, another import.
func (e *env) busyDay() {
	e.t.Helper()
	e.day++
	pins := [][2]string{{"482915", "713264"}, {"592817", "824619"}, {"931742", "265831"}}[(e.day-1)%3]
	john, wile := ref(Smith, John), ref(Acme, Wile)
	e.set(john, model.KindMaster, pins[0])
	e.mustVerify(john, pins[0], model.OutcomeVerified)
	e.set(wile, model.KindMaster, pins[1])
	e.lock(wile)
	e.unlock(wile)
	if _, err := e.svc.ResetAccount(e.ctx, Admin, model.ResetRequest{AccountID: Acme, Reason: "fraud report"}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.svc.Verify(e.ctx, Agent, model.VerifyRequest{AccountID: Smith, Holder: John, PIN: "12", Channel: model.ChannelPhone}); err == nil {
		e.t.Fatal("a malformed PIN was accepted")
	}
	if err := e.svc.Import(e.ctx, Admin, Fixture()[:2]); err != nil {
		e.t.Fatal(err)
	}
}

func runAuditChain(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("every event the core writes is chained, and the chain verifies through the head", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.busyDay()
		st := e.mustBeIntact()
		if st.Head.Seq < 10 {
			t.Fatalf("only %d events chained after a busy day", st.Head.Seq)
		}
		events := e.audit("")
		if int64(len(events)) != st.Head.Seq {
			t.Fatalf("%d events stored, head at #%d", len(events), st.Head.Seq)
		}
	})

	t.Run("verification from a later event starts there", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.busyDay()
		all := e.mustBeIntact()
		st, err := e.svc.VerifyAudit(e.ctx, Admin, 5, nil)
		if err != nil || !st.Intact || st.From != 5 || st.Through != all.Head.Seq || st.Events != all.Head.Seq-4 {
			t.Fatalf("from #5: %+v, %v", st, err)
		}
	})

	t.Run("concurrent appends chain one after another without a gap", func(t *testing.T) {
		e := newEnv(t, newStore)
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				h := ref(fmt.Sprintf("a-page-%02d", i+1), "c-1")
				for j := range 4 {
					if _, err := e.verify(h, wrongPIN(j)); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		e.mustBeIntact()
	})

	t.Run("a write rolled back takes its event and its place in the chain with it", func(t *testing.T) {
		e := newEnv(t, newStore)
		errBoom := errors.New("boom")
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				h := ref(fmt.Sprintf("a-page-%02d", i+1), "c-1")
				err := e.st.UpdateHolder(e.ctx, h, func(tx store.HolderTx) error {
					ev := model.AuditEvent{Time: Start, Operator: Admin.Name, Role: Admin.Role, Channel: model.ChannelAdmin,
						AccountID: h.AccountID, Holder: h.ContactID, Action: model.ActionUnlock, Outcome: "ok", Reason: fmt.Sprint("write ", i)}
					if err := tx.AppendAudit(e.ctx, ev); err != nil {
						return err
					}
					if i%2 == 1 {
						return errBoom // rolled back after its append
					}
					return nil
				})
				if i%2 == 1 && !errors.Is(err, errBoom) || i%2 == 0 && err != nil {
					t.Errorf("write %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		before := e.mustBeIntact()
		e.mustVerify(ref(Smith, John), wrongPIN(1), model.OutcomeNoPIN)
		if st := e.mustBeIntact(); st.Head.Seq != before.Head.Seq+1 {
			t.Fatalf("head #%d after one more event on #%d", st.Head.Seq, before.Head.Seq)
		}
	})

	t.Run("a checkpoint taken earlier is reached with its value", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.busyDay()
		cp, err := e.svc.AuditCheckpoint(e.ctx, Admin)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AuditCheckpoint(e.ctx, Agent); !errors.Is(err, model.ErrNotPermitted) {
			t.Fatalf("an agent took a checkpoint: %v", err)
		}
		e.busyDay()
		if st := e.verifyChain(&cp); !st.Intact {
			t.Fatalf("the chain does not reach its own checkpoint: %+v", st.Break)
		}
		forged := cp
		forged.Chain = "00" + cp.Chain[2:]
		if st := e.verifyChain(&forged); st.Intact || st.Break.Kind != model.AuditCheckpointMismatch || st.Break.Seq != cp.Seq {
			t.Fatalf("a checkpoint of another value: %+v", st)
		}
		beyond := cp
		beyond.Seq = 1 << 40
		if st := e.verifyChain(&beyond); st.Intact || st.Break.Kind != model.AuditCheckpointMismatch {
			t.Fatalf("a checkpoint beyond the end: %+v", st)
		}
	})

	t.Run("a key rotation re-chains the history under the new key", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.busyDay()
		if err := e.svc.CheckKey(e.ctx, secret.CheckValue(TestKey)); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.RotateKey(e.ctx, Admin, secret.CheckValue(TestKey), otherSealer(t), secret.CheckValue(OtherKey)); err != nil {
			t.Fatal(err)
		}
		old := e.svc
		e.svc = e.coreWith(OtherKey) // as the reopened process does
		e.mustVerify(ref(Smith, John), wrongPIN(1), model.OutcomeMismatch)
		e.mustBeIntact()
		if st, err := old.VerifyAudit(e.ctx, Admin, 1, nil); err != nil || st.Intact || st.Break.Seq != 1 {
			t.Fatalf("under the old key the re-chained history still verifies: %+v, %v", st, err)
		}
	})

	t.Run("an unchained history is chained from the genesis value once", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.busyDay()
		n, err := e.svc.ChainAuditHistory(e.ctx)
		if err != nil || n != 0 {
			t.Fatalf("a chained history was chained again: %d, %v", n, err)
		}
		e.mustBeIntact()
	})
}

// Tamper runs statements against the database under st directly, as a database administrator
// could: SQL that both SQLite and PostgreSQL read alike.
type Tamper func(t *testing.T, st store.Store, statements ...string)

// RunAuditTamper is the store-independent part of the tamper tests: each case changes the audit
// table behind pindesk's back (through tamper, the store's raw SQL access) and verification must
// name the first event touched, and how.
func RunAuditTamper(t *testing.T, newStore func(t *testing.T) store.Store, tamper Tamper) {
	for _, c := range []struct {
		name string
		sql  []string
		kind model.AuditBreakKind
		seq  int64
	}{
		{"an event changed is found", []string{`UPDATE audit SET outcome = 'verified' WHERE seq = 6`}, model.AuditChanged, 6},
		{"an event's reason rewritten is found", []string{`UPDATE audit SET reason = 'nothing to see' WHERE seq = 7`}, model.AuditChanged, 7},
		{"an event deleted is found as a gap", []string{`DELETE FROM audit WHERE seq = 6`}, model.AuditDeleted, 6},
		{"several events deleted are found as a gap", []string{`DELETE FROM audit WHERE seq IN (6, 7, 8)`}, model.AuditDeleted, 6},
		{"the last event deleted is found against the head", []string{`DELETE FROM audit WHERE seq = (SELECT seq FROM audit_head)`}, model.AuditDeleted, -1},
		{"an event inserted is found", []string{`INSERT INTO audit (time, operator, role, channel, account_id, holder, caller, action, kind, outcome, reason)
			SELECT time, operator, role, channel, account_id, holder, caller, action, kind, 'verified', reason FROM audit WHERE seq = 6`}, model.AuditInserted, -1},
		{"two events swapped are found reordered", []string{`UPDATE audit SET seq = -seq WHERE seq IN (6, 7)`, `UPDATE audit SET seq = 13 + seq WHERE seq IN (-6, -7)`}, model.AuditReordered, 6},
		{"an event's chain value replaced by another's is found", []string{`UPDATE audit SET chain = (SELECT chain FROM audit WHERE seq = 5) WHERE seq = 6`}, model.AuditChanged, 6},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, newStore)
			e.busyDay()
			head := e.mustBeIntact().Head.Seq
			tamper(t, e.st, c.sql...)
			st := e.verifyChain(nil)
			if st.Intact || st.Break == nil {
				t.Fatalf("tampering went unnoticed: %+v", st)
			}
			want := c.seq
			if want < 0 {
				want = head + 1
				if c.kind == model.AuditDeleted {
					want = head
				}
			}
			if st.Break.Kind != c.kind || st.Break.Seq != want {
				t.Fatalf("break %+v, want %s at #%d", st.Break, c.kind, want)
			}
			if st.Through != want-1 {
				t.Fatalf("intact through #%d, want #%d", st.Through, want-1)
			}
		})
	}

	t.Run("a key rotation over a tampered history is refused and changes nothing", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.busyDay()
		if err := e.svc.CheckKey(e.ctx, secret.CheckValue(TestKey)); err != nil {
			t.Fatal(err)
		}
		tamper(t, e.st, `UPDATE audit SET outcome = 'verified' WHERE seq = 6`)
		_, err := e.svc.RotateKey(e.ctx, Admin, secret.CheckValue(TestKey), otherSealer(t), secret.CheckValue(OtherKey))
		if !errors.Is(err, model.ErrConflict) || !errors.Is(err, store.ErrChainBroken) {
			t.Fatalf("rotation over a broken chain: %v", err)
		}
		if e.meta(store.MetaKeyCheck) != secret.CheckValue(TestKey) {
			t.Fatal("the refused rotation changed the key")
		}
		if st := e.verifyChain(nil); st.Intact || st.Break.Seq != 6 {
			t.Fatalf("after the refusal: %+v", st)
		}
	})

	t.Run("the upgrade's unchained history is chained in id order from the genesis value", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.busyDay()
		n := e.mustBeIntact().Head.Seq
		// What migration 0006 leaves: rows and a head without a chain.
		tamper(t, e.st, `UPDATE audit SET seq = NULL, chain = NULL`, `UPDATE audit_head SET seq = 0, chain = NULL, time = NULL`)
		got, err := e.svc.ChainAuditHistory(e.ctx)
		if err != nil || int64(got) != n {
			t.Fatalf("chained %d, %v; want %d", got, err, n)
		}
		e.mustBeIntact()
	})

	t.Run("the last events deleted and the head rewound are caught by a checkpoint held elsewhere", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.busyDay()
		cp, err := e.svc.AuditCheckpoint(e.ctx, Admin)
		if err != nil {
			t.Fatal(err)
		}
		tamper(t, e.st,
			`DELETE FROM audit WHERE seq = (SELECT seq FROM audit_head)`,
			`UPDATE audit_head SET seq = seq - 1, chain = (SELECT chain FROM audit WHERE seq = (SELECT seq - 1 FROM audit_head))`)
		if st := e.verifyChain(nil); !st.Intact {
			t.Fatalf("without a checkpoint the rewound chain looks whole, yet: %+v", st.Break)
		}
		st := e.verifyChain(&cp)
		if st.Intact || st.Break.Kind != model.AuditCheckpointMismatch {
			t.Fatalf("the checkpoint did not catch it: %+v", st)
		}
	})
}

func otherSealer(t *testing.T) *secret.Sealer {
	t.Helper()
	s, err := secret.New(OtherKey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

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

// verifyChain recomputes every audit chain as an admin would (pindesk admin audit verify).
func (e *env) verifyChain(cp *model.AuditCheckpoint) model.AuditChainState {
	e.t.Helper()
	st, err := e.svc.VerifyAudit(e.ctx, Admin, 1, cp)
	if err != nil {
		e.t.Fatalf("verify the audit chains: %v", err)
	}
	return st
}

// chained returns every stored event with its place in its chain, in id order.
func (e *env) chained() []store.ChainedEvent {
	e.t.Helper()
	var out []store.ChainedEvent
	if err := e.st.ScanAudit(e.ctx, 0, func(ce store.ChainedEvent) error { out = append(out, ce); return nil }); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// mustBeIntact fails unless every chain verifies through its head, every event counted.
func (e *env) mustBeIntact() model.AuditChainState {
	e.t.Helper()
	st := e.verifyChain(nil)
	if !st.Intact || st.Break != nil {
		e.t.Fatalf("the audit chain is broken: %+v", st.Break)
	}
	all := e.chained()
	if len(all) == 0 || st.Through != all[len(all)-1].ID || st.Events != int64(len(all)) || st.Head.Events() != int64(len(all)) {
		e.t.Fatalf("verified through #%d (%d events), the heads count %d, but %d events are stored", st.Through, st.Events, st.Head.Events(), len(all))
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
	t.Run("every event the core writes is chained, and the chains verify through their heads", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.busyDay()
		st := e.mustBeIntact()
		if st.Events < 10 {
			t.Fatalf("only %d events chained after a busy day", st.Events)
		}
		if len(st.Head.Heads) != store.AuditChains {
			t.Fatalf("%d heads, want %d", len(st.Head.Heads), store.AuditChains)
		}
	})

	t.Run("a caller's verification across holders and a dispute and its clearing are chained", func(t *testing.T) {
		e := newEnv(t, newStore)
		pat, wide, john := ref(Smith, Pat), ref(Smith, model.AccountWide), ref(Smith, John)
		e.set(pat, model.KindMaster, "482915")
		e.set(wide, model.KindMaster, "305728")
		// Two events, one per holder compared, appended in one transaction to the same chain.
		e.mustVerifyCaller(Smith, Pat, wrongPIN(1), model.OutcomeMismatch)
		e.mustVerifyCaller(Smith, Pat, "305728", model.OutcomeVerified)
		e.set(john, model.KindMaster, "713264")
		e.mustVerify(john, wrongPIN(2), model.OutcomeMismatch)
		e.mustVerify(john, "713264", model.OutcomeVerified)
		event := ""
		for _, n := range e.claim("test", e.clock.Now(), 100) {
			if n.Type == model.NoticeVerifiedAfterFailures && n.Holder == John {
				event = n.ID
			}
		}
		if event == "" {
			t.Fatal("no verify.after_failures notice about John")
		}
		res, err := e.svc.Dispute(e.ctx, Portal, model.DisputeRequest{AccountID: Smith, EventID: event})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.ClearDispute(e.ctx, Supervisor, model.ClearDisputeRequest{AccountID: Smith, DisputeID: res.ID, Reason: "called back"}); err != nil {
			t.Fatal(err)
		}
		e.mustBeIntact()
		actions := map[model.Action]int{}
		for _, ce := range e.chained() {
			actions[ce.Action]++
		}
		if actions[model.ActionDispute] != 1 || actions[model.ActionDisputeClear] != 1 {
			t.Fatalf("chained actions %v: want the dispute and its clearing", actions)
		}
	})

	t.Run("each event is in its account's chain, events of no account in chain 0, numbered from 1 without a gap", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.busyDay()
		ev := model.AuditEvent{Time: Start, Operator: Admin.Name, Role: Admin.Role, Channel: model.ChannelAdmin, Action: model.ActionRekey, Outcome: "ok"}
		if err := e.st.AppendAudit(e.ctx, ev); err != nil { // an event of no account
			t.Fatal(err)
		}
		next := map[int]int64{}
		chains := map[int]bool{}
		for _, ce := range e.chained() {
			if ce.ChainID != store.ChainOf(ce.AccountID) || ce.AccountID == "" && ce.ChainID != 0 {
				t.Fatalf("event #%d of account %q is in chain %d, want %d", ce.ID, ce.AccountID, ce.ChainID, store.ChainOf(ce.AccountID))
			}
			next[ce.ChainID]++
			if ce.Seq != next[ce.ChainID] {
				t.Fatalf("event #%d is chain %d #%d, want #%d", ce.ID, ce.ChainID, ce.Seq, next[ce.ChainID])
			}
			chains[ce.ChainID] = true
		}
		if len(chains) < 3 {
			t.Fatalf("a busy day on two accounts used chains %v", chains)
		}
	})

	t.Run("verification from a later event starts there, trusting each chain's event before it", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.busyDay()
		e.busyDay()
		all := e.mustBeIntact()
		events := e.chained()
		from := events[5].ID
		st, err := e.svc.VerifyAudit(e.ctx, Admin, from, nil)
		if err != nil || !st.Intact || st.From != from || st.Through != all.Through || st.Events != int64(len(events)-5) {
			t.Fatalf("from #%d: %+v, %v", from, st, err)
		}
	})

	t.Run("the audit view's check covers only the events appended since the last, from the event each chain ended on", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.busyDay()
		first, err := e.svc.AuditChainState(e.ctx, Supervisor)
		if err != nil || !first.Intact || first.From != 1 || first.Events != int64(len(e.chained())) || first.CheckedAt.IsZero() {
			t.Fatalf("the first check: %+v, %v", first, err)
		}
		if _, err := e.svc.AuditChainState(e.ctx, Agent); !errors.Is(err, model.ErrNotPermitted) {
			t.Fatalf("an agent checked the audit chains: %v", err)
		}
		again, err := e.svc.AuditChainState(e.ctx, Supervisor)
		if err != nil || !again.Intact || again.Events != 0 || again.Through != first.Through {
			t.Fatalf("a check with nothing new: %+v, %v", again, err)
		}
		e.mustVerify(ref(Smith, John), wrongPIN(1), model.OutcomeMismatch)
		e.mustVerify(ref(Acme, Wile), wrongPIN(1), model.OutcomeNoPIN)
		next, err := e.svc.AuditChainState(e.ctx, Supervisor)
		if err != nil || !next.Intact || next.Events != 2 || next.Through != first.Through+2 {
			t.Fatalf("a check after two events: %+v, %v", next, err)
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
		if st := e.mustBeIntact(); st.Head.Events() != before.Head.Events()+1 {
			t.Fatalf("the heads count %d after one more event on %d", st.Head.Events(), before.Head.Events())
		}
	})

	t.Run("a checkpoint taken earlier is reached with its values", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.busyDay()
		cp, err := e.svc.AuditCheckpoint(e.ctx, Admin)
		if err != nil {
			t.Fatal(err)
		}
		if len(cp.Heads) != store.AuditChains || cp.Time.IsZero() {
			t.Fatalf("checkpoint %+v", cp)
		}
		if _, err := e.svc.AuditCheckpoint(e.ctx, Agent); !errors.Is(err, model.ErrNotPermitted) {
			t.Fatalf("an agent took a checkpoint: %v", err)
		}
		e.busyDay()
		if st := e.verifyChain(&cp); !st.Intact {
			t.Fatalf("the chains do not reach their own checkpoint: %+v", st.Break)
		}
		c := store.ChainOf(Smith)
		forged := cp
		forged.Heads = append([]model.AuditChainHead(nil), cp.Heads...)
		forged.Heads[c].Value = "00" + cp.Heads[c].Value[2:]
		if st := e.verifyChain(&forged); st.Intact || st.Break.Kind != model.AuditCheckpointMismatch || st.Break.Chain != c || st.Break.Seq != cp.Heads[c].Seq {
			t.Fatalf("a checkpoint of another value: %+v", st)
		}
		beyond := cp
		beyond.Heads = append([]model.AuditChainHead(nil), cp.Heads...)
		beyond.Heads[c].Seq = 1 << 40
		if st := e.verifyChain(&beyond); st.Intact || st.Break.Kind != model.AuditCheckpointMismatch || st.Break.Chain != c {
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
		// The old key verifies nothing: it says so, rather than call the first event changed.
		var ke *store.ChainKeyError
		if _, err := old.VerifyAudit(e.ctx, Admin, 1, nil); !errors.As(err, &ke) || ke.Held != secret.KeyID(secret.CheckValue(TestKey)) {
			t.Fatalf("verification under the old key: %v", err)
		}
	})

	t.Run("a process still holding the old key after a rotation is refused its appends, and writes nothing", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.busyDay()
		if err := e.svc.CheckKey(e.ctx, secret.CheckValue(TestKey)); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.RotateKey(e.ctx, Admin, secret.CheckValue(TestKey), otherSealer(t), secret.CheckValue(OtherKey)); err != nil {
			t.Fatal(err)
		}
		before := len(e.chained())
		stale := e.coreWith(TestKey) // a process opened before the rotation: the store chains under its key
		ev := model.AuditEvent{Time: Start, Operator: Admin.Name, Role: Admin.Role, Channel: model.ChannelAdmin, Action: model.ActionUnlock, Outcome: "ok"}
		err := e.st.AppendAudit(e.ctx, ev)
		var ke *store.ChainKeyError
		if !errors.As(err, &ke) || !errors.Is(err, secret.ErrKeyFault) || ke.Held != secret.KeyID(secret.CheckValue(TestKey)) || ke.Recorded != secret.KeyID(secret.CheckValue(OtherKey)) {
			t.Fatalf("an append under the old key: %v", err)
		}
		if _, err := stale.ResetAccount(e.ctx, Admin, model.ResetRequest{AccountID: Acme, Reason: "fraud report"}); !errors.As(err, &ke) {
			t.Fatalf("a reset under the old key: %v", err)
		}
		if got := len(e.chained()); got != before {
			t.Fatalf("%d events after the refusals, %d before", got, before)
		}
		e.svc = e.coreWith(OtherKey)
		e.mustVerify(ref(Smith, John), wrongPIN(1), model.OutcomeMismatch)
		e.mustBeIntact()
	})

	t.Run("an unchained history is chained from the genesis values once", func(t *testing.T) {
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

// picks are the events a tamper case works on, found in a busy history: an event in the middle
// of a chain with at least three after it, the chain's next events, and a chain's last event with
// the one before it.
type picks struct {
	all              []store.ChainedEvent
	chain            int                // the chain of the events below
	mid, next, third store.ChainedEvent // of one chain, consecutive
	after3           store.ChainedEvent // the chain's event after third
	last, beforeLast store.ChainedEvent // a chain's last two events
}

func pick(t *testing.T, all []store.ChainedEvent) picks {
	t.Helper()
	byChain := map[int][]store.ChainedEvent{}
	for _, ce := range all {
		byChain[ce.ChainID] = append(byChain[ce.ChainID], ce)
	}
	c := 0
	for i := range byChain {
		if len(byChain[i]) > len(byChain[c]) {
			c = i
		}
	}
	ch := byChain[c]
	if len(ch) < 8 {
		t.Fatalf("the longest chain, %d, holds %d events; the tamper cases need 8", c, len(ch))
	}
	return picks{all: all, chain: c, mid: ch[2], next: ch[3], third: ch[4], after3: ch[5], last: ch[len(ch)-1], beforeLast: ch[len(ch)-2]}
}

// RunAuditTamper is the store-independent part of the tamper tests: each case changes the audit
// table behind pindesk's back (through tamper, the store's raw SQL access) and verification must
// name the first event touched, and how.
func RunAuditTamper(t *testing.T, newStore func(t *testing.T) store.Store, tamper Tamper) {
	for _, c := range []struct {
		name string
		sql  func(p picks) []string
		kind model.AuditBreakKind
		at   func(p picks) (id int64, seq int64) // where the break is found (id 0: at the chain's end)
	}{
		{"an event changed is found",
			func(p picks) []string {
				return []string{fmt.Sprintf(`UPDATE audit SET outcome = 'verified' WHERE id = %d`, p.mid.ID)}
			},
			model.AuditChanged, func(p picks) (int64, int64) { return p.mid.ID, p.mid.Seq }},
		{"an event's reason rewritten is found",
			func(p picks) []string {
				return []string{fmt.Sprintf(`UPDATE audit SET reason = 'nothing to see' WHERE id = %d`, p.next.ID)}
			},
			model.AuditChanged, func(p picks) (int64, int64) { return p.next.ID, p.next.Seq }},
		{"an event's ticket written in afterwards is found",
			func(p picks) []string {
				return []string{fmt.Sprintf(`UPDATE audit SET ticket = 'INC-forged' WHERE id = %d`, p.mid.ID)}
			},
			model.AuditChanged, func(p picks) (int64, int64) { return p.mid.ID, p.mid.Seq }},
		{"an event's verification session rewritten is found",
			func(p picks) []string {
				return []string{fmt.Sprintf(`UPDATE audit SET session = 'vs_forged' WHERE id = %d`, p.next.ID)}
			},
			model.AuditChanged, func(p picks) (int64, int64) { return p.next.ID, p.next.Seq }},
		{"an event moved to another account is found",
			func(p picks) []string {
				return []string{fmt.Sprintf(`UPDATE audit SET account_id = 'a-other' WHERE id = %d`, p.mid.ID)}
			},
			model.AuditChanged, func(p picks) (int64, int64) { return p.mid.ID, p.mid.Seq }},
		{"an event deleted is found as a gap in its chain",
			func(p picks) []string { return []string{fmt.Sprintf(`DELETE FROM audit WHERE id = %d`, p.mid.ID)} },
			model.AuditDeleted, func(p picks) (int64, int64) { return p.next.ID, p.mid.Seq }},
		{"several events deleted are found as a gap",
			func(p picks) []string {
				return []string{fmt.Sprintf(`DELETE FROM audit WHERE id IN (%d, %d, %d)`, p.mid.ID, p.next.ID, p.third.ID)}
			},
			model.AuditDeleted, func(p picks) (int64, int64) { return p.after3.ID, p.mid.Seq }},
		{"a chain's last event deleted is found against its head",
			func(p picks) []string { return []string{fmt.Sprintf(`DELETE FROM audit WHERE id = %d`, p.last.ID)} },
			model.AuditDeleted, func(p picks) (int64, int64) { return 0, p.last.Seq }},
		{"an event inserted is found",
			func(p picks) []string {
				return []string{fmt.Sprintf(`INSERT INTO audit (time, operator, role, channel, account_id, holder, caller, action, kind, outcome, reason)
					SELECT time, operator, role, channel, account_id, holder, caller, action, kind, 'verified', reason FROM audit WHERE id = %d`, p.mid.ID)}
			},
			model.AuditInserted, func(p picks) (int64, int64) { return -1, 0 }},
		{"two events of a chain swapped are found reordered",
			func(p picks) []string {
				return []string{fmt.Sprintf(`UPDATE audit SET seq = -seq WHERE id IN (%d, %d)`, p.mid.ID, p.next.ID),
					fmt.Sprintf(`UPDATE audit SET seq = %d + seq WHERE id IN (%d, %d)`, p.mid.Seq+p.next.Seq, p.mid.ID, p.next.ID)}
			},
			model.AuditReordered, func(p picks) (int64, int64) { return p.next.ID, p.mid.Seq }},
		{"an event's chain value replaced by another's is found",
			func(p picks) []string {
				return []string{fmt.Sprintf(`UPDATE audit SET chain = (SELECT chain FROM audit WHERE id = %d) WHERE id = %d`, p.mid.ID, p.next.ID)}
			},
			model.AuditChanged, func(p picks) (int64, int64) { return p.next.ID, p.next.Seq }},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, newStore)
			e.busyDay()
			e.busyDay()
			e.mustBeIntact()
			p := pick(t, e.chained())
			tamper(t, e.st, c.sql(p)...)
			st := e.verifyChain(nil)
			if st.Intact || st.Break == nil {
				t.Fatalf("tampering went unnoticed: %+v", st)
			}
			id, seq := c.at(p)
			if id < 0 { // the row inserted: after every other
				id = p.all[len(p.all)-1].ID + 1
				if st.Break.Kind != c.kind || st.Break.ID < id {
					t.Fatalf("break %+v, want %s at an id above #%d", st.Break, c.kind, id-1)
				}
				return
			}
			if st.Break.Kind != c.kind || st.Break.ID != id || st.Break.Chain != p.chain || st.Break.Seq != seq {
				t.Fatalf("break %+v, want %s at #%d (chain %d #%d)", st.Break, c.kind, id, p.chain, seq)
			}
			if id > 0 && st.Through >= id {
				t.Fatalf("intact through #%d, past the break at #%d", st.Through, id)
			}
		})
	}

	t.Run("the audit view's next check finds the event a chain's last check ended on changed, or deleted", func(t *testing.T) {
		for _, how := range []string{"UPDATE audit SET outcome = 'verified'", "DELETE FROM audit"} {
			e := newEnv(t, newStore)
			e.busyDay()
			if st, err := e.svc.AuditChainState(e.ctx, Supervisor); err != nil || !st.Intact {
				t.Fatalf("the first check: %+v, %v", st, err)
			}
			all := e.chained()
			last := all[len(all)-1]
			e.mustVerify(ref(Acme, Wile), wrongPIN(1), model.OutcomeNoPIN) // one event more, maybe in another chain
			tamper(t, e.st, fmt.Sprintf(`%s WHERE id = %d`, how, last.ID))
			st, err := e.svc.AuditChainState(e.ctx, Supervisor)
			if err != nil || st.Intact || st.Break.Chain != last.ChainID || st.Break.Seq != last.Seq {
				t.Fatalf("%s of the last event checked: %+v, %v", how, st, err)
			}
			if kind := st.Break.Kind; how[0] == 'U' && kind != model.AuditChanged || how[0] == 'D' && kind != model.AuditDeleted {
				t.Fatalf("%s of the last event checked: found %s", how, kind)
			}
		}
	})

	t.Run("a key rotation over a tampered history is refused and changes nothing", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.busyDay()
		e.busyDay()
		if err := e.svc.CheckKey(e.ctx, secret.CheckValue(TestKey)); err != nil {
			t.Fatal(err)
		}
		p := pick(t, e.chained())
		tamper(t, e.st, fmt.Sprintf(`UPDATE audit SET outcome = 'verified' WHERE id = %d`, p.mid.ID))
		_, err := e.svc.RotateKey(e.ctx, Admin, secret.CheckValue(TestKey), otherSealer(t), secret.CheckValue(OtherKey))
		if !errors.Is(err, model.ErrConflict) || !errors.Is(err, store.ErrChainBroken) {
			t.Fatalf("rotation over a broken chain: %v", err)
		}
		if e.meta(store.MetaKeyCheck) != secret.CheckValue(TestKey) {
			t.Fatal("the refused rotation changed the key")
		}
		if st := e.verifyChain(nil); st.Intact || st.Break.ID != p.mid.ID {
			t.Fatalf("after the refusal: %+v", st)
		}
	})

	t.Run("the upgrade's unchained history is chained in id order from the genesis values", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.busyDay()
		n := e.mustBeIntact().Events
		// What migration 0007 leaves: rows and heads without a chain.
		tamper(t, e.st, `UPDATE audit SET chain_id = NULL, seq = NULL, chain = NULL`, `UPDATE audit_head SET seq = 0, chain = NULL, time = NULL, key_check = NULL`)
		got, err := e.svc.ChainAuditHistory(e.ctx)
		if err != nil || int64(got) != n {
			t.Fatalf("chained %d, %v; want %d", got, err, n)
		}
		e.mustBeIntact()
	})

	t.Run("a chain's last events deleted and its head rewound are caught by a checkpoint held elsewhere", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.busyDay()
		e.busyDay()
		cp, err := e.svc.AuditCheckpoint(e.ctx, Admin)
		if err != nil {
			t.Fatal(err)
		}
		p := pick(t, e.chained())
		tamper(t, e.st,
			fmt.Sprintf(`DELETE FROM audit WHERE id = %d`, p.last.ID),
			fmt.Sprintf(`UPDATE audit_head SET seq = seq - 1, chain = (SELECT chain FROM audit WHERE id = %d) WHERE id = %d`, p.beforeLast.ID, p.last.ChainID))
		if st := e.verifyChain(nil); !st.Intact {
			t.Fatalf("without a checkpoint the rewound chain looks whole, yet: %+v", st.Break)
		}
		st := e.verifyChain(&cp)
		if st.Intact || st.Break.Kind != model.AuditCheckpointMismatch || st.Break.Chain != p.last.ChainID {
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

package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// RawCells reads the store's database behind its back (database/sql, not the store's own reads)
// and calls visit with every text and blob cell of every table, as its raw bytes.
type RawCells func(t *testing.T, visit func(table, column string, value []byte))

// RunEmailCodeRaw holds the store to the emailed code's promise at the level of the bytes on
// disk: after a send, and after the caller verifies with the code, the code's digits appear in no
// cell of any table except inside sealed ciphertext. open gives a fresh store and the raw reader
// of its database.
func RunEmailCodeRaw(t *testing.T, open func(t *testing.T) (store.Store, RawCells)) {
	t.Run("no cell of any table holds an emailed code in clear, after the send or the verification", func(t *testing.T) {
		st, raw := open(t)
		e := newEnvOver(t, st)
		svc := e.codeCore(core.CodeSettings{PerHolder: 10}) // room to send again on a chance collision
		agent := Agent
		agent.TokenID = "tok-desk-1"

		// A ciphertext holding the code's 6 ASCII digits by chance is a ~1e-7 event per blob, not a
		// leak: the send is made again (a new code replaces the unspent one) rather than fail.
		var code string
		for attempt := 0; ; attempt++ {
			if _, err := svc.SendCode(e.ctx, agent, codeRequest(Smith, Mary)); err != nil {
				t.Fatal(err)
			}
			code, _ = e.lastCode(svc)
			if !e.codeInRawCells(raw, code, true) {
				break
			}
			if attempt == 4 {
				t.Fatal("5 codes in a row were found inside a ciphertext cell: that is no chance, the cell holds the code")
			}
			e.clock.Advance(time.Second)
		}
		res, err := svc.VerifyCaller(e.ctx, agent, callerAttempt(Smith, Mary, code))
		if err != nil || res.Outcome != model.OutcomeVerified || res.MatchedKind != model.KindEmailed {
			t.Fatalf("verify with the code: %+v %v", res, err)
		}
		if e.codeInRawCells(raw, code, false) {
			t.Fatal("after the verification a ciphertext cell holds the code's digits by chance (rerun)")
		}
	})
}

// codeInRawCells reads every text and blob cell and fails the test on a cell that holds the code
// and is no sealed ciphertext the store knows. It reports whether a ciphertext held it (by
// chance). With sanity it also checks the reader saw what it must have: the outbox's sealed code,
// Mary's sealed code as her PIN, and her email address, so an empty or garbled read passes nothing.
func (e *env) codeInRawCells(raw RawCells, code string, sanity bool) (inCiphertext bool) {
	e.t.Helper()
	sealed := map[string]string{} // ciphertext → what it is
	var outboxSealed, marySealed []byte
	for _, a := range Fixture() {
		hs, err := e.st.Holders(e.ctx, a.ID)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, h := range hs {
			for _, p := range h.PINs {
				if p.Sealed != nil {
					sealed[string(p.Sealed)] = "the " + string(p.Kind) + " PIN of " + h.Ref.AccountID + "/" + h.Ref.ContactID
				}
				if h.Ref == ref(Smith, Mary) && p.Kind == model.KindEmailed {
					marySealed = p.Sealed
				}
				if p.Previous != nil {
					sealed[string(p.Previous)] = "the previous " + string(p.Kind) + " PIN of " + h.Ref.AccountID + "/" + h.Ref.ContactID
				}
			}
		}
	}
	for _, n := range e.notices("") {
		if n.Sealed != nil {
			sealed[string(n.Sealed)] = "the sealed code of notice " + n.ID
			outboxSealed = n.Sealed
		}
	}
	var sawOutbox, sawPIN, sawEmail bool
	cells := 0
	raw(e.t, func(table, column string, v []byte) {
		cells++
		sawOutbox = sawOutbox || (outboxSealed != nil && bytes.Equal(v, outboxSealed))
		sawPIN = sawPIN || (marySealed != nil && bytes.Equal(v, marySealed))
		sawEmail = sawEmail || bytes.Contains(v, []byte("mary@oneil.example"))
		if !bytes.Contains(v, []byte(code)) {
			return
		}
		if what, ok := sealed[string(v)]; ok {
			e.t.Logf("%s.%s: %s holds the code's digits by chance", table, column, what)
			inCiphertext = true
			return
		}
		// The cell is not printed: it would put the code in the test's output.
		e.t.Errorf("%s.%s holds the emailed code in clear (a cell of %d bytes)", table, column, len(v))
	})
	if sanity && (!sawOutbox || !sawPIN || !sawEmail || cells == 0) {
		e.t.Fatalf("the raw read missed what it must see (%d cells): the outbox's sealed code %v, Mary's sealed PIN %v, her email %v",
			cells, sawOutbox, sawPIN, sawEmail)
	}
	return inCiphertext
}

package storetest

import (
	"testing"
	"time"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// runNoticeIDs holds the store to one id per notice, whatever keeps it so (the SQLite store's
// outbox has no index on id since migration 0014: its notice log's key does the work, for
// delivered notices and system ones too). A receiver drops a notice whose id it has seen, so a
// second notice under a used id would be lost.
func runNoticeIDs(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("a notice id is used once: a second notice under it is refused, with its change, and the first is untouched", func(t *testing.T) {
		e := newEnv(t, newStore)
		h := ref(Smith, John)
		holderNotice := func(id string) model.Notice {
			return model.Notice{ID: id, Type: model.NoticeLocked, Time: e.clock.Now(), AccountID: Smith, Holder: John}
		}
		if err := e.st.UpdateHolder(e.ctx, h, func(tx store.HolderTx) error { return tx.Notify(e.ctx, holderNotice("ntc_ONE")) }); err != nil {
			t.Fatal(err)
		}
		if err := e.st.NotifySystem(e.ctx, model.Notice{ID: "ntc_SYS", Type: model.NoticeAuditCheckpoint, Time: e.clock.Now()}); err != nil {
			t.Fatal(err)
		}
		// Delivered: gone from the outbox, its id still taken.
		claimed, err := e.st.ClaimNotices(e.ctx, "d", e.clock.Now(), time.Minute, 10)
		if err != nil || len(claimed) != 2 {
			t.Fatalf("claimed %+v, %v", claimed, err)
		}
		if err := e.st.NoticeDelivered(e.ctx, "ntc_SYS", "d"); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"ntc_ONE", "ntc_SYS"} {
			err := e.st.UpdateHolder(e.ctx, h, func(tx store.HolderTx) error {
				if _, _, err := tx.AddFailure(e.ctx, 6, e.clock.Now()); err != nil { // a change, to roll back with the notice
					return err
				}
				return tx.Notify(e.ctx, holderNotice(id))
			})
			if err == nil {
				t.Errorf("a holder's notice under the used id %s: written", id)
			}
			if err := e.st.NotifySystem(e.ctx, model.Notice{ID: id, Type: model.NoticeAuditCheckpoint, Time: e.clock.Now()}); err == nil {
				t.Errorf("a system notice under the used id %s: written", id)
			}
		}
		var failures int
		if err := e.st.UpdateHolder(e.ctx, h, func(tx store.HolderTx) error { failures = tx.Holder().Failures; return nil }); err != nil || failures != 0 {
			t.Errorf("failures after the refused changes: %d, %v; want 0 (each rolled back with its notice)", failures, err)
		}
		got := e.notices("")
		if len(got) != 1 || got[0].ID != "ntc_ONE" || got[0].Type != model.NoticeLocked {
			t.Fatalf("outbox %+v, want ntc_ONE alone, as written", got)
		}
	})
}

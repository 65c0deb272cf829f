package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// runCheckpointNotice holds the store to the audit.checkpoint notice: a notice about no account,
// written alone, delivered like every notice, and out of every customer's reach.
func runCheckpointNotice(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("a checkpoint is written to the outbox alone, whole, about no account, and no customer can dispute it", func(t *testing.T) {
		e := newEnv(t, newStore)
		cp, err := e.svc.AuditCheckpoint(e.ctx, Admin)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.NotifyCheckpoint(e.ctx, Admin, cp); err != nil {
			t.Fatal(err)
		}
		got := e.notices("")
		if len(got) != 1 {
			t.Fatalf("outbox %+v, want the checkpoint alone", got)
		}
		n := got[0]
		if n.Type != model.NoticeAuditCheckpoint || n.AccountID != "" || n.Holder != "" || n.State != store.NoticePending ||
			!n.Time.Equal(cp.Time) || n.Checkpoint == nil || !n.Checkpoint.Time.Equal(cp.Time) || len(n.Checkpoint.Heads) != len(cp.Heads) {
			t.Fatalf("outbox entry %+v, want the checkpoint of %s, pending, about no account", n, cp.Time)
		}
		for i, h := range n.Checkpoint.Heads {
			if h != cp.Heads[i] {
				t.Fatalf("head %d stored as %+v, want %+v", i, h, cp.Heads[i])
			}
		}
		claimed, err := e.st.ClaimNotices(e.ctx, "server-1", e.clock.Now(), time.Minute, 10)
		if err != nil || len(claimed) != 1 || claimed[0].ID != n.ID {
			t.Fatalf("claimed %+v, %v; want the checkpoint, delivered like every notice", claimed, err)
		}
		// Not in the notice log: a customer naming its id disputes nothing.
		if _, err := e.svc.Dispute(e.ctx, Portal, model.DisputeRequest{AccountID: Smith, EventID: n.ID}); !errors.Is(err, model.ErrInvalidInput) {
			t.Fatalf("a dispute of the checkpoint: %v, want ErrInvalidInput", err)
		}
	})

	t.Run("only who may read the audit trail sends a checkpoint, and a notice about an account is never written alone", func(t *testing.T) {
		e := newEnv(t, newStore)
		cp, err := e.svc.AuditCheckpoint(e.ctx, Admin)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.NotifyCheckpoint(e.ctx, Agent, cp); !errors.Is(err, model.ErrNotPermitted) {
			t.Fatalf("an agent's checkpoint notice: %v, want ErrNotPermitted", err)
		}
		if err := e.svc.NotifyCheckpoint(e.ctx, Admin, model.AuditCheckpoint{}); !errors.Is(err, model.ErrInvalidInput) {
			t.Fatalf("an empty checkpoint: %v, want ErrInvalidInput", err)
		}
		n := model.Notice{ID: "ntc_ALONE", Type: model.NoticeLocked, Time: e.clock.Now(), AccountID: Smith, Holder: John}
		if err := e.st.NotifySystem(e.ctx, n); !errors.Is(err, model.ErrInvalidInput) {
			t.Fatalf("an account's notice written alone: %v, want ErrInvalidInput (it belongs with its change, logged for disputes)", err)
		}
		if got := e.notices(""); len(got) != 0 {
			t.Fatalf("outbox %+v, want nothing written", got)
		}
	})
}

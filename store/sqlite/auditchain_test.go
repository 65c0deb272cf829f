package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/internal/storetest"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

func chainedService(t *testing.T, st *Store) *core.Service {
	t.Helper()
	svc, err := core.New(st, storetest.TestSealer())
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func mustVerifyChain(t *testing.T, svc *core.Service) model.AuditChainState {
	t.Helper()
	st, err := svc.VerifyAudit(t.Context(), storetest.Admin, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Intact || st.Events != st.Head.Events() {
		t.Fatalf("the chain does not verify: %+v", st)
	}
	return st
}

func auditEvent(i int) model.AuditEvent {
	return model.AuditEvent{Time: storetest.Start.Add(time.Duration(i) * time.Second), Operator: "root", Role: model.OpAdmin,
		Channel: model.ChannelAdmin, AccountID: "a", Action: model.ActionUnlock, Outcome: "ok", Reason: fmt.Sprint("write ", i)}
}

// The group commit runs queued writes in one transaction, each in a savepoint; a write that fails
// is rolled back to its savepoint. Its audit event, and the head it moved, must go with it, while
// the writes after it in the same batch chain on from the one before it.
func TestAWriteRolledBackToItsSavepointLeavesTheChainWhole(t *testing.T) {
	t.Parallel()
	st, err := Open(t.Context(), filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := chainedService(t, st)
	errFail := errors.New("refused by its function")
	before := st.wr.commits.Load()
	release, wait := holdWriter(t, st)
	const n = 12
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			err := st.writeTx(context.Background(), func(ctx context.Context, tx *sql.Tx) error {
				if err := st.appendAudit(ctx, tx, auditEvent(i)); err != nil {
					return err
				}
				if i%3 == 1 {
					return errFail // after its append: rolled back to its savepoint
				}
				return nil
			})
			if (i%3 == 1) != errors.Is(err, errFail) {
				t.Errorf("write %d: %v", i, err)
			}
		})
	}
	time.Sleep(200 * time.Millisecond) // let every write queue behind the held one
	release()
	wg.Wait()
	wait()
	if got := st.wr.commits.Load() - before; got >= n+1 {
		t.Fatalf("%d writes took %d commits: the test needs them to share a batch", n+1, got)
	}
	chain := mustVerifyChain(t, svc)
	if chain.Head.Events() != n-n/3 {
		t.Fatalf("the heads count %d events, want %d (the writes that stood)", chain.Head.Events(), n-n/3)
	}
}

// A database from before the chain (schema 4) gets the chain columns from its migration, and its
// history is chained, from the genesis value in id order, on the first open with the key.
func TestAnUpgradedDatabaseHasItsHistoryChainedOnFirstOpenWithTheKey(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Exec(`CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("migrations/000[1-4]_*.sql")
	if len(files) != 4 {
		t.Fatalf("migrations 1-4: %v", files)
	}
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := old.Exec(string(b)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if _, err := old.Exec(`INSERT INTO schema_version VALUES (?, 0)`, i+1); err != nil {
			t.Fatal(err)
		}
	}
	const n = 2500 // more than one batch of the chaining
	tx, err := old.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		e := auditEvent(i)
		if _, err := tx.Exec(`INSERT INTO audit (time, operator, role, channel, account_id, action, outcome, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			nanos(e.Time), e.Operator, e.Role, e.Channel, e.AccountID, e.Action, e.Outcome, e.Reason); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	old.Close()

	st, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := chainedService(t, st)
	chained, err := svc.ChainAuditHistory(t.Context())
	if err != nil || chained != n {
		t.Fatalf("chained %d, %v; want %d", chained, err, n)
	}
	chain := mustVerifyChain(t, svc)
	heads, err := st.AuditHeads(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if h := heads[store.ChainOf("a")]; chain.Head.Events() != n || h.Seq != n || !h.Time.Equal(auditEvent(n-1).Time) {
		t.Fatalf("head %+v after chaining %d events of one account", h, n)
	}
	var first, last int64
	if err := st.r.QueryRow(`SELECT (SELECT seq FROM audit ORDER BY id LIMIT 1), (SELECT seq FROM audit ORDER BY id DESC LIMIT 1)`).Scan(&first, &last); err != nil {
		t.Fatal(err)
	}
	if first != 1 || last != n {
		t.Fatalf("seq runs %d..%d in id order, want 1..%d", first, last, n)
	}
	if again, err := svc.ChainAuditHistory(t.Context()); err != nil || again != 0 {
		t.Fatalf("a second open chained %d, %v", again, err)
	}
	if err := st.AppendAudit(t.Context(), auditEvent(n)); err != nil {
		t.Fatal(err)
	}
	if mustVerifyChain(t, svc).Head.Events() != n+1 {
		t.Fatal("the next event did not chain on")
	}
}

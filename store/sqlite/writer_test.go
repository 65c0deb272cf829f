package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// insertToken writes a token row named id through tx; the tests count the rows that stand.
func insertToken(ctx context.Context, tx *sql.Tx, id string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO tokens (id, hash, operator, role, created_at) VALUES (?, ?, 'op', 'agent', 0)`, id, []byte(id))
	return err
}

func tokenIDs(t *testing.T, st *Store) map[string]bool {
	t.Helper()
	rows, err := st.r.QueryContext(t.Context(), `SELECT id FROM tokens`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out[id] = true
	}
	return out
}

// holdWriter starts a write that blocks until release is closed, so the writes sent meanwhile
// queue behind it and run in its batch.
func holdWriter(t *testing.T, st *Store) (release func(), wait func()) {
	started, gate := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- st.writeTx(context.Background(), func(ctx context.Context, tx *sql.Tx) error {
			close(started)
			<-gate
			return insertToken(ctx, tx, "holder")
		})
	}()
	<-started
	return func() { close(gate) }, func() {
		if err := <-done; err != nil {
			t.Errorf("the write holding the writer: %v", err)
		}
	}
}

func TestWritesThatShareACommitFailAlone(t *testing.T) {
	t.Parallel()
	st, err := Open(t.Context(), filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	errFail := errors.New("refused by its function")
	before := st.wr.commits.Load()
	release, wait := holdWriter(t, st)
	const n = 12
	results := make([]any, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			defer func() {
				if p := recover(); p != nil {
					results[i] = fmt.Sprint("panic: ", p)
				}
			}()
			id := fmt.Sprint("w", i)
			results[i] = st.writeTx(context.Background(), func(ctx context.Context, tx *sql.Tx) error {
				if err := insertToken(ctx, tx, id); err != nil {
					return err
				}
				switch i % 4 {
				case 1:
					return errFail
				case 2:
					panic("boom " + id)
				}
				return nil
			})
		})
	}
	time.Sleep(200 * time.Millisecond) // let every write queue behind the held one
	release()
	wg.Wait()
	wait()
	ids := tokenIDs(t, st)
	if !ids["holder"] {
		t.Error("the write that held the writer was lost")
	}
	for i, r := range results {
		id := fmt.Sprint("w", i)
		switch i % 4 {
		case 1:
			if !errors.Is(r.(error), errFail) || ids[id] {
				t.Errorf("write %d failed by its function: answer %v, row kept %v; want its error and no row", i, r, ids[id])
			}
		case 2:
			if r != "panic: boom "+id || ids[id] {
				t.Errorf("write %d panicked: caller saw %v, row kept %v; want the panic re-raised and no row", i, r, ids[id])
			}
		default:
			if r != nil || !ids[id] {
				t.Errorf("write %d succeeded: answer %v, row kept %v; want nil and its row", i, r, ids[id])
			}
		}
	}
	if got := st.wr.commits.Load() - before; got >= n+1 {
		t.Errorf("%d writes took %d commits; queued writes should share one", n+1, got)
	}
}

func TestAWriteWhoseCallerLeavesWhileQueuedIsDropped(t *testing.T) {
	t.Parallel()
	st, err := Open(t.Context(), filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	release, wait := holdWriter(t, st)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- st.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error { return insertToken(ctx, tx, "gone") })
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	err = <-done
	release()
	wait()
	if !errors.Is(err, context.Canceled) || tokenIDs(t, st)["gone"] {
		t.Fatalf("a write cancelled while queued: %v, row kept %v; want context.Canceled and no row", err, tokenIDs(t, st)["gone"])
	}
}

func TestAWriteAfterCloseIsRefused(t *testing.T) {
	t.Parallel()
	st, err := Open(t.Context(), filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-st.wr.exit:
	default:
		t.Fatal("the writer goroutine still runs after Close")
	}
	err = st.writeTx(context.Background(), func(ctx context.Context, tx *sql.Tx) error { return nil })
	if !errors.Is(err, errClosed) {
		t.Fatalf("a write after Close: %v, want %v", err, errClosed)
	}
}

// breakCommit makes the batch's COMMIT fail the way a real one can while SQLite keeps the
// transaction open: foreign keys checked at COMMIT (defer_foreign_keys) and a holder row of an
// account that does not exist. The write itself returns nil; only its COMMIT fails.
func breakCommit(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `PRAGMA defer_foreign_keys = ON`); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO holders (account_id, holder_id) VALUES ('no-such-account', 'h')`)
	return err
}

// TestAFailedCommitFailsTheWholeBatchAndTheNextWriteWorks: when the COMMIT of a batch fails, every
// write of the batch is told so (none is told its write stands), none of their rows stands, and the
// writer's connection is left with no transaction open, so the next write commits.
func TestAFailedCommitFailsTheWholeBatchAndTheNextWriteWorks(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		batched bool
	}{{"alone", false}, {"in a batch of several", true}} {
		t.Run(c.name, func(t *testing.T) {
			st, err := Open(t.Context(), filepath.Join(t.TempDir(), "p.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			ctx := context.Background()
			if !c.batched {
				if err := st.writeTx(ctx, breakCommit); err == nil {
					t.Fatal("a write whose COMMIT failed was told it stands")
				}
			} else {
				release, _ := holdWriter(t, st)
				fns := []func(context.Context, *sql.Tx) error{
					func(ctx context.Context, tx *sql.Tx) error { return insertToken(ctx, tx, "before") },
					breakCommit,
					func(ctx context.Context, tx *sql.Tx) error { return insertToken(ctx, tx, "after") },
				}
				errs := make([]error, len(fns))
				var wg sync.WaitGroup
				for i, fn := range fns {
					wg.Go(func() { errs[i] = st.writeTx(ctx, fn) })
					time.Sleep(20 * time.Millisecond) // queue them in this order
				}
				release()
				wg.Wait()
				for i, err := range errs {
					if err == nil {
						t.Errorf("write %d of the batch whose COMMIT failed was told it stands", i)
					}
				}
				ids := tokenIDs(t, st)
				if ids["before"] || ids["after"] || ids["holder"] {
					t.Errorf("rows of the failed batch stand: %v", ids)
				}
			}
			if err := st.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error { return insertToken(ctx, tx, "next") }); err != nil {
				t.Fatalf("the write after a failed COMMIT: %v", err)
			}
			if !tokenIDs(t, st)["next"] {
				t.Fatal("the write after a failed COMMIT was told it stands, but its row is not there")
			}
		})
	}
}

// TestACommitThatFailsAndLeavesItsTransactionOpenDoesNotStopTheWriter injects, through the writer's
// commit seam, a COMMIT that fails and leaves its transaction open (what SQLite does on
// SQLITE_BUSY at COMMIT, and what a driver that does not clean up would hand back): the caller gets
// the error, its row does not stand, and the next write commits instead of waiting forever for the
// writer's one connection.
func TestACommitThatFailsAndLeavesItsTransactionOpenDoesNotStopTheWriter(t *testing.T) {
	t.Parallel()
	st, err := Open(t.Context(), filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	// Closed only when the writer came through: a stuck writer would make Close wait forever.
	stuck := true
	defer func() {
		if !stuck {
			st.Close()
		}
	}()
	errInjected := errors.New("injected COMMIT failure")
	var failed atomic.Bool
	st.wr.commit = func(tx *sql.Tx) error {
		if failed.CompareAndSwap(false, true) {
			return errInjected // the transaction is neither committed nor rolled back
		}
		return tx.Commit()
	}
	ctx := context.Background()
	if err := st.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error { return insertToken(ctx, tx, "lost") }); !errors.Is(err, errInjected) {
		t.Fatalf("the write whose COMMIT failed: %v, want the COMMIT's error", err)
	}
	done := make(chan error, 1)
	go func() {
		done <- st.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error { return insertToken(ctx, tx, "next") })
	}()
	select {
	case err := <-done:
		stuck = false
		if err != nil {
			t.Fatalf("the write after a failed COMMIT: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the write after a failed COMMIT still waits after 10 s: the failed transaction holds the writer's connection")
	}
	if ids := tokenIDs(t, st); ids["lost"] || !ids["next"] {
		t.Fatalf("rows after a failed then a good commit: %v, want only next", ids)
	}
}

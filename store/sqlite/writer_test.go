package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
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

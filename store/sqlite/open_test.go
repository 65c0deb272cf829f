package sqlite_test

import (
	"context"
	"crypto/sha256"
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
	"github.com/pindesk/pindesk/store/secret"
	"github.com/pindesk/pindesk/store/sqlite"
)

func TestConformanceInMemory(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("the file-backed run covers the same code; -short runs only that")
	}
	storetest.Run(t, func(t *testing.T) store.Store {
		st, err := sqlite.Open(t.Context(), sqlite.Memory)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	})
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// rawDB opens the file with the plain driver, as another program would.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("a new database gets every migration, once, and reopening changes nothing", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "sub", "pindesk.db")
		for range 2 {
			st, err := sqlite.Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			st.Close()
		}
		db := rawDB(t, path)
		var n, max int
		if err := db.QueryRow(`SELECT count(*), max(version) FROM schema_version`).Scan(&n, &max); err != nil {
			t.Fatal(err)
		}
		if n != sqlite.SchemaVersion() || max != sqlite.SchemaVersion() || max < 1 {
			t.Fatalf("schema_version has %d rows up to %d, want %d", n, max, sqlite.SchemaVersion())
		}
		for _, table := range []string{"accounts", "contacts", "holders", "pins", "audit", "idempotency", "tokens", "search_terms"} {
			var found int
			if err := db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, table).Scan(&found); err != nil || found != 1 {
				t.Fatalf("table %s missing (%v)", table, err)
			}
		}
		var mode string
		if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
			t.Fatalf("journal mode %q (%v), want wal", mode, err)
		}
	})

	t.Run("a new database file and its folder are private to the user", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		path := filepath.Join(dir, "pindesk.db")
		st, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		for p, want := range map[string]os.FileMode{path: 0o600, dir: 0o700} {
			info, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if got := info.Mode().Perm(); got&^want != 0 {
				t.Errorf("%s has mode %v, want at most %v", p, got, want)
			}
		}
	})

	t.Run("a database from a newer pindesk is refused and left untouched", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "pindesk.db")
		st, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		st.Close()
		db := rawDB(t, path)
		if _, err := db.Exec(`INSERT INTO schema_version (version, applied_at) VALUES (?, 0)`, sqlite.SchemaVersion()+1); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			t.Fatal(err)
		}
		db.Close()
		before := fileHash(t, path)
		_, err = sqlite.Open(ctx, path)
		if !errors.Is(err, store.ErrSchemaTooNew) {
			t.Fatalf("error %v, want ErrSchemaTooNew", err)
		}
		if after := fileHash(t, path); after != before {
			t.Fatal("opening a newer database changed the file")
		}
	})

	t.Run("a file that is not a pindesk database is refused and left untouched", func(t *testing.T) {
		dir := t.TempDir()
		text := filepath.Join(dir, "notes.txt")
		if err := os.WriteFile(text, []byte("these are my notes, not a database\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		other := filepath.Join(dir, "other.db")
		db := rawDB(t, other)
		if _, err := db.Exec(`CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)`); err != nil {
			t.Fatal(err)
		}
		db.Close()
		for _, path := range []string{text, other, dir} {
			var before [32]byte
			if path != dir {
				before = fileHash(t, path)
			}
			_, err := sqlite.Open(ctx, path)
			if !errors.Is(err, sqlite.ErrNotDatabase) {
				t.Fatalf("open %s: error %v, want ErrNotDatabase", filepath.Base(path), err)
			}
			if path != dir && fileHash(t, path) != before {
				t.Fatalf("opening %s changed it", filepath.Base(path))
			}
		}
		if _, err := os.Stat(text + "-wal"); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("a journal was left beside the text file: %v", err)
		}
	})

	t.Run("an empty path is refused", func(t *testing.T) {
		_, err := sqlite.Open(ctx, "")
		if !errors.Is(err, model.ErrInvalidInput) {
			t.Fatalf("error %v, want ErrInvalidInput", err)
		}
	})

	t.Run("a path with URI characters in it is a plain file name", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "odd?name#1%20.db")
		st, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		st.Close()
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("the database is not at the path given: %v", err)
		}
	})
}

func TestBusy(t *testing.T) {
	t.Parallel()
	t.Run("a write lock held by another process past the busy timeout answers ErrBusy", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "pindesk.db")
		st, err := sqlite.Open(t.Context(), path, sqlite.WithBusyTimeout(100*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if err := storetest.Seed(t.Context(), st, storetest.Fixture()[:1]); err != nil {
			t.Fatal(err)
		}
		other := rawDB(t, path)
		conn, err := other.Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(t.Context(), `BEGIN IMMEDIATE`); err != nil {
			t.Fatal(err)
		}
		called := false
		err = st.UpdateHolder(t.Context(), model.HolderRef{AccountID: storetest.Smith, ContactID: storetest.John}, func(store.HolderTx) error { called = true; return nil })
		if !errors.Is(err, model.ErrBusy) || called {
			t.Fatalf("error %v (function called: %v), want ErrBusy before the function runs", err, called)
		}
		// Reads go on beside the writer.
		if _, err := st.Account(t.Context(), storetest.Smith); err != nil {
			t.Fatalf("a read while another process writes: %v", err)
		}
		if _, err := conn.ExecContext(t.Context(), `ROLLBACK`); err != nil {
			t.Fatal(err)
		}
		if err := st.UpdateHolder(t.Context(), model.HolderRef{AccountID: storetest.Smith, ContactID: storetest.John}, func(store.HolderTx) error { return nil }); err != nil {
			t.Fatalf("after the other process let go: %v", err)
		}
	})
}

// newService is a core over st with the suite's key and a real clock.
func newService(t testing.TB, st store.Store, opts ...core.Option) *core.Service {
	t.Helper()
	sealer, err := secret.New(storetest.TestKey)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := core.New(st, sealer, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func TestTwoStoresOnOneFile(t *testing.T) {
	t.Parallel()
	t.Run("attempts through two stores on one file (the app and pindesk admin) lock at exactly the sixth", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "pindesk.db")
		var svcs []*core.Service
		for range 2 {
			st, err := sqlite.Open(t.Context(), path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			svcs = append(svcs, newService(t, st))
		}
		ctx := t.Context()
		if err := svcs[0].Import(ctx, storetest.Admin, storetest.Fixture()); err != nil {
			t.Fatal(err)
		}
		john := model.PINChange{AccountID: storetest.Smith, Holder: storetest.John, Kind: model.KindMaster}
		if _, err := svcs[1].Set(ctx, storetest.Portal, john, "482915"); err != nil {
			t.Fatal(err)
		}
		reps := 10
		if testing.Short() {
			reps = 2
		}
		for rep := range reps {
			start := make(chan struct{})
			var wg sync.WaitGroup
			var mu sync.Mutex
			outcomes := map[model.Outcome]int{}
			for i := range 32 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					r, err := svcs[i%2].Verify(ctx, storetest.Agent, model.VerifyRequest{AccountID: storetest.Smith, Holder: storetest.John, PIN: fmt.Sprintf("0%05d", i), Channel: model.ChannelPhone})
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						t.Errorf("rep %d: %v", rep, err)
						return
					}
					outcomes[r.Outcome]++
				}()
			}
			close(start)
			wg.Wait()
			if outcomes[model.OutcomeMismatch] != 6 || outcomes[model.OutcomeLocked] != 26 {
				t.Fatalf("rep %d: %v, want 6 mismatches and 26 locked", rep, outcomes)
			}
			// As an admin, whose unlock also forgets the rolling window: each rep starts afresh
			// rather than running into the cap of 20 wrong PINs a day.
			if err := svcs[rep%2].Unlock(ctx, storetest.Admin, model.UnlockRequest{AccountID: storetest.Smith, Holder: storetest.John, Reason: "test"}); err != nil {
				t.Fatal(err)
			}
		}
	})
}

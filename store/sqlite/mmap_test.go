package sqlite

import (
	"database/sql"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/pindesk/pindesk/internal/storetest"
)

// sqliteMaxMmap is SQLite's compile-time cap on mmap_size (SQLITE_MAX_MMAP_SIZE) in
// modernc.org/sqlite for every 64-bit platform pindesk builds for.
const sqliteMaxMmap = 2147418112

func TestEveryReaderMapsTheDatabaseFile(t *testing.T) {
	t.Parallel()
	st, err := Open(t.Context(), filepath.Join(t.TempDir(), "p.db"), WithReadConns(3))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	want := int64(sqliteMaxMmap)
	if strconv.IntSize == 32 {
		want = readerMmapSize
	}
	mmap := func(name string, db *sql.DB, n int, want int64) {
		var conns []*sql.Conn // held at once, so each is a distinct pooled connection
		for range n {
			c, err := db.Conn(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
		}
		for i, c := range conns {
			var got int64
			if err := c.QueryRowContext(t.Context(), "PRAGMA mmap_size").Scan(&got); err != nil || got != want {
				t.Errorf("%s connection %d: mmap_size = %d (%v), want %d", name, i, got, err, want)
			}
			c.Close()
		}
	}
	mmap("reader", st.r, 3, want)
	mmap("writer", st.w, 1, 0)
}

// A reader maps the file as it was when it first read it; accounts written after, through the WAL
// and then checkpointed into a file grown well past that size, are found all the same.
func TestMappedReadersSeeTheFileGrowUnderThem(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "p.db"), WithReadConns(1))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	accounts := seedAccounts(600)
	if err := storetest.Seed(ctx, st, accounts[:1]); err != nil {
		t.Fatal(err)
	}
	if got, err := st.SearchAccounts(ctx, accounts[0].Number, 5, 0); err != nil || len(got) != 1 {
		t.Fatalf("first account: %v (%v)", got, err)
	}
	var before int64
	if err := st.r.QueryRowContext(ctx, "PRAGMA page_count").Scan(&before); err != nil {
		t.Fatal(err)
	}
	if err := storetest.Seed(ctx, st, accounts[1:]); err != nil {
		t.Fatal(err)
	}
	if _, err := st.w.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	var after int64
	if err := st.r.QueryRowContext(ctx, "PRAGMA page_count").Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after < 10*before {
		t.Fatalf("the file grew from %d to %d pages only: the test does not grow it past the map", before, after)
	}
	last := accounts[len(accounts)-1]
	got, err := st.SearchAccounts(ctx, last.Number, 5, 0)
	if err != nil || len(got) != 1 || got[0].ID != last.ID {
		t.Fatalf("an account written after the reader mapped the file: %v (%v)", got, err)
	}
	surname := accounts[len(accounts)-1].Contacts[0].Name
	if got, err := st.SearchAccounts(ctx, surname, 50, 0); err != nil || len(got) == 0 {
		t.Fatalf("search %q after the file grew: %v (%v)", surname, got, err)
	}
}

package sqlite_test

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pindesk/pindesk/internal/storetest"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/sqlite"
)

// rawCells reads every text and blob cell of every table of the SQLite file through a connection
// of its own (database/sql over the same driver), not through the store: what is on disk.
func rawCells(path string) storetest.RawCells {
	return func(t *testing.T, visit func(table, column string, value []byte)) {
		t.Helper()
		db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		names := func(query string, args ...any) []string {
			rows, err := db.Query(query, args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var n string
				if err := rows.Scan(&n); err != nil {
					t.Fatal(err)
				}
				out = append(out, n)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			return out
		}
		quote := func(id string) string { return `"` + strings.ReplaceAll(id, `"`, `""`) + `"` }
		tables := names(`SELECT name FROM sqlite_schema WHERE type = 'table'`)
		if len(tables) == 0 {
			t.Fatal("no table in the database file")
		}
		for _, table := range tables {
			for _, col := range names(`SELECT name FROM pragma_table_info(?)`, table) {
				// SQLite types each value, not each column: read every value stored as text or blob,
				// whatever the column declares, as its bytes.
				q := fmt.Sprintf(`SELECT CAST(%s AS BLOB) FROM %s WHERE typeof(%s) IN ('text', 'blob')`, quote(col), quote(table), quote(col))
				rows, err := db.Query(q)
				if err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				for rows.Next() {
					var v []byte
					if err := rows.Scan(&v); err != nil {
						t.Fatal(err)
					}
					visit(table, col, v)
				}
				if err := rows.Err(); err != nil {
					t.Fatal(err)
				}
				rows.Close()
			}
		}
	}
}

func TestTheEmailedCodeIsInNoCellOfTheSQLiteFile(t *testing.T) {
	t.Parallel()
	storetest.RunEmailCodeRaw(t, func(t *testing.T) (store.Store, storetest.RawCells) {
		path := filepath.Join(t.TempDir(), "pindesk.db")
		st, err := sqlite.Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st, rawCells(path)
	})
}

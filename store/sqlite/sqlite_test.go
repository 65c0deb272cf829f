package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/pindesk/pindesk/internal/storetest"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/sqlite"
)

// openTemp opens a fresh database file in the test's temporary folder.
func openTemp(t testing.TB) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "pindesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return st
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}

// tamper writes to the database file through a connection of its own, behind the store's back.
func tamper(t *testing.T, st store.Store, statements ...string) {
	t.Helper()
	db := rawDB(t, st.(*sqlite.Store).Path())
	for _, q := range statements {
		if _, err := db.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func TestAuditTamperingIsFound(t *testing.T) {
	storetest.RunAuditTamper(t, func(t *testing.T) store.Store { return openTemp(t) }, tamper)
}

package sqlite_test

import (
	"testing"

	"github.com/pindesk/pindesk/internal/sqlitetest"
	"github.com/pindesk/pindesk/internal/storetest"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/sqlite"
)

// openTemp opens a fresh, migrated database file in the test's temporary folder.
func openTemp(t testing.TB) *sqlite.Store {
	t.Helper()
	return sqlitetest.Open(t)
}

func TestConformance(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
	storetest.RunAuditTamper(t, func(t *testing.T) store.Store { return openTemp(t) }, tamper)
}

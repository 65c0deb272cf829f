package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/sqlite"
	"github.com/pindesk/pindesk/store/storetest"
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

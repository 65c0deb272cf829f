package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/pindesk/pindesk/internal/storetest"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/searchterm"
)

func TestADatabaseIsIndexedAgainOnOpenWhenItsIndexIsStale(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "p.db")
	storetest.RunReindex(t, func(t *testing.T, region string) store.Store {
		st, err := Open(t.Context(), path, WithSearchRegion(region))
		if err != nil {
			t.Fatal(err)
		}
		return st
	}, func(t *testing.T, st store.Store) {
		// What migration 0008 leaves: an empty table and no stamp.
		if _, err := st.(*Store).w.Exec(`DELETE FROM search_terms; DELETE FROM meta WHERE name = ?`, searchterm.MetaIndex); err != nil {
			t.Fatal(err)
		}
	})
}

func TestAnUnknownSearchRegionIsRefused(t *testing.T) {
	t.Parallel()
	if _, err := Open(t.Context(), Memory, WithSearchRegion("UK")); err == nil {
		t.Fatal("opened with search region UK")
	}
}

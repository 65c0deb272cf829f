package postgres_test

import (
	"context"
	"testing"

	"github.com/pindesk/pindesk/internal/storetest"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/postgres"
	"github.com/pindesk/pindesk/store/searchterm"
)

func TestADatabaseIsIndexedAgainOnOpenWhenItsIndexIsStale(t *testing.T) {
	u := newSchema(t)
	storetest.RunReindex(t, func(t *testing.T, region string) store.Store {
		st, err := postgres.Open(context.Background(), u, postgres.WithSearchRegion(region))
		if err != nil {
			t.Fatal(err)
		}
		return st
	}, func(t *testing.T, st store.Store) {
		// What migration 0008 leaves: an empty table and no stamp.
		pool := st.(*postgres.Store).Pool()
		if _, err := pool.Exec(context.Background(), `DELETE FROM search_terms`); err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(context.Background(), `DELETE FROM meta WHERE name = $1`, searchterm.MetaIndex); err != nil {
			t.Fatal(err)
		}
	})
}

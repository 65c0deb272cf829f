package uitest

import (
	"testing"

	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/internal/clienttest"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/sqlite"
)

// The kit is a test double only by its Hook: without one, it must behave exactly as client.Local,
// so it is held to the same conformance suite.
func TestTheKitWithoutAHookPassesTheBackendConformanceSuite(t *testing.T) {
	newStore := func(t *testing.T) store.Store {
		st, err := sqlite.Open(t.Context(), sqlite.Memory)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	clienttest.Run(t, newStore, func(t *testing.T, in *clienttest.Installation, op model.Operator) client.Backend {
		return &Backend{t: t, op: op, db: &database{local: client.NewLocal(in.Core, op, nil)}}
	})
}

package client_test

import (
	"flag"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/internal/clienttest"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/postgres"
)

// testParallel is how many tests run at once unless -parallel says otherwise. The suite's tests
// each have a store of their own and on PostgreSQL mostly wait on it, so more than go test's
// default (GOMAXPROCS) pays on a small machine; a fixed number keeps a big machine's connections
// (at most postgres.DefaultMaxConns per test) far below the test cluster's max_connections (200,
// scripts/pg-test-cluster.sh), as store/postgres's tests do.
const testParallel = 6

func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		flag.Set("test.parallel", strconv.Itoa(testParallel))
	}
	os.Exit(m.Run())
}

// openPostgres is a NewStore over a fresh schema of its own, dropped when the test ends, so the
// suite's installations never see each other's accounts.
func openPostgres(t *testing.T) store.Store {
	t.Helper()
	st, err := postgres.Open(ctx, postgresSchema(t))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	// Cleanups run last-in first-out: the store closes before its schema is dropped.
	t.Cleanup(func() { st.Close() })
	return st
}

func TestLocalBackendConformanceOnPostgreSQL(t *testing.T) {
	t.Parallel()
	clienttest.Run(t, openPostgres, func(t *testing.T, in *clienttest.Installation, op model.Operator) client.Backend {
		return client.NewLocal(in.Core, op, nil)
	})
}

func TestRemoteBackendConformanceOnPostgreSQL(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	servers := map[*clienttest.Installation]string{}
	clienttest.Run(t, openPostgres, func(t *testing.T, in *clienttest.Installation, op model.Operator) client.Backend {
		mu.Lock()
		u, ok := servers[in]
		if !ok {
			u = serve(t, in, noLimits).URL
			servers[in] = u
		}
		mu.Unlock()
		r, err := client.NewRemote(u, token(t, in.Store, op))
		if err != nil {
			t.Fatal(err)
		}
		return r
	})
}

package client_test

import (
	"crypto/rand"
	"encoding/hex"
	"flag"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/internal/clienttest"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/postgres"
)

// The same variables as store/postgres's tests: the URL of a database the tests may create
// schemas in (scripts/pg-test-cluster.sh starts one), and 1 to fail rather than skip without it.
const (
	postgresURLVar      = "PINDESK_TEST_POSTGRES_URL"
	postgresRequiredVar = "PINDESK_TEST_POSTGRES_REQUIRED"
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
	base := os.Getenv(postgresURLVar)
	if base == "" && os.Getenv(postgresRequiredVar) == "1" {
		t.Fatal(postgresURLVar + " is not set but " + postgresRequiredVar + "=1: start a cluster with scripts/pg-test-cluster.sh start")
	}
	if base == "" {
		t.Skip("PostgreSQL tests skipped: set " + postgresURLVar + " (scripts/pg-test-cluster.sh start)")
	}
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", postgresURLVar, err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 8)
	rand.Read(b)
	schema := "pindesk_client_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", postgresURLVar, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	st, err := postgres.Open(ctx, u.String())
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	// Cleanups run last-in first-out: the store closes before its schema is dropped.
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	t.Cleanup(func() { st.Close() })
	return st
}

func TestLocalBackendConformanceOnPostgreSQL(t *testing.T) {
	clienttest.Run(t, openPostgres, func(t *testing.T, in *clienttest.Installation, op model.Operator) client.Backend {
		return client.NewLocal(in.Core, op, nil)
	})
}

func TestRemoteBackendConformanceOnPostgreSQL(t *testing.T) {
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

package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/pindesk/pindesk/store/postgres"
)

// URLVar names the database the tests use. Each test creates a schema of its own in it (and drops
// it after), so any database the URL's user may create schemas in will do; scripts/pg-test-cluster.sh
// starts a throwaway one.
const URLVar = "PINDESK_TEST_POSTGRES_URL"

// RequiredVar, set to 1 (as CI does), turns the skip for a missing URL into a failure, so a
// cluster that failed to start cannot pass as a skipped suite.
const RequiredVar = "PINDESK_TEST_POSTGRES_REQUIRED"

// testParallel is how many tests run at once unless -parallel says otherwise. Each test has a
// schema of its own and mostly waits on PostgreSQL, so more than go test's default (GOMAXPROCS)
// pays on a small machine; a fixed number keeps a big machine's connections in bounds: a test's
// stores open at most postgres.DefaultMaxConns each (two for the floor tests), so 6 tests stay far
// below the test cluster's max_connections (200, scripts/pg-test-cluster.sh) even beside the
// other packages' PostgreSQL tests.
const testParallel = 6

// defaultParallel sets -parallel to n unless the command line set it.
func defaultParallel(n int) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		flag.Set("test.parallel", strconv.Itoa(n))
	}
}

func baseURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(URLVar)
	if u == "" && os.Getenv(RequiredVar) == "1" {
		tb.Fatal(URLVar + " is not set but " + RequiredVar + "=1: start a cluster with scripts/pg-test-cluster.sh start")
	}
	if u == "" {
		tb.Skip("PostgreSQL tests skipped: set " + URLVar + " to a database URL the tests may create schemas in " +
			"(eval \"$(scripts/pg-test-cluster.sh start)\" starts a throwaway cluster and sets it)")
	}
	return u
}

// newSchema creates an empty schema, dropped when the test ends, and returns a URL whose
// search_path selects it: every store opened on that URL sees only that schema's tables.
func newSchema(tb testing.TB) string {
	tb.Helper()
	base := baseURL(tb)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatalf("connect to %s: %v", URLVar, err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 8)
	rand.Read(b)
	schema := "pindesk_test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return withParam(base, "search_path", schema)
}

// withParam sets a connection parameter in a URL (postgres://…) or a key=value string.
func withParam(conn, key, value string) string {
	if strings.Contains(conn, "://") {
		u, err := url.Parse(conn)
		if err != nil {
			panic(err)
		}
		q := u.Query()
		q.Set(key, value)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return conn + " " + key + "=" + value
}

// open opens a store on u, closed when the test ends.
func open(tb testing.TB, u string, opts ...postgres.Option) *postgres.Store {
	tb.Helper()
	s, err := postgres.Open(context.Background(), u, opts...)
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

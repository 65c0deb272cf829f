// Package pgtest gives a test its own empty PostgreSQL schema in the database that
// PINDESK_TEST_POSTGRES_URL names (scripts/pg-test-cluster.sh starts one), so PostgreSQL tests run
// side by side without seeing each other's rows. Without the URL a test is skipped, or fails when
// PINDESK_TEST_POSTGRES_REQUIRED=1 (CI), so a missing database never passes for a green run.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// SchemaURL creates an empty schema named prefix_<random>, dropped when the test ends, and returns
// a URL whose search_path selects it.
func SchemaURL(t testing.TB, prefix string) string {
	t.Helper()
	base := os.Getenv("PINDESK_TEST_POSTGRES_URL")
	if base == "" && os.Getenv("PINDESK_TEST_POSTGRES_REQUIRED") == "1" {
		t.Fatal("PINDESK_TEST_POSTGRES_URL is not set but PINDESK_TEST_POSTGRES_REQUIRED=1: start a cluster with scripts/pg-test-cluster.sh start")
	}
	if base == "" {
		t.Skip("PostgreSQL tests skipped: set PINDESK_TEST_POSTGRES_URL (scripts/pg-test-cluster.sh start)")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to PINDESK_TEST_POSTGRES_URL: %v", err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 8)
	rand.Read(b)
	schema := prefix + "_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
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
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

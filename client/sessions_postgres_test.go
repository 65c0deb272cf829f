package client_test

import (
	"net/http/httptest"
	"testing"

	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/internal/clienttest"
	"github.com/pindesk/pindesk/internal/pgtest"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/server"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/postgres"
)

// TestASessionOpenedThroughOneServerIsSeenThroughAnotherOnPostgreSQL: two servers, each with its
// own store (connection pool) and core, on one PostgreSQL database, as a floor runs them. A caller
// verified through server A is seen verified by an agent on server B, and an unlock through B ends
// the session for both (clienttest.SessionsAcross, which the suite also runs on every backend).
func TestASessionOpenedThroughOneServerIsSeenThroughAnotherOnPostgreSQL(t *testing.T) {
	t.Parallel()
	u := postgresSchema(t)
	open := func(t *testing.T) store.Store {
		st, err := postgres.Open(ctx, u)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	in := clienttest.NewInstallation(t, open)
	second := open(t)
	servers := [2]*httptest.Server{serve(t, in, noLimits), serveWith(t, in.Twin(second), second)}
	on := func(i int) func(op model.Operator) client.Backend {
		made := map[model.Operator]client.Backend{}
		return func(op model.Operator) client.Backend {
			if b, ok := made[op]; ok {
				return b
			}
			r, err := client.NewRemote(servers[i].URL, token(t, in.Store, op))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Close() })
			made[op] = r
			return r
		}
	}
	clienttest.SessionsAcross(t, in, on(0), on(1))
}

// serveWith is serve for a second server of the installation: its own core and store.
func serveWith(t *testing.T, svc *core.Service, st store.Store) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(spec.Middleware(t, server.New(svc, st, noLimits)))
	t.Cleanup(ts.Close)
	return ts
}

// postgresSchema is the URL of a fresh schema of its own (internal/pgtest), dropped when the test
// ends after the stores' cleanups close them, for stores that share it (openPostgres opens one
// store per schema).
func postgresSchema(t *testing.T) string { return pgtest.SchemaURL(t, "pindesk_client") }

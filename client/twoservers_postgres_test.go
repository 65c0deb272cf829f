package client_test

import (
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/internal/clienttest"
	"github.com/pindesk/pindesk/internal/pgtest"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/server"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/postgres"
	"github.com/pindesk/pindesk/store/secret"
)

// TestRemoteBackendConformanceOnTwoPostgreSQLServers runs the Backend suite on a floor of two
// servers over one PostgreSQL database, as an installation runs them: each server with its own
// core and connection pool. The desk's roles (agent, portal) go through server A, the supervisors'
// (supervisor, trainer, admin) through server B, so every case where an agent acts and a
// supervisor looks (the lock board above all: a lock made through A shows on the board read
// through B) crosses servers.
func TestRemoteBackendConformanceOnTwoPostgreSQLServers(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	urls := map[store.Store]string{}
	open := func(t *testing.T) store.Store {
		u := pgtest.SchemaURL(t, "pindesk_two_servers")
		st, err := postgres.Open(ctx, u)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(func() { st.Close() })
		mu.Lock()
		urls[st] = u
		mu.Unlock()
		return st
	}
	type floor struct{ a, b *httptest.Server }
	floors := map[*clienttest.Installation]*floor{}
	clienttest.Run(t, open, func(t *testing.T, in *clienttest.Installation, op model.Operator) client.Backend {
		mu.Lock()
		f, ok := floors[in]
		if !ok {
			f = &floor{a: serve(t, in, noLimits), b: secondServer(t, in, urls[in.Store])}
			floors[in] = f
		}
		mu.Unlock()
		ts := f.b
		if op.Role == model.OpAgent || op.Role == model.OpPortal {
			ts = f.a
		}
		r, err := client.NewRemote(ts.URL, token(t, in.Store, op))
		if err != nil {
			t.Fatal(err)
		}
		return r
	})
}

// secondServer is another server of the installation: its own store over the same database, its
// own core holding the same key and clock.
func secondServer(t *testing.T, in *clienttest.Installation, url string) *httptest.Server {
	t.Helper()
	st, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatalf("open the second server's store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	sealer, err := secret.New(clienttest.Key)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := core.New(st, sealer, core.WithClock(in.Clock))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(spec.Middleware(t, server.New(svc, st, noLimits)))
	t.Cleanup(ts.Close)
	return ts
}

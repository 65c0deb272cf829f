package notify_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pindesk/pindesk/internal/pgtest"
	"github.com/pindesk/pindesk/internal/storetest"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/notify"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/postgres"
)

// pgSchemaURL is a schema of its own for the test (internal/pgtest).
func pgSchemaURL(t *testing.T) string { return pgtest.SchemaURL(t, "pindesk_notify") }

// Two servers on one PostgreSQL database each run a Deliverer over their own connection pool,
// as `pindesk serve` does. Every notice reaches the receiver, and none is sent by both: a claim
// leases it to one (a duplicate is allowed only after a crash or an expired lease, neither of
// which happens here).
func TestTwoServersOnOnePostgreSQLDeliverEachNoticeOnceBetweenThem(t *testing.T) {
	t.Parallel()
	u := pgSchemaURL(t)
	ctx := context.Background()
	var servers [2]*postgres.Store
	for i := range servers {
		st, err := postgres.Open(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		servers[i] = st
	}
	if err := storetest.Seed(ctx, servers[0], storetest.Fixture()); err != nil {
		t.Fatal(err)
	}
	const n = 60
	now := time.Now().UTC().Truncate(time.Second)
	for i := range n {
		// Written as the core writes them: in the holder's transaction.
		err := servers[i%2].UpdateHolder(ctx, model.HolderRef{AccountID: storetest.Smith, ContactID: storetest.John}, func(tx store.HolderTx) error {
			return tx.Notify(ctx, model.Notice{ID: fmt.Sprintf("ntc_pg%03d", i), Type: model.NoticeUnlocked, Time: now,
				AccountID: storetest.Smith, Holder: storetest.John})
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	sec := notify.NewSecret()
	rcv := newReceiver(t, sec)
	rcv.set(200, 20*time.Millisecond) // each send takes a while, so the two servers' claims overlap
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	regs := [2]*prometheus.Registry{prometheus.NewRegistry(), prometheus.NewRegistry()}
	for i, st := range servers {
		wh, err := notify.NewWebhook(rcv.srv.URL+"/hook", sec)
		if err != nil {
			t.Fatal(err)
		}
		d, err := notify.New(st, notify.Config{Destinations: []notify.Destination{wh}, Timeout: 5 * time.Second, Lease: time.Minute,
			Poll: 20 * time.Millisecond, Parallel: 4, Registerer: regs[i]})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { d.Run(runCtx) })
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		left, err := servers[0].Notices(ctx, store.NoticeQuery{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d notices still in the outbox after 30s: %+v", len(left), left[0])
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	wg.Wait()

	got := rcv.received()
	rcv.mu.Lock()
	posts := rcv.posts
	rcv.mu.Unlock()
	if len(got) != n {
		t.Errorf("the receiver has %d distinct notices, want %d", len(got), n)
	}
	if posts != n {
		t.Errorf("%d posts for %d notices: a notice was sent by both servers (or twice)", posts, n)
	}
	total := 0
	for i, reg := range regs {
		k := sentBy(t, reg)
		if k == 0 {
			t.Errorf("server %d delivered nothing: the two did not share the work", i+1)
		}
		total += k
	}
	if total != n {
		t.Errorf("the servers counted %d deliveries between them, want %d", total, n)
	}
}

// sentBy is a deliverer's pindesk_notices_total{channel="webhook",result="delivered"}.
func sentBy(t *testing.T, reg *prometheus.Registry) int {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "pindesk_notices_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["channel"] == "webhook" && labels["result"] == "delivered" {
				return int(m.GetCounter().GetValue())
			}
		}
	}
	t.Fatal("no pindesk_notices_total{channel=webhook,result=delivered}")
	return 0
}

package postgres_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/pindesk/pindesk/model"
)

// BenchmarkVerifyDurablePostgres measures verifications per second through the core on
// PostgreSQL, each answered only after its commit (synchronous_commit=on: the WAL is flushed):
// on one server, on two servers (two pools) sharing the database, and with every attempt on one
// holder, which the holder's row lock serializes across both. Run it on a cluster started without
// PINDESK_PG_TEST_FAST, or the figure is not of durable verifies.
func BenchmarkVerifyDurablePostgres(b *testing.B) {
	cases := []struct {
		name    string
		servers int
		holders int
	}{
		{"1 store", 1, 32},
		{"2 stores", 2, 32},
		{"2 stores, one holder", 2, 1},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			servers := floor(b, tc.servers, tc.holders)
			for i := range tc.holders {
				if _, err := servers[0].svc.Set(ctx, portal, change(holder(i), model.KindMaster), thePIN); err != nil {
					b.Fatal(err)
				}
			}
			var next atomic.Int64
			b.SetParallelism(4) // 4 per core: enough callers to keep every pool connection busy
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				g := int(next.Add(1))
				svc := servers[g%len(servers)].svc
				req := verifyReq(holder(g%tc.holders), thePIN)
				for pb.Next() {
					r, err := svc.Verify(ctx, agent, req)
					if err != nil || r.Outcome != model.OutcomeVerified {
						b.Errorf("verify: %+v, %v", r, err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifies/s")
		})
	}
}

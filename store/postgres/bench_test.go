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
	// As store/sqlite's BenchmarkVerifyDurable: one caller alternating a wrong PIN (counted) and
	// the right one (count reset) on one holder, each one durable transaction.
	b.Run("1 store, 1 caller, wrong and right", func(b *testing.B) {
		ctx := context.Background()
		servers := floor(b, 1, 1)
		h := holder(0)
		if _, err := servers[0].svc.Set(ctx, portal, change(h, model.KindMaster), thePIN); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			pin, want := thePIN, model.OutcomeVerified
			if i%2 == 0 {
				pin, want = wrongPIN(1), model.OutcomeMismatch
			}
			r, err := servers[0].svc.Verify(ctx, agent, verifyReq(h, pin))
			if err != nil || r.Outcome != want {
				b.Fatalf("verify %d: %+v, %v", i, r, err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifies/s")
	})
	// Many callers at once (4 per core), on 32 holders or on one: what a busy floor sees.
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

// BenchmarkBaselineFsyncTxPostgres is the floor under BenchmarkVerifyDurablePostgres's one-caller
// figure: one-row upsert transactions, one after another, on a session with the store's settings.
func BenchmarkBaselineFsyncTxPostgres(b *testing.B) {
	ctx := context.Background()
	s := open(b, newSchema(b))
	if _, err := s.Pool().Exec(ctx, `CREATE TABLE baseline (id integer PRIMARY KEY, n integer NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tx, err := s.Pool().Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO baseline (id, n) VALUES ($1, 1) ON CONFLICT (id) DO UPDATE SET n = baseline.n + 1`, i%100); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
}

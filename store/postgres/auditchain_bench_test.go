package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store/postgres"
)

// BenchmarkVerifyChainedVsUnchainedPostgres: durable verifications per second on two servers
// (two stores) sharing a database, 8 callers on 32 holders (32 accounts, over the 64 chains), with
// the audit chains — an append queues on its chain's head, behind appends for accounts of the
// same chain only — as a share of the same floor appending as before the chains.
// The two floors run in alternating rounds, so both see the same load on a shared machine:
//
//	go test -run '^$' -bench 'ChainedVsUnchainedPostgres' -benchtime 4000x ./store/postgres
func BenchmarkVerifyChainedVsUnchainedPostgres(b *testing.B) {
	ctx := context.Background()
	const holders, callers, round = 32, 8, 200
	setup := func(chained bool) []server {
		servers := floor(b, 2, holders)
		for _, s := range servers {
			if !chained {
				postgres.Unchain(s.store)
			}
		}
		for i := range holders {
			if _, err := servers[0].svc.Set(ctx, portal, change(holder(i), model.KindMaster), thePIN); err != nil {
				b.Fatal(err)
			}
		}
		return servers
	}
	chained, unchained := setup(true), setup(false)
	run := func(servers []server, n int) time.Duration {
		start := time.Now()
		var wg sync.WaitGroup
		for g := range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				svc := servers[g%2].svc
				for i := g; i < n; i += callers {
					r, err := svc.Verify(ctx, agent, verifyReq(holder(i%holders), thePIN))
					if err != nil || r.Outcome != model.OutcomeVerified {
						b.Errorf("verify: %+v, %v", r, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		return time.Since(start)
	}
	var inChained, inUnchained time.Duration
	b.ResetTimer()
	for done := 0; done < b.N; done += round {
		n := min(round, b.N-done)
		inChained += run(chained, n)
		inUnchained += run(unchained, n)
	}
	b.ReportMetric(float64(b.N)/inChained.Seconds(), "chained_verifies/s")
	b.ReportMetric(float64(b.N)/inUnchained.Seconds(), "unchained_verifies/s")
	b.ReportMetric(100*inUnchained.Seconds()/inChained.Seconds(), "chained_%_of_unchained")
	if st, err := chained[0].svc.VerifyAudit(ctx, admin, 1, nil); err != nil || !st.Intact {
		b.Fatalf("the chained floor's chain: %+v, %v", st, err)
	}
}

package sqlite

// Benchmarks for the audit chain (issue 12):
//
//	go test -run '^$' -bench 'VerifyChainedVsUnchained' -benchtime 2000x ./store/sqlite
//	go test -run '^$' -bench 'AuditVerify1M' -benchtime 1x -timeout 30m ./store/sqlite
//
// The first interleaves verifications on a store that chains its audit events and on one that
// appends them as before the chain (two files on the same disk), so both see the same load: the
// target is chained_%_of_unchained ≥ 80. The second times `pindesk admin audit verify` over a
// million events (target: under 10 s).

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/internal/storetest"
	"github.com/pindesk/pindesk/model"
)

// verifierOn is verifier (bench_test.go) with the chain on or off.
func verifierOn(b *testing.B, chained bool) func(i int) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	st.unchained = !chained
	clock := storetest.NewClock(storetest.Start)
	svc := benchService(b, st, core.WithClock(clock))
	if _, err := svc.Set(ctx, storetest.Portal, model.PINChange{AccountID: storetest.Smith, Holder: storetest.John, Kind: model.KindMaster}, "482915"); err != nil {
		b.Fatal(err)
	}
	req := model.VerifyRequest{AccountID: storetest.Smith, Holder: storetest.John, Channel: model.ChannelPhone}
	return func(i int) {
		clock.Advance(40 * time.Minute)
		req.PIN = "482915"
		want := model.OutcomeVerified
		if i%2 == 0 {
			req.PIN, want = "000001", model.OutcomeMismatch
		}
		r, err := svc.Verify(ctx, storetest.Agent, req)
		if err != nil || r.Outcome != want {
			b.Fatalf("verify %d: %+v, %v", i, r, err)
		}
	}
}

// BenchmarkVerifyChainedVsUnchained: durable verifications per second with the audit chains, as a
// share of the same without them, measured interleaved. SQLite has one writer: chains change
// nothing here but the cost of an append.
func BenchmarkVerifyChainedVsUnchained(b *testing.B) {
	chained, unchained := verifierOn(b, true), verifierOn(b, false)
	var inChained, inUnchained time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		chained(i)
		t1 := time.Now()
		unchained(i)
		inChained, inUnchained = inChained+t1.Sub(t0), inUnchained+time.Since(t1)
	}
	b.ReportMetric(float64(b.N)/inChained.Seconds(), "chained_verifies/s")
	b.ReportMetric(float64(b.N)/inUnchained.Seconds(), "unchained_verifies/s")
	b.ReportMetric(100*inUnchained.Seconds()/inChained.Seconds(), "chained_%_of_unchained")
}

// BenchmarkAuditVerify1M: one full verification of a million events on 1,000 accounts, spread
// over every chain.
func BenchmarkAuditVerify1M(b *testing.B) {
	const n = 1_000_000
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(b.TempDir(), "audit1m.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	svc, err := core.New(st, storetest.TestSealer())
	if err != nil {
		b.Fatal(err)
	}
	seedStart := time.Now()
	for done := 0; done < n; done += 100_000 {
		err := st.writeTxAlone(ctx, func(ctx context.Context, tx *sql.Tx) error {
			for i := done; i < done+100_000; i++ {
				left := i % 7
				e := model.AuditEvent{Time: storetest.Start.Add(time.Duration(i) * time.Second), Operator: "alice", Role: model.OpAgent,
					Channel: model.ChannelPhone, AccountID: fmt.Sprintf("a-%04d", i%1000), Holder: "c-john", Action: model.ActionVerify, Kind: model.KindMaster,
					Outcome: string(model.OutcomeMismatch), AttemptsLeft: &left}
				if _, err := st.appendAuditID(ctx, tx, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	seeded := time.Since(seedStart)
	b.ResetTimer()
	for range b.N {
		st, err := svc.VerifyAudit(ctx, storetest.Admin, 1, nil)
		if err != nil || !st.Intact || st.Events != n {
			b.Fatalf("%+v, %v", st, err)
		}
	}
	per := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(per, "s/verify_1M")
	b.ReportMetric(n/per, "events/s")
	b.ReportMetric(seeded.Seconds(), "seed_s")
}

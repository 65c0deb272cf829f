package core_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/internal/storetest"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store/sqlite"
)

// BenchmarkVerifyAnomalyOnVsOff measures what anomaly alerts cost a durable verification: two
// services over SQLite files of their own, one with the default anomaly policy and one with alerts
// off, verified alternately in one run (so the noise of a shared machine falls on both). Half the
// verifications are wrong PINs (each counted for its desk, the path that writes), half right (the
// slot check only). 50 desks each keep to one account, as a normal floor does, so no alert is
// raised and nothing is slowed: the figure is the cost of counting.
//
//	go test -run '^$' -bench VerifyAnomalyOnVsOff -benchtime 4000x ./core
func BenchmarkVerifyAnomalyOnVsOff(b *testing.B) {
	ctx := context.Background()
	const right = "482915"
	// Many failures per holder: the lockout is not what is measured.
	policy := model.DefaultPolicy()
	policy.MaxFailures, policy.HardLockFailures = 100, 10000
	open := func(name string, p model.AnomalyPolicy) (*core.Service, *storetest.Clock) {
		st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), name+".db"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		if err := storetest.Seed(ctx, st, storetest.Fixture()); err != nil {
			b.Fatal(err)
		}
		clock := storetest.NewClock(storetest.Start)
		svc, err := core.New(st, storetest.TestSealer(), core.WithClock(clock), core.WithPolicy(policy), core.WithAnomaly(p))
		if err != nil {
			b.Fatal(err)
		}
		for i := 1; i <= storetest.PagingAccounts; i++ {
			if _, err := svc.Set(ctx, storetest.Portal, model.PINChange{AccountID: fmt.Sprintf("a-page-%02d", i), Holder: "c-1", Kind: model.KindMaster}, right); err != nil {
				b.Fatal(err)
			}
		}
		return svc, clock
	}
	on, onClock := open("on", model.DefaultAnomalyPolicy())
	off, offClock := open("off", model.AnomalyPolicy{})
	verify := func(svc *core.Service, i int) time.Duration {
		k := i / 2
		op := model.Operator{Name: fmt.Sprintf("agent-%02d", k%50), Role: model.OpAgent}
		pin := right
		if i%2 == 0 {
			pin = "013579"
		}
		t0 := time.Now()
		if _, err := svc.Verify(ctx, op, model.VerifyRequest{AccountID: fmt.Sprintf("a-page-%02d", k%storetest.PagingAccounts+1), Holder: "c-1",
			PIN: pin, Channel: model.ChannelPhone}); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	var inOn, inOff time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		onClock.Advance(time.Second)
		offClock.Advance(time.Second)
		if i%2 == 0 {
			inOn += verify(on, i)
			inOff += verify(off, i)
		} else {
			inOff += verify(off, i)
			inOn += verify(on, i)
		}
	}
	b.StopTimer()
	if alerts, err := on.OpenAlerts(ctx, storetest.Supervisor); err != nil || len(alerts) != 0 {
		b.Fatalf("the benchmark raised alerts (%d, %v): it would measure slowed desks", len(alerts), err)
	}
	b.ReportMetric(float64(b.N)/inOn.Seconds(), "on_verifies/s")
	b.ReportMetric(float64(b.N)/inOff.Seconds(), "off_verifies/s")
	b.ReportMetric(100*inOff.Seconds()/inOn.Seconds(), "on_%_of_off")
}

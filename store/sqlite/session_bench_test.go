package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/internal/storetest"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// The cost of verification sessions (issue 13) to a verify, in one run:
//
//	go test -run '^$' -bench 'SessionsVsNone' -benchtime 3000x -count 3 ./store/sqlite
//
// Two file databases on the same disk, one core each, the same code; on one the store opens no
// session (noSessions: its OpenSession does nothing), so the difference is the session's own row,
// written in the verification's transaction. Interleaved, one verification of each per iteration,
// so both see the same disk, and which goes first alternates. "success" verifies only with the right PIN (every one opens a
// session: the worst case); "mixed" alternates a wrong PIN and the right one, as verifier does.

// noSessions is a store whose holders' transactions open no verification session.
type noSessions struct{ *Store }

func (n noSessions) UpdateHolder(ctx context.Context, h model.HolderRef, fn func(store.HolderTx) error) error {
	return n.Store.UpdateHolder(ctx, h, func(tx store.HolderTx) error { return fn(noSessionTx{tx}) })
}

func (n noSessions) UpdateHolders(ctx context.Context, refs []model.HolderRef, fn func([]store.HolderTx) error) error {
	return n.Store.UpdateHolders(ctx, refs, func(txs []store.HolderTx) error {
		for i := range txs {
			txs[i] = noSessionTx{txs[i]}
		}
		return fn(txs)
	})
}

type noSessionTx struct{ store.HolderTx }

func (noSessionTx) OpenSession(context.Context, model.VerifySession) error { return nil }

func sessionVerifier(b *testing.B, sessions, mixed bool) func(i int) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	var s store.Store = st
	if !sessions {
		s = noSessions{st}
	}
	clock := storetest.NewClock(storetest.Start)
	svc, err := core.New(s, storetest.TestSealer(), core.WithClock(clock))
	if err != nil {
		b.Fatal(err)
	}
	if err := svc.Import(ctx, storetest.Admin, storetest.Fixture()); err != nil {
		b.Fatal(err)
	}
	if _, err := svc.Set(ctx, storetest.Portal, model.PINChange{AccountID: storetest.Smith, Holder: storetest.John, Kind: model.KindMaster}, "482915"); err != nil {
		b.Fatal(err)
	}
	req := model.CallerVerifyRequest{AccountID: storetest.Smith, Contact: storetest.John, Channel: model.ChannelPhone, Ticket: "INC-4711"}
	return func(i int) {
		clock.Advance(40 * time.Minute) // as verifier: the rolling cap is weighed, never reached
		want := model.OutcomeVerified
		req.PIN = "482915"
		if mixed && i%2 == 0 {
			req.PIN, want = "000001", model.OutcomeMismatch
		}
		r, err := svc.VerifyCaller(ctx, storetest.Agent, req)
		if err != nil || r.Outcome != want {
			b.Fatalf("verify %d: %+v, %v", i, r, err)
		}
	}
}

func benchSessionsVsNone(b *testing.B, mixed bool) {
	with, without := sessionVerifier(b, true, mixed), sessionVerifier(b, false, mixed)
	var inWith, inWithout time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Which goes first alternates, so neither always follows the other's commit.
		first, second := with, without
		if i%2 == 1 {
			first, second = without, with
		}
		t0 := time.Now()
		first(i)
		t1 := time.Now()
		second(i)
		d1, d2 := t1.Sub(t0), time.Since(t1)
		if i%2 == 1 {
			d1, d2 = d2, d1
		}
		inWith, inWithout = inWith+d1, inWithout+d2
	}
	b.ReportMetric(float64(b.N)/inWith.Seconds(), "with_verifies/s")
	b.ReportMetric(float64(b.N)/inWithout.Seconds(), "without_verifies/s")
	b.ReportMetric(100*(inWith.Seconds()/inWithout.Seconds()-1), "%_added")
}

func BenchmarkSessionsVsNone(b *testing.B) {
	b.Run("success", func(b *testing.B) { benchSessionsVsNone(b, false) })
	b.Run("mixed", func(b *testing.B) { benchSessionsVsNone(b, true) })
}

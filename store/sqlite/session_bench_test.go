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
// session (noSessions: a verification's event is appended without the session it names), so the
// difference is all a session costs a verification: its id in the event's session column (and in
// the event's chain value), since a session is read from the audit trail (store/session.go). Interleaved, one verification of each per iteration,
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

func (t noSessionTx) AppendAuditID(ctx context.Context, e model.AuditEvent) (int64, error) {
	if e.Action == model.ActionVerify {
		e.Session = ""
	}
	return t.HolderTx.AppendAuditID(ctx, e)
}

func (t noSessionTx) AppendAudit(ctx context.Context, e model.AuditEvent) error {
	if e.Action == model.ActionVerify {
		e.Session = ""
	}
	return t.HolderTx.AppendAudit(ctx, e)
}

// sessionVerifier returns a verification to run at i, and how many sessions the account shows.
func sessionVerifier(b *testing.B, sessions, mixed bool) (func(i int), func() int) {
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
	live := func() int {
		v, err := svc.Account(ctx, storetest.Agent, storetest.Smith)
		if err != nil {
			b.Fatal(err)
		}
		return len(v.Sessions)
	}
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
	}, live
}

func benchSessionsVsNone(b *testing.B, mixed bool) {
	with, withLive := sessionVerifier(b, true, mixed)
	without, withoutLive := sessionVerifier(b, false, mixed)
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
	b.StopTimer()
	want := 1 // the last verification's session, on its own: each before it has expired
	if mixed && (b.N-1)%2 == 0 {
		want = 0 // the last was a wrong PIN
	}
	if n, m := withLive(), withoutLive(); n != want || m != 0 {
		b.Fatalf("the account shows %d sessions with, %d without; want %d and 0", n, m, want)
	}
	b.ReportMetric(float64(b.N)/inWith.Seconds(), "with_verifies/s")
	b.ReportMetric(float64(b.N)/inWithout.Seconds(), "without_verifies/s")
	b.ReportMetric(100*(inWith.Seconds()/inWithout.Seconds()-1), "%_added")
}

func BenchmarkSessionsVsNone(b *testing.B) {
	b.Run("success", func(b *testing.B) { benchSessionsVsNone(b, false) })
	b.Run("mixed", func(b *testing.B) { benchSessionsVsNone(b, true) })
}

// What reading sessions from the audit trail costs the account view (each open app reads it about
// once a second), on an account with a long history:
//
//	go test -run '^$' -bench 'SessionsRead' ./store/sqlite
//
// "quiet" has `history` verifications 40 minutes apart (each an expired session) and one live
// session; "busy" has them a minute apart, so the last 30 minutes hold 30 live sessions. A read
// costs the window, not the history: compare history=100 with history=10000.
func BenchmarkSessionsRead(b *testing.B) {
	for _, c := range []struct {
		name    string
		history int
		every   time.Duration
	}{
		{"quiet/history=100", 100, 40 * time.Minute},
		{"quiet/history=10000", 10000, 40 * time.Minute},
		{"busy/history=10000", 10000, time.Minute},
	} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			st, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			clock := storetest.NewClock(storetest.Start)
			svc, err := core.New(st, storetest.TestSealer(), core.WithClock(clock))
			if err != nil {
				b.Fatal(err)
			}
			if err := svc.Import(ctx, storetest.Admin, storetest.Fixture()); err != nil {
				b.Fatal(err)
			}
			if _, err := svc.Set(ctx, storetest.Portal, model.PINChange{AccountID: storetest.Smith, Holder: storetest.John, Kind: model.KindMaster}, "482915"); err != nil {
				b.Fatal(err)
			}
			req := model.CallerVerifyRequest{AccountID: storetest.Smith, Contact: storetest.John, Channel: model.ChannelPhone, PIN: "482915", Ticket: "INC-4711"}
			for range c.history {
				clock.Advance(c.every)
				if r, err := svc.VerifyCaller(ctx, storetest.Agent, req); err != nil || r.Outcome != model.OutcomeVerified {
					b.Fatalf("verify: %+v, %v", r, err)
				}
			}
			want := int(min(c.history, int(store.DefaultSessionTTL/c.every)))
			if c.every > store.DefaultSessionTTL {
				want = 1
			}
			now := clock.Now()
			b.ResetTimer()
			for range b.N {
				ss, err := st.Sessions(ctx, storetest.Smith, now)
				if err != nil || len(ss) != want {
					b.Fatalf("%d sessions, %v; want %d", len(ss), err, want)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/read")
		})
	}
}

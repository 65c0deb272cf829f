package server_test

// Benchmarks for the networked mode. Run the pair together, so both meet the same disk and load:
//
//	go test -run '^$' -bench 'Verify(InProcess|OverHTTP)' -benchtime 3s ./server
//
// BenchmarkVerifyOverHTTP's verifies/s should be at least half of BenchmarkVerifyInProcess's:
// each verification is one fsync'd transaction either way, and the HTTP path adds JSON, TLS-less
// loopback, token lookup and the client. The 64-client variant reports p50/p99 latency as well;
// with every client waiting on one database writer its mean is 64 / throughput (Little's law).

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/model"
)

const benchAccounts = 64

// benchEnv is a server over a SQLite file with benchAccounts accounts, each holder with a master
// PIN, and limits off. Its url is a second listener without the OpenAPI check of the tests, which
// a real server does not run.
func benchEnv(b *testing.B) (*env, []string) {
	b.Helper()
	cfg := noLimits
	// As pindesk serve logs by default: info and up, formatted (here to nowhere).
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	e := newEnv(b, cfg)
	raw := httptest.NewServer(e.srv)
	b.Cleanup(raw.Close)
	e.url = raw.URL
	var accts []model.Account
	for i := 0; i < benchAccounts; i++ {
		accts = append(accts, model.Account{ID: fmt.Sprintf("b-%02d", i), Number: fmt.Sprintf("B%04d", i), Name: "Bench",
			Product: "broadband", UsesPINs: true, Contacts: []model.Contact{{ID: "c-1", Name: "Holder", Role: model.RoleHolder}}})
	}
	admin := model.Operator{Name: "setup", Role: model.OpAdmin}
	if err := e.svc.Import(context.Background(), admin, accts); err != nil {
		b.Fatal(err)
	}
	var ids []string
	for _, a := range accts {
		if _, err := e.svc.Set(context.Background(), admin, model.PINChange{AccountID: a.ID, Holder: "c-1", Kind: model.KindMaster}, adaPIN); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	return e, ids
}

// BenchmarkVerifyInProcess verifies through the core directly, one at a time.
func BenchmarkVerifyInProcess(b *testing.B) {
	e, ids := benchEnv(b)
	op := model.Operator{Name: "bench", Role: model.OpAgent}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		res, err := e.svc.Verify(context.Background(), op, model.VerifyRequest{AccountID: ids[i%len(ids)], Holder: "c-1", PIN: adaPIN})
		if err != nil || res.Outcome != model.OutcomeVerified {
			b.Fatal(res, err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "verifies/s")
}

// BenchmarkVerifyOverHTTP verifies through client.Remote and the server on loopback.
func BenchmarkVerifyOverHTTP(b *testing.B) {
	for _, clients := range []int{1, 64} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			e, ids := benchEnv(b)
			tr := http.DefaultTransport.(*http.Transport).Clone()
			tr.MaxIdleConnsPerHost = clients
			r, err := client.NewRemote(e.url, e.tokens[model.OpAgent], client.WithTransport(tr))
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			lat := make([]time.Duration, b.N)
			var next sync.Mutex
			i := 0
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for c := 0; c < clients; c++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						next.Lock()
						n := i
						i++
						next.Unlock()
						if n >= b.N {
							return
						}
						t0 := time.Now()
						res, err := r.Verify(context.Background(), model.VerifyRequest{AccountID: ids[n%len(ids)], Holder: "c-1", PIN: adaPIN})
						lat[n] = time.Since(t0)
						if err != nil || res.Outcome != model.OutcomeVerified {
							b.Error(res, err)
							return
						}
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			sort.Slice(lat, func(a, c int) bool { return lat[a] < lat[c] })
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "verifies/s")
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

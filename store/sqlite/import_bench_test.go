package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/pindesk/pindesk/demo/sample"
	"github.com/pindesk/pindesk/internal/storetest"
)

// BenchmarkImport imports sample accounts into a new database file as before termbatch.go (one
// search term per INSERT, SQLite's default page cache) and after (termBatch terms per INSERT, the
// cache grown to importCacheKiB), interleaved in one run so a busy machine weighs on both alike:
//
//	go test -run '^$' -bench Import -benchtime 5x ./store/sqlite
func BenchmarkImport(b *testing.B) {
	batched, cache := termBatch, importCacheKiB
	defer func() { termBatch, importCacheKiB = batched, cache }()
	for _, n := range []int{400, 10_000} {
		accounts := sample.Accounts(sample.Seed, n)
		for _, c := range []struct {
			name       string
			rows, kibs int
		}{{"before", 1, 0}, {"after", batched, cache}} {
			b.Run(fmt.Sprintf("accounts=%d/%s", n, c.name), func(b *testing.B) {
				termBatch, importCacheKiB = c.rows, c.kibs
				ctx := context.Background()
				cpu0 := cpuTime()
				for b.Loop() {
					b.StopTimer()
					st, err := Open(ctx, filepath.Join(b.TempDir(), "import.db"))
					if err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					if err := storetest.Seed(ctx, st, accounts); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					st.Close()
					b.StartTimer()
				}
				b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/import")
				// The process's CPU time (opening and closing included): steadier than the wall
				// clock on a machine others share.
				b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/import")
			})
		}
	}
}

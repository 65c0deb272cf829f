package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/pindesk/pindesk/demo/sample"
	"github.com/pindesk/pindesk/internal/storetest"
)

// BenchmarkImportPostgres imports sample accounts into a new schema (the figure of
// store/sqlite's BenchmarkImport, on PostgreSQL):
//
//	PINDESK_TEST_POSTGRES_URL=… go test -run '^$' -bench ImportPostgres -benchtime 3x ./store/postgres
func BenchmarkImportPostgres(b *testing.B) {
	for _, n := range []int{400, 10_000} {
		accounts := sample.Accounts(sample.Seed, n)
		b.Run(fmt.Sprintf("accounts=%d", n), func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				b.StopTimer()
				st := open(b, newSchema(b))
				b.StartTimer()
				if err := storetest.Seed(ctx, st, accounts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/import")
		})
	}
}

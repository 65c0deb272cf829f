package searchterm

import (
	"testing"

	"github.com/pindesk/pindesk/demo/sample"
)

// BenchmarkAccountTerms is the term building an import pays per account (the demo's 400 sample
// accounts are its start-up's largest cost after the inserts).
func BenchmarkAccountTerms(b *testing.B) {
	accounts := sample.Accounts(sample.Seed, sample.Count)
	terms := 0
	for b.Loop() {
		for _, a := range accounts {
			terms += len(Account(a, DefaultRegion))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(terms), "ns/term")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(accounts)), "µs/account")
}

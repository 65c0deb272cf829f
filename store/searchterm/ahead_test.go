package searchterm

import (
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/pindesk/pindesk/demo/sample"
)

func TestTermsMadeAheadComeInTheOrderOfTheAccounts(t *testing.T) {
	accounts := sample.Accounts(sample.Seed, 3*aheadWindow)
	terms := Ahead(accounts, DefaultRegion)
	defer terms.Stop()
	for i, a := range accounts {
		if got, want := terms.Next(), Account(a, DefaultRegion); !slices.Equal(got, want) {
			t.Fatalf("account %d: %d terms, want Account's %d", i, len(got), len(want))
		}
	}
}

func TestStoppingBeforeTheEndEndsTheGoroutineMakingTerms(t *testing.T) {
	before := runtime.NumGoroutine()
	terms := Ahead(sample.Accounts(sample.Seed, 3*aheadWindow), DefaultRegion)
	terms.Next()
	terms.Stop()
	terms.Stop() // twice is harmless (a deferred Stop after an explicit one)
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after Stop, %d before Ahead", runtime.NumGoroutine(), before)
		}
		time.Sleep(time.Millisecond)
	}
}

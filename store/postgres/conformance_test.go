package postgres_test

import (
	"testing"

	"github.com/pindesk/pindesk/internal/storetest"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/postgres"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	baseURL(t)
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, newSchema(t)) })
}

// The store has two search plans (see SearchAccounts); the suite's search part holds each to the
// same answers, whatever the number of matches that picks one in use.
func TestConformanceOfEachSearchPlan(t *testing.T) {
	t.Parallel()
	baseURL(t)
	for _, plan := range []struct {
		name      string
		threshold int
	}{{"dense plan", 0}, {"sparse plan", 1 << 30}} {
		t.Run(plan.name, func(t *testing.T) {
			t.Parallel()
			storetest.RunSearch(t, func(t *testing.T) store.Store {
				return open(t, newSchema(t), postgres.WithDenseMatches(plan.threshold))
			})
		})
	}
}

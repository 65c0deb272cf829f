package postgres_test

import (
	"testing"

	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/storetest"
)

func TestConformance(t *testing.T) {
	baseURL(t)
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, newSchema(t)) })
}

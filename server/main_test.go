package server_test

import (
	"os"
	"testing"

	"github.com/pindesk/pindesk/internal/binarytest"
)

// TestMain lets this test binary run as pindesk for the tests that start and kill it (binarytest).
func TestMain(m *testing.M) {
	binarytest.Main()
	os.Exit(m.Run())
}

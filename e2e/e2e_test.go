// Package e2e drives the real pindesk binary in tmux (tmux_e2e.sh). CI runs the script directly;
// this test runs it from `go test` when asked to, so a plain `go test ./...` stays fast and needs
// no tmux:
//
//	PINDESK_E2E=1 go test ./e2e -v
package e2e

import (
	"os"
	"os/exec"
	"testing"
)

func TestTmuxEndToEnd(t *testing.T) {
	if os.Getenv("PINDESK_E2E") != "1" {
		t.Skip("set PINDESK_E2E=1 to drive the real binary in tmux (CI runs e2e/tmux_e2e.sh)")
	}
	cmd := exec.Command("bash", "tmux_e2e.sh")
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("tmux_e2e.sh: %v", err)
	}
}

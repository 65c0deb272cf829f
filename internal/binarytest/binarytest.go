// Package binarytest lets a test binary stand in for the pindesk binary. The tests that start and
// kill pindesk processes (the SIGKILL soaks, several servers on one database) once ran `go build`
// for it, a link of the whole program (about 3 CPU-seconds) per test. The test binary already
// holds every package pindesk does; started under the name "pindesk" it runs exactly what the
// pindesk command's main does (cli.Run), with the test's build flags (-race included).
package binarytest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/pindesk/pindesk/internal/cli"
)

// name is the file name the test binary answers to as pindesk.
const name = "pindesk"

// Main runs the pindesk command, and exits with its code, when the test binary was started as
// pindesk (through Path); otherwise it returns. Call it first in the package's TestMain.
func Main() {
	if filepath.Base(os.Args[0]) == name {
		os.Exit(cli.Run())
	}
}

// Path returns a path that runs pindesk: a link named pindesk, in a temporary folder of t's, to
// the running test binary. The package's TestMain must call Main.
func Path(t testing.TB) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), name)
	if err := os.Symlink(exe, link); err != nil {
		t.Fatal(err)
	}
	return link
}

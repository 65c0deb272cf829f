// Command pindesk is the support desk's PIN verification tool: the terminal app for agents,
// supervisors and trainers (`pindesk`, `pindesk demo`), the admin command line (`pindesk admin …`),
// and the REST server (`pindesk serve`). See `pindesk --help`. The commands live in internal/cli.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/pindesk/pindesk/internal/cli"
)

func main() {
	// A closed terminal window (SIGHUP) ends the app like ctrl+c does, so `pindesk demo` still
	// removes its throwaway database and the app closes its store cleanly.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

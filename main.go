// Command pindesk is the support desk's PIN verification tool: the terminal app for agents,
// supervisors and trainers (`pindesk`, `pindesk demo`), the admin command line (`pindesk admin …`),
// and the REST server (`pindesk serve`). See `pindesk --help`. The commands live in internal/cli.
package main

import (
	"os"

	"github.com/pindesk/pindesk/internal/cli"
)

func main() {
	os.Exit(cli.Run())
}

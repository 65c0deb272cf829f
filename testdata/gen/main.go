// Command gen writes pindesk's sample customer base (package demo/sample) as the files an admin
// would import:
//
//	go run ./testdata/gen > testdata/accounts.json
//	go run ./testdata/gen -format csv > testdata/accounts.csv
//
// The output is deterministic; a test of package importer fails when the committed files differ
// from what this writes, so regenerate both after changing the generator.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/pindesk/pindesk/demo/sample"
	"github.com/pindesk/pindesk/importer"
)

func main() {
	format := flag.String("format", "json", "json or csv")
	seed := flag.Uint64("seed", sample.Seed, "generator seed")
	n := flag.Int("n", sample.Count, "number of accounts")
	flag.Parse()
	accounts := sample.Accounts(*seed, *n)
	var err error
	switch *format {
	case "json":
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(accounts)
	case "csv":
		err = importer.WriteCSV(os.Stdout, accounts)
	default:
		err = fmt.Errorf("format %q (want json or csv)", *format)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// Package bench holds the pieces of scripts/bench-http.sh: verify.lua (the wrk script), minimal/
// (the net/http ceiling) and this test, which holds the script's request to the API's contract.
package bench

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pindesk/pindesk/internal/apitest"
	"github.com/pindesk/pindesk/server"
)

// scriptTemplate reads NAME='…' from the top of bench-http.sh, where the API's shape is written once.
func scriptTemplate(t *testing.T, name string) string {
	t.Helper()
	script, err := os.ReadFile("../bench-http.sh")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^` + name + `='([^']*)'$`).FindSubmatch(script)
	if m == nil {
		t.Fatalf("bench-http.sh sets no %s='…'", name)
	}
	return string(m[1])
}

// A benchmark that sends what the server no longer takes measures refusals; the script checks each
// run's answers, but this says why before anyone runs it: the route or the body has drifted.
func TestBenchHTTPSendsAVerificationTheAPIDocuments(t *testing.T) {
	spec, err := apitest.Load(server.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	path := scriptTemplate(t, "VERIFY_PATH")
	if op := "POST " + path; !slices.Contains(spec.Operations(), op) {
		t.Errorf("bench-http.sh's VERIFY_PATH makes %q, which the OpenAPI document does not describe; update VERIFY_PATH", op)
	}
	body := strings.ReplaceAll(scriptTemplate(t, "VERIFY_BODY"), "{pin}", "482915")
	if err := spec.ValidateValue("VerifyRequest", []byte(body)); err != nil {
		t.Errorf("bench-http.sh's VERIFY_BODY is not a VerifyRequest: %v", err)
	}
}

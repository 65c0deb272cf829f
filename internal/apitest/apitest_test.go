package apitest_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestOnlyTestsImportTheKit keeps the validator out of the pindesk binary: no package's own
// (non-test) code may import apitest, so the OpenAPI libraries are linked into test binaries only.
func TestOnlyTestsImportTheKit(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list over the module")
	}
	const kit = "github.com/pindesk/pindesk/internal/apitest"
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "github.com/pindesk/pindesk/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, " ")
		for _, imp := range strings.Fields(imports) {
			if imp == kit || (strings.HasPrefix(imp, "github.com/pb33f/") && pkg != kit) {
				t.Errorf("%s imports %s outside its tests; the OpenAPI validator is for tests only", pkg, imp)
			}
		}
	}
}

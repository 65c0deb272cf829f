package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAFolderWithoutADatabaseIsSaidSoAndNothingIsCreated: pointed at a folder with no database,
// the app, the server and the admin commands that work on one refuse, naming the folder and how to
// make one, instead of opening a new empty database where every search answers "No account
// matches".
func TestAFolderWithoutADatabaseIsSaidSoAndNothingIsCreated(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--operator", "Grace"}, // the terminal app
		{"serve", "--listen", "127.0.0.1:0", "--log-level", "error"},
		{"admin", "audit"},
		{"admin", "token", "create", "--name", "desk-1", "--role", "agent"},
		{"admin", "account", "show", "A-1"},
		{"admin", "unlock", "--account", "A-1", "--holder", "c1", "--reason", "x"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			d := &keyDesk{desk: newDesk(t)}
			code, errOut := d.runFor(5*time.Second, args...)
			for _, want := range []string{"there is no pindesk database in " + d.dataDir + " (no pindesk.db)", "pindesk admin init", "pindesk admin import FILE"} {
				if code != 1 || !strings.Contains(errOut, want) {
					t.Fatalf("exit %d, stderr lacks %q:\n%s", code, want, errOut)
				}
			}
			if d.uiBackend != nil {
				t.Error("the app opened")
			}
			if _, err := os.Stat(d.dataDir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the data folder was created: %v", err)
			}
		})
	}
}

func TestAdminInitCreatesTheDatabaseOnceAndTheAppOpensOnIt(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	out, _ := d.ok("", "admin", "init")
	db, key := filepath.Join(d.dataDir, "pindesk.db"), filepath.Join(d.dataDir, "pindesk.key")
	if !strings.Contains(out, "Created the database "+db+" and its key file "+key) || !strings.Contains(out, "pindesk admin import FILE") {
		t.Errorf("stdout = %q", out)
	}
	for _, p := range []string{db, key} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	keyBefore, _ := os.ReadFile(key)
	code, _, errOut := d.run("", "admin", "init")
	if keyAfter, _ := os.ReadFile(key); code != 1 || !strings.Contains(errOut, "the database "+db+" exists; nothing changed") || string(keyAfter) != string(keyBefore) {
		t.Errorf("a second init: exit %d, %q", code, errOut)
	}
	d.ok("", "--operator", "Grace")
	if d.uiBackend == nil {
		t.Error("the app did not open on the new database")
	}
}

func TestTheFirstImportCreatesTheDatabaseAndSaysSo(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	_, errOut := d.ok("", "admin", "import", goodCSV)
	if !strings.Contains(errOut, "Created the database "+filepath.Join(d.dataDir, "pindesk.db")) {
		t.Errorf("stderr = %q", errOut)
	}
	if _, errOut := d.ok("", "admin", "import", goodCSV); strings.Contains(errOut, "Created") {
		t.Errorf("the second import says it created the database: %q", errOut)
	}
}

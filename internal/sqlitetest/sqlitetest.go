// Package sqlitetest opens new SQLite stores for tests from one database migrated once per test
// binary. Migrating a new file costs about 10 ms of CPU (SQLite re-reads the whole schema after
// every ALTER TABLE), and the suites open hundreds of stores, so writing out the migrated file's
// bytes instead keeps `go test ./...` fast on a 2-core machine. What a store does when it opens
// and migrates a new file is tested in store/sqlite with sqlite.Open itself.
package sqlitetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/pindesk/pindesk/store/sqlite"
)

var migrated struct {
	once  sync.Once
	image []byte
	err   error
}

// image is a new database's file after every migration, made on first use.
func image() ([]byte, error) {
	migrated.once.Do(func() {
		migrated.image, migrated.err = makeImage()
	})
	return migrated.image, migrated.err
}

func makeImage() ([]byte, error) {
	dir, err := os.MkdirTemp("", "pindesk-sqlitetest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "pindesk.db")
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		return nil, err
	}
	if err := st.Close(); err != nil {
		return nil, err
	}
	// The last connection's close checkpoints the WAL into the file and removes it; a WAL left
	// behind would hold part of the schema the copy would lack.
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
		return nil, fmt.Errorf("sqlitetest: the migrated database left a %d-byte WAL behind", fi.Size())
	}
	return os.ReadFile(path)
}

// Path writes a new, migrated, empty database into a temporary folder of t's and returns its path.
func Path(t testing.TB) string {
	t.Helper()
	img, err := image()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "pindesk.db")
	if err := os.WriteFile(path, img, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Open opens a new, migrated, empty database with opts; it is closed when t ends.
func Open(t testing.TB, opts ...sqlite.Option) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), Path(t), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return st
}

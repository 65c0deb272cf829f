package sqlite_test

import (
	"testing"

	"github.com/pindesk/pindesk/store/sqlite"
)

// In-memory databases start from one migrated image (memory.go): each must still be its own, with
// the whole schema and nothing another one wrote.
func TestEachInMemoryDatabaseIsItsOwnAndFullyMigrated(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	open := func() *sqlite.Store {
		st, err := sqlite.Open(ctx, sqlite.Memory)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	first, second := open(), open()
	if err := first.PutMeta(ctx, "written_by", "first"); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := second.Meta(ctx, "written_by"); err != nil || ok {
		t.Fatalf("the second database reads %q (%v, %v) that only the first wrote", v, ok, err)
	}
	if v, ok, err := first.Meta(ctx, "written_by"); err != nil || !ok || v != "first" {
		t.Fatalf("the first database reads %q (%v, %v), want its own write", v, ok, err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	third := open()
	if _, ok, err := third.Meta(ctx, "written_by"); err != nil || ok {
		t.Fatalf("a database opened after the first closed reads its write (%v, %v)", ok, err)
	}
	if err := third.PutMeta(ctx, "written_by", "third"); err != nil {
		t.Fatalf("a third database cannot be written: %v", err)
	}
}

package migration

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestMigrationsLoadInVersionOrderAndRefuseGapsAndBadNames(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	ms, err := Load(fstest.MapFS{
		"m/0002_b.sql": file("B"), "m/0001_a.sql": file("A"), "m/0003_c.sql": file("C"), "m/README": file("x"),
	}, "m")
	if err != nil || len(ms) != 3 || ms[0].SQL != "A" || ms[2].Name != "0003_c.sql" || Latest(ms) != 3 {
		t.Fatalf("Load = %+v, %v; want 0001, 0002, 0003 in order", ms, err)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"a gap":          {"m/0001_a.sql": file("A"), "m/0003_c.sql": file("C")},
		"a duplicate":    {"m/0001_a.sql": file("A"), "m/0001_b.sql": file("B")},
		"no number":      {"m/init.sql": file("A")},
		"version zero":   {"m/0000_a.sql": file("A")},
		"not from one 1": {"m/0002_a.sql": file("A")},
	} {
		if _, err := Load(fsys, "m"); err == nil || !strings.Contains(err.Error(), "migration ") {
			t.Errorf("%s: Load = %v, want a migration error", name, err)
		}
	}
	if ms, err := Load(fstest.MapFS{}, "m"); err != nil || Latest(ms) != 0 {
		t.Fatalf("no migrations: %v, %v", ms, err)
	}
}

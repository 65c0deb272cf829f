package fileperm

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"
)

func TestModeBitsExposeAFileToGroupOrOthers(t *testing.T) {
	for _, tc := range []struct {
		perm    uint32
		exposed bool
	}{
		{0o600, false}, {0o400, false}, {0o700, false},
		{0o640, true}, {0o604, true}, {0o644, true}, {0o666, true}, {0o620, true},
	} {
		if got := modeExposed(tc.perm); got != tc.exposed {
			t.Errorf("mode %04o exposed = %v, want %v", tc.perm, got, tc.exposed)
		}
	}
}

func TestAWindowsAccessListExposesAFileToAnyoneButTheOwnerAndTheMachinesAdministrators(t *testing.T) {
	const owner = "S-1-5-21-1-2-3-1001"
	const other = "S-1-5-21-1-2-3-1002"
	const everyone, users, authenticated = "S-1-1-0", "S-1-5-32-545", "S-1-5-11"
	for _, tc := range []struct {
		name    string
		nilDACL bool
		aces    []ACE
		want    []string
	}{
		{"the owner alone", false, []ACE{{owner, true, true}}, nil},
		{"the owner, SYSTEM and Administrators, as a profile folder gives by inheritance", false,
			[]ACE{{owner, true, true}, {sidSystem, true, true}, {sidAdministrators, true, true}}, nil},
		{"an empty list: no one but the owner's implicit rights", false, nil, nil},
		{"no list at all grants everyone", true, nil, []string{"Everyone (the file has no access-control list)"}},
		{"Everyone may read", false, []ACE{{owner, true, true}, {everyone, true, true}}, []string{everyone}},
		{"Users and Authenticated Users may read", false,
			[]ACE{{users, true, true}, {authenticated, true, true}, {owner, true, true}}, []string{users, authenticated}},
		{"another user may read", false, []ACE{{other, true, true}}, []string{other}},
		{"another user may only write (no read)", false, []ACE{{other, true, false}}, nil},
		{"a deny entry never exposes", false, []ACE{{everyone, false, true}, {owner, true, true}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := aclExposed(owner, tc.nilDACL, tc.aces); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("exposed to %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPrivateReadsTheRealFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("mode bits are not Windows permissions")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "secret")
	if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Private(path); err != nil {
		t.Fatalf("a 0600 file: %v", err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	err := Private(path)
	var exposed *ExposedError
	if !errors.Is(err, ErrExposed) || !errors.As(err, &exposed) || exposed.Who != "mode 0644" || exposed.Path != path {
		t.Fatalf("a 0644 file: %v, want it named exposed with its mode", err)
	}
	if err := Private(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a missing file: %v, want not-exist", err)
	}
}

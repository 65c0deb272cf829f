package secret

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestTheCheckValueNamesAKeyWithoutRevealingIt(t *testing.T) {
	a, b := bytes.Repeat([]byte{7}, KeySize), bytes.Repeat([]byte{8}, KeySize)
	if again := CheckValue(bytes.Clone(a)); CheckValue(a) != again || CheckValue(a) == CheckValue(b) {
		t.Fatal("the check value is not a function of the key alone")
	}
	// Pinned: databases record it, so it may never change.
	if got := KeyID(CheckValue(a)); got != "abb4e9b60ed60220" || len(CheckValue(a)) != 64 {
		t.Errorf("key id %q of check %q", got, CheckValue(a))
	}
}

func TestCompareTellsAKeyFaultFromAWrongPIN(t *testing.T) {
	s := testSealer(t)
	other, _ := New(bytes.Repeat([]byte{8}, KeySize))
	alice := []byte("pindesk/v1/A1/c1")
	sealed, _ := s.Seal(alice, "482915")
	if ok, err := s.Compare(alice, sealed, "482915"); !ok || err != nil {
		t.Errorf("right PIN: %v, %v", ok, err)
	}
	if ok, err := s.Compare(alice, sealed, "482916"); ok || err != nil {
		t.Errorf("wrong PIN: %v, %v; want a plain mismatch", ok, err)
	}
	if ok, err := other.Compare(alice, sealed, "482915"); ok || !errors.Is(err, ErrKeyFault) {
		t.Errorf("another key: %v, %v; want ErrKeyFault", ok, err)
	}
}

func TestWriteKeyFileReplacesAKeyWholeAndPrivately(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pindesk.key")
	for _, b := range []byte{1, 2} {
		key := bytes.Repeat([]byte{b}, KeySize)
		if err := WriteKeyFile(path, key); err != nil {
			t.Fatal(err)
		}
		got, err := LoadOrCreateKey(path)
		if err != nil || !bytes.Equal(got, key) {
			t.Fatalf("read back %x, %v", got, err)
		}
		if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
			t.Errorf("mode %v", info.Mode().Perm())
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

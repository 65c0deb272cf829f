package secret

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func testSealer(t *testing.T) *Sealer {
	t.Helper()
	s, err := New(bytes.Repeat([]byte{7}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestASealedPINOpensOnlyForItsHolder(t *testing.T) {
	s := testSealer(t)
	alice, bob := []byte("pindesk/v1/A1/c1"), []byte("pindesk/v1/A1/c2")
	sealed, err := s.Seal(alice, "482915")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("482915")) {
		t.Fatal("the sealed value holds the PIN in clear")
	}
	if pin, err := s.Open(alice, sealed); err != nil || pin != "482915" {
		t.Fatalf("Open = %q, %v", pin, err)
	}
	if _, err := s.Open(bob, sealed); !errors.Is(err, ErrOpen) {
		t.Fatalf("a ciphertext moved to another holder opened: %v", err)
	}
	if s.Matches(bob, sealed, "482915") {
		t.Fatal("a ciphertext moved to another holder matched")
	}
	if !s.Matches(alice, sealed, "482915") || s.Matches(alice, sealed, "482916") || s.Matches(alice, sealed, "48291") {
		t.Fatal("Matches compares wrongly")
	}
	again, _ := s.Seal(alice, "482915")
	if bytes.Equal(again, sealed) {
		t.Fatal("two seals of one PIN are equal: the nonce is not fresh")
	}
	tampered := append([]byte(nil), sealed...)
	tampered[len(tampered)-1] ^= 1
	if _, err := s.Open(alice, tampered); !errors.Is(err, ErrOpen) {
		t.Fatal("a tampered ciphertext opened")
	}
	other, _ := New(bytes.Repeat([]byte{8}, KeySize))
	if _, err := other.Open(alice, sealed); !errors.Is(err, ErrOpen) {
		t.Fatal("another key opened the PIN")
	}
	for _, junk := range [][]byte{nil, {}, {1}, bytes.Repeat([]byte{1}, 40)} {
		if _, err := s.Open(alice, junk); !errors.Is(err, ErrOpen) {
			t.Fatalf("junk %v opened", junk)
		}
	}
}

func TestEqualComparesWholeValues(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{{"123456", "123456", true}, {"123456", "123457", false}, {"12345", "123456", false}, {"", "", true}, {"1234560", "123456", false}}
	for _, c := range cases {
		if got := Equal(c.a, c.b); got != c.want {
			t.Errorf("Equal(%q,%q) = %v", c.a, c.b, got)
		}
	}
}

func TestTheKeyFileIsCreatedPrivateAndReusedAfter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "pindesk.key")
	k1, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", info.Mode().Perm())
	}
	k2, err := LoadOrCreateKey(path)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatalf("the key changed on reload: %v", err)
	}
}

func TestABadKeyFileIsRefused(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]struct {
		content string
		mode    os.FileMode
	}{
		"corrupt":        {"not a key\n", 0o600},
		"short":          {"abcd\n", 0o600},
		"empty":          {"", 0o600},
		"world readable": {string(bytes.Repeat([]byte("ab"), KeySize)) + "\n", 0o644},
	}
	for name, c := range cases {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(c.content), c.mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(path, c.mode)
		if _, err := LoadOrCreateKey(path); !errors.Is(err, ErrBadKeyFile) {
			t.Errorf("%s key file: err = %v, want ErrBadKeyFile", name, err)
		}
		after, _ := os.ReadFile(path)
		if string(after) != c.content {
			t.Errorf("%s key file was rewritten", name)
		}
	}
}

package secret

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// The key check value tells, without opening any PIN, whether a key is the database's key: the
// database records the check value of its key (in its meta table, under store.MetaKeyCheck), and a
// process that holds another key refuses to start instead of counting every right PIN as wrong.
// It is an HMAC of a fixed label, so it says nothing about the key beyond that comparison.

// checkLabel is what the check value authenticates; it never changes, or every database's
// recorded check would stop matching its key.
const checkLabel = "pindesk key check v1"

// ErrKeyFault: a sealed PIN does not open under the key in use, so no comparison can be trusted.
// A verification that meets it answers this error and counts nothing: the fault is the server's
// key (rotated under it, or another installation's), not the caller's PIN.
var ErrKeyFault = errors.New("a stored PIN does not open under this key: the key file is not the database's (was the key rotated?)")

// CheckValue is the key check value of key: HMAC-SHA256 of a fixed label under it, in hex.
func CheckValue(key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(checkLabel))
	return hex.EncodeToString(m.Sum(nil))
}

// Check is the check value of the sealer's key (CheckValue): the audit chain heads record it.
func (s *Sealer) Check() string { return s.check }

// KeyID is the short public name of the key whose check value is check: its first 8 bytes in hex.
// Messages name keys by it, so an operator can tell two key files apart without reading either.
func KeyID(check string) string {
	if len(check) > 16 {
		return check[:16]
	}
	return check
}

// NewKey returns a fresh random key.
func NewKey() ([]byte, error) {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("make a key: %w", err)
	}
	return key, nil
}

// Compare reports whether the sealed PIN opens to entered, in time independent of where they
// differ, like Matches; but a sealed value that does not open at all is ErrKeyFault, not a
// mismatch. A right PIN must never count as a wrong one because the key is wrong.
func (s *Sealer) Compare(binding, sealed []byte, entered string) (bool, error) {
	stored, err := s.Open(binding, sealed)
	if err != nil {
		return false, ErrKeyFault
	}
	return Equal(stored, entered), nil
}

// WriteKeyFile writes key to path, replacing what is there, so that path holds either its old
// content or the whole new key after a crash, never a part: the key goes to a temporary file in
// the same folder (mode 0600), is fsync'd, renamed over path, and the folder is fsync'd so the
// rename itself is on disk.
func WriteKeyFile(path string, key []byte) (err error) {
	if len(key) != KeySize {
		return fmt.Errorf("%w: key must be %d bytes", ErrBadKeyFile, KeySize)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write key file: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write key file: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := f.Chmod(0o600); err != nil { // CreateTemp makes 0600 already; said, not assumed
		return fmt.Errorf("write key file: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		return fmt.Errorf("write key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write key file: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write key file: %w", err)
	}
	return SyncDir(dir)
}

// SyncDir fsyncs a folder, so the renames done in it survive a crash.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

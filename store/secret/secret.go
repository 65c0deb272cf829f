// Package secret seals PINs at rest with AES-256-GCM under a key kept in its own file, apart from
// the database, and compares them in constant time.
//
// Why encryption rather than a hash: a 6-digit PIN has a million values, so a keyed hash falls
// exactly when its key does, and the customers' portal must be able to show a customer their own
// PIN. Each ciphertext is bound to its holder by the GCM additional data, so a sealed PIN copied
// into another holder's row does not open there.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/pindesk/pindesk/internal/fileperm"
)

// KeySize is the AES-256 key length in bytes.
const KeySize = 32

var (
	// ErrBadKeyFile: the key file exists but is not a key pindesk wrote, or is open to others.
	ErrBadKeyFile = errors.New("bad key file")
	// ErrOpen: a sealed value does not open under this key for this holder.
	ErrOpen = errors.New("sealed PIN does not open (wrong key, or moved from another holder)")
)

const version byte = 1 // the first byte of every sealed value, so the format can change later

// Sealer seals and opens PINs under one key.
type Sealer struct {
	aead  cipher.AEAD
	mac   []byte // the idempotency subkey (derive.go)
	chain []byte // the audit-chain subkey (derive.go)
	check string // the key's check value (CheckValue)
}

// New returns a Sealer for a 32-byte key.
func New(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("%w: key must be %d bytes", ErrBadKeyFile, KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead, mac: derive(key, idempotencyLabel), chain: derive(key, auditChainLabel), check: CheckValue(key)}, nil
}

// Seal encrypts pin for the holder named by binding.
func (s *Sealer) Seal(binding []byte, pin string) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize(), 1+s.aead.NonceSize()+len(pin)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("seal PIN: %w", err)
	}
	out := append([]byte{version}, nonce...)
	return s.aead.Seal(out, nonce, []byte(pin), binding), nil
}

// Open decrypts a sealed PIN of the holder named by binding.
func (s *Sealer) Open(binding, sealed []byte) (string, error) {
	ns := s.aead.NonceSize()
	if len(sealed) < 1+ns+s.aead.Overhead() || sealed[0] != version {
		return "", ErrOpen
	}
	pin, err := s.aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], binding)
	if err != nil {
		return "", ErrOpen
	}
	return string(pin), nil
}

// Matches reports, in time independent of where they differ, whether the sealed PIN opens to
// entered. A value that does not open matches nothing. Lengths are compared in constant time too,
// by comparing fixed-size padded buffers.
func (s *Sealer) Matches(binding, sealed []byte, entered string) bool {
	stored, err := s.Open(binding, sealed)
	if err != nil {
		return false
	}
	return Equal(stored, entered)
}

// Equal compares two PINs of up to 32 bytes in constant time.
func Equal(a, b string) bool {
	var pa, pb [32]byte
	copy(pa[:], a)
	copy(pb[:], b)
	same := subtle.ConstantTimeCompare(pa[:], pb[:])
	sameLen := subtle.ConstantTimeEq(int32(len(a)), int32(len(b)))
	return same&sameLen == 1 && len(a) <= 32
}

// LoadOrCreateKey reads the key file at path, or creates it (mode 0600, its folder 0700) with a
// fresh random key when it does not exist. A key file that others may read, or that holds anything
// but a hex key, is refused: pindesk never runs on a key it cannot trust.
func LoadOrCreateKey(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadKeyFile, path, err)
	}
	if err := fileperm.Private(path); errors.Is(err, fileperm.ErrExposed) {
		return nil, fmt.Errorf("%w: %v", ErrBadKeyFile, err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(key) != KeySize {
		return nil, fmt.Errorf("%w: %s does not hold a %d-byte hex key (corrupt or not a pindesk key)", ErrBadKeyFile, path, KeySize)
	}
	return key, nil
}

func createKey(path string) ([]byte, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create key file: %w", err)
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("create key file: %w", err)
	}
	// O_EXCL: two processes starting together must not each write a different key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return LoadOrCreateKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("create key file: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("create key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("create key file: %w", err)
	}
	return key, f.Close()
}

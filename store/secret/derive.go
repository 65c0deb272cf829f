package secret

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
)

// idempotencyLabel names the subkey that fingerprints verification requests. A subkey of its own
// keeps the sealing key's only use the sealing of PINs: a MAC under it never meets a ciphertext.
const idempotencyLabel = "pindesk/v1/idempotency"

// auditChainLabel names the subkey that chains the audit trail (AuditChain): a MAC under it proves
// an event was written by a holder of the key file.
const auditChainLabel = "pindesk/v1/audit-chain"

// derive is HMAC-SHA256(key, label): a subkey for one purpose, unrelated to the key for anyone
// without it.
func derive(key []byte, label string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// Fingerprint is a keyed hash (HMAC-SHA256 under the idempotency subkey) of a request's parts, so
// the database can tell whether a repeated idempotency key asks the same thing without ever
// holding what was asked: a 6-digit PIN hashed without a key would fall to a million guesses.
// Each part is length-prefixed, so no two different lists of parts encode alike ("ab","c" and
// "a","bc" differ).
func (s *Sealer) Fingerprint(parts ...string) []byte {
	m := hmac.New(sha256.New, s.mac)
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(parts)))
	m.Write(n[:])
	for _, p := range parts {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		m.Write(n[:])
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}

// AuditChain is HMAC-SHA256 under the audit-chain subkey of prev ‖ canonical: the chain function
// (store.ChainFunc) a store links each audit event to the one before with. prev is a previous
// chain value (32 bytes) or nil for the genesis value; canonical is length-prefixed throughout
// (store.CanonicalAudit), so the concatenation is unambiguous. The store is given this method,
// never the key.
func (s *Sealer) AuditChain(prev, canonical []byte) []byte {
	m := hmac.New(sha256.New, s.chain)
	m.Write(prev)
	m.Write(canonical)
	return m.Sum(nil)
}

// AuditChainer returns AuditChain for one goroutine: it keeps one HMAC and resets it for every
// value, sparing the key schedule a new HMAC costs, for a verifier that computes a million values
// in a row. It must not be called from two goroutines at once.
func (s *Sealer) AuditChainer() func(prev, canonical []byte) []byte {
	m := hmac.New(sha256.New, s.chain)
	return func(prev, canonical []byte) []byte {
		m.Reset()
		m.Write(prev)
		m.Write(canonical)
		return m.Sum(nil)
	}
}

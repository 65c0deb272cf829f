package secret

import (
	"bytes"
	"testing"
)

func TestAFingerprintTellsRequestsApartWithoutHoldingThem(t *testing.T) {
	s := testSealer(t)
	a := s.Fingerprint("A1", "c1", "", "phone", "482915")
	if !bytes.Equal(a, s.Fingerprint("A1", "c1", "", "phone", "482915")) {
		t.Fatal("the same request fingerprints differently")
	}
	for _, other := range [][]string{
		{"A1", "c1", "", "phone", "482916"}, // another PIN
		{"A1", "c2", "", "phone", "482915"}, // another holder
		{"A1", "c1", "c1", "phone", "482915"},
		{"A1", "c1", "", "chat", "482915"},
		{"A1c1", "", "", "phone", "482915"}, // the same bytes, cut elsewhere
		{"A1", "c1", "", "phone", "482915", ""},
	} {
		if bytes.Equal(a, s.Fingerprint(other...)) {
			t.Errorf("%q fingerprints like the first request", other)
		}
	}
	if bytes.Contains(a, []byte("482915")) {
		t.Fatal("the fingerprint holds the PIN")
	}
	// Keyed, and not under the sealing key itself: without the key file a PIN cannot be found from
	// a stored fingerprint by trying a million.
	other, _ := New(bytes.Repeat([]byte{8}, KeySize))
	if bytes.Equal(a, other.Fingerprint("A1", "c1", "", "phone", "482915")) {
		t.Fatal("another key gives the same fingerprint")
	}
	if bytes.Equal(s.mac, bytes.Repeat([]byte{7}, KeySize)) {
		t.Fatal("the idempotency subkey is not derived")
	}
}

func TestTheAuditChainIsKeyedUnderASubkeyOfItsOwn(t *testing.T) {
	s := testSealer(t)
	a := s.AuditChain([]byte("prev"), []byte("event"))
	if len(a) != 32 || !bytes.Equal(a, s.AuditChain([]byte("prev"), []byte("event"))) {
		t.Fatal("the chain value is not a stable HMAC-SHA256")
	}
	chainer := s.AuditChainer()
	for range 2 { // reset between values
		if !bytes.Equal(chainer([]byte("prev"), []byte("event")), a) {
			t.Fatal("the one-goroutine chainer computes another value")
		}
	}
	other, _ := New(bytes.Repeat([]byte{8}, KeySize))
	if bytes.Equal(a, other.AuditChain([]byte("prev"), []byte("event"))) {
		t.Fatal("another key chains alike")
	}
	if bytes.Equal(s.chain, s.mac) || bytes.Equal(s.chain, bytes.Repeat([]byte{7}, KeySize)) {
		t.Fatal("the audit-chain subkey is the idempotency subkey or the key itself")
	}
}

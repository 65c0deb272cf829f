package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/pindesk/pindesk/model"
)

// The audit chain (OWASP ASVS 16.4.2: logs that cannot be modified unnoticed).
//
// Every audit event carries a sequence number seq (1, 2, 3, … with no gap) and a chain value
//
//	chain(seq) = ChainFunc(chain(seq-1), CanonicalAudit(seq, event))
//	chain(0)   = ChainFunc(nil, AuditGenesis)
//
// where ChainFunc is HMAC-SHA256 under a subkey of the key file (secret.Sealer.AuditChain), so
// only a holder of the key file can compute it: someone who can write the database but has no key
// cannot change, delete, insert or reorder an event without every later chain value disagreeing.
// The key never reaches the database nor the store: a store is given the function.
//
// A store appends an event under the chain head (the single row of the audit_head table), which
// it locks last in the appending transaction, so that appends from several processes chain one
// after the other, and a transaction (or savepoint) rolled back takes its head change with it.

// ErrNoAuditChain: a store was asked to append an audit event before it was given its chain
// function (SetAuditChain).
var ErrNoAuditChain = errors.New("the audit chain has no key: the store was not given its chain function")

// ChainFunc computes a chain value from the previous one and the canonical encoding of an event:
// HMAC-SHA256(chain key, prev ‖ canonical). prev is nil only for the genesis value.
type ChainFunc func(prev, canonical []byte) []byte

// AuditGenesis is hashed (with no previous value) into chain(0), the value the first event chains
// from. Rows written before the chain existed are chained from it, in id order, on the first open
// with the key (see ChainAuditHistory of each store).
var AuditGenesis = []byte("pindesk audit genesis")

// canonicalVersion starts every canonical encoding, so a later format cannot encode alike.
const canonicalVersion = "pindesk/audit/v1"

// CanonicalAudit is the unambiguous encoding of an event at seq: every field, each length-prefixed
// (or fixed-width), the time as UTC nanoseconds since 1970. The id is left out: it is the
// database's row number, while seq is the event's place in the chain. A store hashes the event as
// it stores it (PostgreSQL keeps microseconds, so its store truncates the time first).
func CanonicalAudit(dst []byte, seq int64, e model.AuditEvent) []byte {
	dst = appendString(dst, canonicalVersion)
	dst = binary.BigEndian.AppendUint64(dst, uint64(seq))
	dst = binary.BigEndian.AppendUint64(dst, uint64(e.Time.UnixNano()))
	for _, s := range [...]string{e.Operator, string(e.Role), string(e.Channel), e.AccountID, e.Holder, e.Caller,
		string(e.Action), string(e.Kind), e.Outcome} {
		dst = appendString(dst, s)
	}
	if e.AttemptsLeft != nil {
		dst = append(dst, 1)
		dst = binary.BigEndian.AppendUint64(dst, uint64(int64(*e.AttemptsLeft)))
	} else {
		dst = append(dst, 0)
	}
	dst = appendString(dst, e.Reason)
	if e.ReplayOf != nil {
		dst = append(dst, 1)
		dst = binary.BigEndian.AppendUint64(dst, uint64(*e.ReplayOf))
	} else {
		dst = append(dst, 0)
	}
	return dst
}

func appendString(dst []byte, s string) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uint64(len(s)))
	return append(dst, s...)
}

// ChainedEvent is an audit row as stored, with its place in the chain. Seq and Chain are zero and
// nil for a row that was never chained (written before the chain existed, or by hand).
type ChainedEvent struct {
	model.AuditEvent
	Seq   int64
	Chain []byte
}

// AuditHead is the chain head: the last event's seq and chain value (seq 0 and chain(0) before
// the first event), and when that event happened.
type AuditHead struct {
	Seq   int64
	Chain []byte
	Time  time.Time // zero when Seq is 0
}

// Rechain carries a chain over to a new key: fed the stored events in id order, it checks each
// against the old chain function (the seq following on, the value matching) and returns its value
// under the new one.
type Rechain struct {
	Old, New         ChainFunc
	Seq              int64
	oldPrev, newPrev []byte
	buf              []byte
}

// NewRechain starts both chains at their genesis values.
func NewRechain(old, new ChainFunc) *Rechain {
	return &Rechain{Old: old, New: new, oldPrev: old(nil, AuditGenesis), newPrev: new(nil, AuditGenesis)}
}

// ErrChainBroken: an event does not verify under the chain it should (see Rechain.Next).
var ErrChainBroken = errors.New("the audit chain is broken")

// Next returns ce's chain value under the new function, or ErrChainBroken.
func (r *Rechain) Next(ce ChainedEvent) ([]byte, error) {
	if ce.Seq != r.Seq+1 {
		return nil, fmt.Errorf("%w at #%d (event id %d holds #%d): run pindesk admin audit verify", ErrChainBroken, r.Seq+1, ce.ID, ce.Seq)
	}
	r.buf = CanonicalAudit(r.buf[:0], ce.Seq, ce.AuditEvent)
	if c := r.Old(r.oldPrev, r.buf); !bytes.Equal(c, ce.Chain) {
		return nil, fmt.Errorf("%w at #%d (event id %d): run pindesk admin audit verify", ErrChainBroken, ce.Seq, ce.ID)
	}
	r.oldPrev = ce.Chain
	r.newPrev = r.New(r.newPrev, r.buf)
	r.Seq = ce.Seq
	return r.newPrev, nil
}

// Head is the new chain's head after the events fed so far.
func (r *Rechain) Head() []byte { return r.newPrev }

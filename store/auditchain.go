package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store/secret"
)

// The audit chains (OWASP ASVS 16.4.2: logs that cannot be modified unnoticed).
//
// The audit trail is split into AuditChains chains; an event belongs to chain ChainOf(its
// account) — events of no account to chain 0 — and carries its place in that chain, seq (1, 2,
// 3, … with no gap, per chain), and a chain value
//
//	chain(c, seq) = ChainFunc(chain(c, seq-1), CanonicalAudit(c, seq, event))
//	chain(c, 0)   = ChainFunc(nil, AuditGenesis ‖ c)
//
// where ChainFunc is HMAC-SHA256 under a subkey of the key file (secret.Sealer.AuditChain), so
// only a holder of the key file can compute it: someone who can write the database but has no key
// cannot change, delete, insert or reorder an event without every later value of its chain
// disagreeing. The key never reaches the database nor the store: a store is given the function.
// The event's id (the database's row number) still orders the whole trail.
//
// A store appends an event under its chain's head (one row of the audit_head table per chain),
// which it locks last in the appending transaction, so that the appends of several processes to
// one chain follow one another, and a transaction (or savepoint) rolled back takes its head change
// with it. Several chains let appends for different accounts commit side by side: with one head,
// every append on PostgreSQL held the same row lock through its commit, and the floor's
// verifications ran one at a time.

// AuditChains is how many chains the audit trail is split into, on every store (one format). With
// C appends in flight and N chains an append finds its head taken about (C-1)/N of the time: on
// two PostgreSQL servers with 8 callers, 64 chains measured closer to the unchained rate than 16
// (README, "The audit chain"), for a checkpoint line of 64 heads. Changing it re-homes accounts:
// it needs a migration that re-chains the history.
const AuditChains = 64

// ChainOf is the chain of an account's events: FNV-1a (32-bit) of its id, modulo AuditChains (FNV is
// fixed by its specification, so the mapping never changes under pindesk). Events of no account
// (token, key and import-wide events) go to chain 0.
func ChainOf(accountID string) int {
	if accountID == "" {
		return 0
	}
	h := fnv.New32a()
	h.Write([]byte(accountID))
	return int(h.Sum32() % AuditChains)
}

// ErrNoAuditChain: a store was asked to append an audit event before it was given its chain
// function (SetAuditChain).
var ErrNoAuditChain = errors.New("the audit chain has no key: the store was not given its chain function")

// ChainFunc computes a chain value from the previous one and the canonical encoding of an event:
// HMAC-SHA256(chain key, prev ‖ canonical). prev is nil only for a genesis value.
type ChainFunc func(prev, canonical []byte) []byte

// AuditKey is what a store chains with: the chain function of the key file's key, and the key's
// check value (secret.CheckValue), which every head records so that a process still holding a
// key the database has been rotated away from cannot append under it (ChainKeyError).
type AuditKey struct {
	Func  ChainFunc
	Check string
}

// ChainKeyError: an append was refused because the chain heads were written under another key
// than the one this process holds: the key was rotated since the process opened the database.
// Nothing was written. It wraps secret.ErrKeyFault, as every other use of a stale key does.
type ChainKeyError struct {
	Held, Recorded string // key ids
}

func (e *ChainKeyError) Error() string {
	return fmt.Sprintf("the audit chain is kept under key id %s, but this process holds key id %s (the key was rotated since it started): restart it with the current key file",
		e.Recorded, e.Held)
}

func (e *ChainKeyError) Unwrap() error { return secret.ErrKeyFault }

// CheckChainKey refuses an append under k to a head recorded under the check value recorded.
func CheckChainKey(k AuditKey, recorded string) error {
	if recorded != k.Check {
		return fmt.Errorf("append audit event: %w", &ChainKeyError{Held: secret.KeyID(k.Check), Recorded: secret.KeyID(recorded)})
	}
	return nil
}

// AuditGenesis, followed by the chain's number (4 bytes, big-endian), is hashed with no previous
// value into the value a chain's first event chains from. Rows written before the chain existed
// are chained from it, in id order, on the first open with the key (ChainAuditHistory).
var AuditGenesis = []byte("pindesk audit genesis")

// Genesis is chain c's value before its first event.
func Genesis(f ChainFunc, c int) []byte {
	return f(nil, binary.BigEndian.AppendUint32(bytes.Clone(AuditGenesis), uint32(c)))
}

// canonicalVersion starts every canonical encoding, so a later format cannot encode alike.
const canonicalVersion = "pindesk/audit/v1"

// CanonicalAudit is the unambiguous encoding of an event at seq of chain c: every field, each
// length-prefixed (or fixed-width), the time as UTC nanoseconds since 1970. The id is left out:
// it is the database's row number, while (c, seq) is the event's place in its chain. A store
// hashes the event as it stores it (PostgreSQL keeps microseconds, so its store truncates the
// time first).
func CanonicalAudit(dst []byte, c int, seq int64, e model.AuditEvent) []byte {
	dst = appendString(dst, canonicalVersion)
	dst = binary.BigEndian.AppendUint32(dst, uint32(c))
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
	// Fields added since v1 follow, each only when set and behind its one-byte tag, so every event
	// written before them encodes (and verifies) as it did. The order is fixed (a, q, t, s), so an
	// event carrying several encodes one way only.
	if e.Approver != "" { // dual control: the second person
		dst = append(dst, 'a')
		dst = appendString(dst, e.Approver)
	}
	if e.Request != 0 { // dual control: the approval request's id
		dst = append(dst, 'q')
		dst = binary.BigEndian.AppendUint64(dst, uint64(e.Request))
	}
	if e.Ticket != "" { // the call's ticket
		dst = appendString(append(dst, 't'), e.Ticket)
	}
	if e.Session != "" { // the verification session
		dst = appendString(append(dst, 's'), e.Session)
	}
	return dst
}

func appendString(dst []byte, s string) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uint64(len(s)))
	return append(dst, s...)
}

// ChainedEvent is an audit row as stored, with its place in its chain. Seq and Chain are zero and
// nil for a row that was never chained (written before the chain existed, or by hand).
type ChainedEvent struct {
	model.AuditEvent
	ChainID int
	Seq     int64
	Chain   []byte
}

// AuditHead is a point of one chain: as a head (AuditHeads), the chain's last event's seq and
// value (seq 0 and the genesis value before the first event), when that event happened and the
// check value of the key it was chained under; as an anchor (AuditAnchors), an event's place,
// value and id.
type AuditHead struct {
	Chain   int
	Seq     int64
	Value   []byte
	Time    time.Time // zero when Seq is 0
	KeyID   string    // the check value of the key the head was written under (AuditHeads)
	EventID int64     // the event's id (AuditAnchors; 0 when the chain had no event)
}

// Rechain carries the chains over to a new key: fed the stored events in id order, it checks each
// against the old chain function (the seq following on in its chain, the value matching) and
// returns its value under the new one.
type Rechain struct {
	Old, New         ChainFunc
	Seq              [AuditChains]int64
	oldPrev, newPrev [AuditChains][]byte
	buf              []byte
}

// NewRechain starts every chain at its genesis values.
func NewRechain(old, new ChainFunc) *Rechain {
	r := &Rechain{Old: old, New: new}
	for c := range AuditChains {
		r.oldPrev[c], r.newPrev[c] = Genesis(old, c), Genesis(new, c)
	}
	return r
}

// ErrChainBroken: an event does not verify under the chain it should (see Rechain.Next).
var ErrChainBroken = errors.New("the audit chain is broken")

// Next returns ce's chain value under the new function, or ErrChainBroken.
func (r *Rechain) Next(ce ChainedEvent) ([]byte, error) {
	c := ce.ChainID
	if c < 0 || c >= AuditChains || ce.Chain == nil || ce.Seq != r.Seq[c]+1 {
		return nil, fmt.Errorf("%w at event id %d (chain %d #%d): run pindesk admin audit verify", ErrChainBroken, ce.ID, c, ce.Seq)
	}
	r.buf = CanonicalAudit(r.buf[:0], c, ce.Seq, ce.AuditEvent)
	if v := r.Old(r.oldPrev[c], r.buf); !bytes.Equal(v, ce.Chain) {
		return nil, fmt.Errorf("%w at event id %d (chain %d #%d): run pindesk admin audit verify", ErrChainBroken, ce.ID, c, ce.Seq)
	}
	r.oldPrev[c] = ce.Chain
	r.newPrev[c] = r.New(r.newPrev[c], r.buf)
	r.Seq[c] = ce.Seq
	return r.newPrev[c], nil
}

// Check fails unless every chain ended where heads (the chains' heads, in chain order) record.
func (r *Rechain) Check(heads []AuditHead) error {
	for _, h := range heads {
		if h.Seq != r.Seq[h.Chain] {
			return fmt.Errorf("%w: chain %d's head records #%d, its events end at #%d", ErrChainBroken, h.Chain, h.Seq, r.Seq[h.Chain])
		}
	}
	return nil
}

// Head is chain c's new value after the events fed so far.
func (r *Rechain) Head(c int) []byte { return r.newPrev[c] }

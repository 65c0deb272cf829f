package core

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/secret"
)

// ChainAuditHistory chains the audit events written before the chains existed (an upgrade), from
// the genesis values, in one transaction; it returns how many. Run once the key is known to be
// the database's: chained under another key, the history would never verify.
func (s *Service) ChainAuditHistory(ctx context.Context) (int, error) {
	return s.store.ChainAuditHistory(ctx)
}

// AuditCheckpoint returns every chain's head, as a checkpoint to keep apart from the database.
func (s *Service) AuditCheckpoint(ctx context.Context, op model.Operator) (model.AuditCheckpoint, error) {
	if err := op.Require(model.PermAudit); err != nil {
		return model.AuditCheckpoint{}, err
	}
	heads, err := s.store.AuditHeads(ctx)
	if err != nil {
		return model.AuditCheckpoint{}, err
	}
	return checkpoint(heads, s.Now()), nil
}

func checkpoint(heads []store.AuditHead, at time.Time) model.AuditCheckpoint {
	cp := model.AuditCheckpoint{Time: at, Heads: make([]model.AuditChainHead, len(heads))}
	for i, h := range heads {
		cp.Heads[i] = model.AuditChainHead{Chain: h.Chain, Seq: h.Seq, Value: hex.EncodeToString(h.Value)}
	}
	return cp
}

// errStop ends a scan at the first break.
var errStop = errors.New("stop")

// VerifyAudit recomputes the audit chains from the event with id from (every event when from ≤
// 1), trusting, in each chain, the stored value of its last event before from, and reports the
// first break: an event changed, deleted, inserted or reordered, a head that disagrees, or —
// given a checkpoint held apart from the database — a chain that does not reach it with its
// value. It streams the events in id order, holding one (and per chain at most one more, past a
// gap) in memory.
func (s *Service) VerifyAudit(ctx context.Context, op model.Operator, from int64, cp *model.AuditCheckpoint) (model.AuditChainState, error) {
	if err := op.Require(model.PermAudit); err != nil {
		return model.AuditChainState{}, err
	}
	from = max(from, 1)
	var anchors []anchor
	if from > 1 {
		heads, err := s.store.AuditAnchors(ctx, from)
		if err != nil {
			return model.AuditChainState{}, err
		}
		for _, h := range heads {
			anchors = append(anchors, anchor{seq: h.Seq, value: h.Value, id: h.EventID})
		}
	}
	v, err := s.verify(ctx, anchors, from-1, false, cp)
	if err != nil {
		return model.AuditChainState{}, err
	}
	return v.st, nil
}

// chainCheck is what the last check of the chains through AuditChainState found intact: where
// each chain stood, so the next check starts there.
type chainCheck struct {
	mu      sync.Mutex
	anchors []anchor // each chain's last event found intact (id 0: none yet)
	through int64
}

// anchor is a chain's event a check starts after: its place, its value and the value before it
// (to check it again), and its id. value nil: the chain's genesis.
type anchor struct {
	seq         int64
	value, prev []byte
	id          int64
}

// AuditChainState checks the audit chains for the audit view, cheaply: the first call of this
// Service verifies every event; each later one verifies only the events appended since the last
// check found the chains intact — starting, in each chain, from the event that check ended on,
// which must still be there with the value it had. So a supervisor opening the audit view pays for
// the events since the last opening, not for the whole history; an event older than that changed
// in the meantime is for `pindesk admin audit verify` (and the checkpoints) to find.
func (s *Service) AuditChainState(ctx context.Context, op model.Operator) (model.AuditChainState, error) {
	if err := op.Require(model.PermAudit); err != nil {
		return model.AuditChainState{}, err
	}
	c := &s.chainCheck
	c.mu.Lock() // two openings at once verify once, one after the other
	defer c.mu.Unlock()
	after := int64(0)
	if c.anchors != nil {
		after = c.through
		for _, a := range c.anchors {
			after = min(after, a.id-1) // each chain's last event is checked again
		}
		after = max(after, 0)
	}
	v, err := s.verify(ctx, c.anchors, after, true, nil)
	if err != nil {
		return model.AuditChainState{}, err
	}
	if v.st.Intact && v.heads[0].Value != nil {
		c.anchors = v.anchors()
		c.through = v.st.Through
	}
	v.st.From = after + 1
	return v.st, nil
}

// forgetChainCheck drops what the last check found (a key rotation re-chains every event).
func (s *Service) forgetChainCheck() {
	s.chainCheck.mu.Lock()
	s.chainCheck.anchors, s.chainCheck.through = nil, 0
	s.chainCheck.mu.Unlock()
}

// verify checks every chain from its anchor (its genesis when anchors is nil or names no event),
// scanning the events with an id above after. With recheck, each anchor is an event of the scan
// that must still hold its place and value, and the events below it are only checked for being
// chained; without, the anchors lie before the scan and are trusted.
func (s *Service) verify(ctx context.Context, anchors []anchor, after int64, recheck bool, cp *model.AuditCheckpoint) (*chainVerifier, error) {
	// The heads first: events appended during the scan lie beyond them, and every one up to them
	// must be there.
	heads, err := s.store.AuditHeads(ctx)
	if err != nil {
		return nil, err
	}
	v := &chainVerifier{f: s.sealer.AuditChainer(), heads: heads,
		st: model.AuditChainState{From: after + 1, Head: checkpoint(heads, s.Now()), CheckedAt: s.Now()}}
	if cp != nil {
		if v.cp, err = checkpointValues(cp); err != nil {
			return nil, err
		}
		v.cpTime = cp.Time
	}
	if heads[0].Value == nil {
		// Nothing chained yet (the history is chained when a pindesk holding the key opens it).
		v.st.Intact = true
		return v, nil
	}
	if check := s.sealer.Check(); heads[0].KeyID != check {
		// Every value would mismatch: say why, rather than report the first event as changed.
		return nil, fmt.Errorf("verify the audit chain: %w", &store.ChainKeyError{Held: secret.KeyID(check), Recorded: secret.KeyID(heads[0].KeyID)})
	}
	for c := range v.pos {
		p := &v.pos[c]
		p.next, p.prev, p.seen = 1, store.Genesis(v.f, c), true
		if anchors != nil && anchors[c].value != nil {
			a := anchors[c]
			p.next, p.before, p.prev, p.lastID = a.seq+1, a.prev, a.value, a.id
			if recheck && a.id > 0 {
				p.anchor, p.seen = a, false
				v.st.Through = max(v.st.Through, a.id)
			}
		}
	}
	err = s.store.ScanAudit(ctx, after, v.event)
	if err != nil && !errors.Is(err, errStop) {
		return nil, err
	}
	if v.st.Break == nil {
		v.end()
	}
	v.st.Intact = v.st.Break == nil
	return v, nil
}

// checkpointValues reads a checkpoint's heads as chain → head, refusing one that is malformed.
func checkpointValues(cp *model.AuditCheckpoint) (map[int]cpHead, error) {
	out := map[int]cpHead{}
	for _, h := range cp.Heads {
		value, err := hex.DecodeString(h.Value)
		switch {
		case h.Chain < 0 || h.Chain >= store.AuditChains:
			return nil, fmt.Errorf("%w: the checkpoint names chain %d; there are chains 0 to %d", model.ErrInvalidInput, h.Chain, store.AuditChains-1)
		case err != nil || len(value) == 0 || h.Seq < 0:
			return nil, fmt.Errorf("%w: the checkpoint's value for chain %d is not hex", model.ErrInvalidInput, h.Chain)
		}
		if _, dup := out[h.Chain]; dup {
			return nil, fmt.Errorf("%w: the checkpoint names chain %d twice", model.ErrInvalidInput, h.Chain)
		}
		out[h.Chain] = cpHead{h.Seq, value}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: the checkpoint names no chain head", model.ErrInvalidInput)
	}
	return out, nil
}

type cpHead struct {
	seq   int64
	value []byte
}

// chainPos is where the scan stands in one chain.
type chainPos struct {
	next   int64               // the seq the chain's next event must have
	prev   []byte              // the chain value of the event before it
	before []byte              // the chain value before that one
	lastID int64               // the id of the chain's last event found intact
	gap    *store.ChainedEvent // an event past a gap, held until the next tells deleted from reordered
	anchor anchor              // with recheck: the event the last check ended on
	seen   bool                // the anchor was met again (or needs not be)
}

// chainVerifier walks the events in id order (the order they were appended in), each chain on its
// own.
type chainVerifier struct {
	f      store.ChainFunc
	heads  []store.AuditHead
	cp     map[int]cpHead
	cpTime time.Time
	st     model.AuditChainState
	pos    [store.AuditChains]chainPos
	buf    []byte
}

// anchors is where every chain stood at the end of an intact scan.
func (v *chainVerifier) anchors() []anchor {
	out := make([]anchor, len(v.pos))
	for c, p := range v.pos {
		out[c] = anchor{seq: p.next - 1, value: p.prev, prev: p.before, id: p.lastID}
	}
	return out
}

func (v *chainVerifier) fail(kind model.AuditBreakKind, c int, seq, id int64, format string, args ...any) error {
	v.st.Break = &model.AuditBreak{Kind: kind, Chain: c, Seq: seq, ID: id, Detail: fmt.Sprintf(format, args...)}
	return errStop
}

func (v *chainVerifier) event(ce store.ChainedEvent) error {
	c := ce.ChainID
	if ce.Seq == 0 || ce.Chain == nil || c < 0 || c >= store.AuditChains {
		return v.fail(model.AuditInserted, max(c, 0), 0, ce.ID, "event #%d carries no chain value: it was inserted outside pindesk", ce.ID)
	}
	p := &v.pos[c]
	if !p.seen {
		a := p.anchor
		switch {
		case ce.ID < a.id:
			return nil // checked before, up to the anchor
		case ce.ID == a.id:
			v.buf = store.CanonicalAudit(v.buf[:0], c, ce.Seq, ce.AuditEvent)
			if ce.Seq != a.seq || !bytes.Equal(ce.Chain, a.value) || !bytes.Equal(v.f(a.prev, v.buf), a.value) {
				return v.fail(model.AuditChanged, c, a.seq, ce.ID, "event #%d, found intact by the last check as chain %d #%d, was changed since", ce.ID, c, a.seq)
			}
			p.seen = true
			return nil
		default:
			return v.fail(model.AuditDeleted, c, a.seq, ce.ID, "event #%d (chain %d #%d), found intact by the last check, is missing: it was deleted", a.id, c, a.seq)
		}
	}
	if p.gap != nil {
		g := p.gap
		if ce.Seq < g.Seq {
			return v.fail(model.AuditReordered, c, p.next, ce.ID, "event #%d (chain %d #%d) comes after #%d (chain %d #%d): events were reordered", ce.ID, c, ce.Seq, g.ID, c, g.Seq)
		}
		return v.deleted(c, g)
	}
	switch {
	case ce.Seq == p.next-1:
		return v.fail(model.AuditInserted, c, p.next, ce.ID, "event #%d repeats chain %d #%d: an event was inserted", ce.ID, c, ce.Seq)
	case ce.Seq < p.next:
		return v.fail(model.AuditReordered, c, p.next, ce.ID, "event #%d (chain %d #%d) comes after chain %d #%d: events were reordered", ce.ID, c, ce.Seq, c, p.next-1)
	case ce.Seq > p.next:
		g := ce
		p.gap = &g
		return nil
	}
	v.buf = store.CanonicalAudit(v.buf[:0], c, ce.Seq, ce.AuditEvent)
	value := v.f(p.prev, v.buf)
	if !bytes.Equal(value, ce.Chain) {
		return v.fail(model.AuditChanged, c, ce.Seq, ce.ID, "event #%d (chain %d #%d) was changed, or another put in its place: its chain value does not match", ce.ID, c, ce.Seq)
	}
	if h, ok := v.cp[c]; ok && ce.Seq == h.seq && !bytes.Equal(value, h.value) {
		return v.fail(model.AuditCheckpointMismatch, c, ce.Seq, ce.ID, "event #%d (chain %d #%d) does not carry the checkpoint's value: the history up to it was rewritten since the checkpoint of %s", ce.ID, c, ce.Seq, v.cpTime.Format("2006-01-02 15:04:05Z07:00"))
	}
	if h := v.heads[c]; ce.Seq == h.Seq && !bytes.Equal(value, h.Value) {
		return v.fail(model.AuditHeadMismatch, c, ce.Seq, ce.ID, "chain %d's head does not match event #%d (chain %d #%d), the last it records", c, ce.ID, c, ce.Seq)
	}
	p.before, p.prev, p.lastID = p.prev, value, ce.ID
	p.next++
	v.st.Through = max(v.st.Through, ce.ID)
	v.st.Events++
	return nil
}

func (v *chainVerifier) deleted(c int, g *store.ChainedEvent) error {
	p := &v.pos[c]
	if p.next == g.Seq-1 {
		return v.fail(model.AuditDeleted, c, p.next, g.ID, "chain %d #%d is missing (the next, event #%d, is #%d): it was deleted", c, p.next, g.ID, g.Seq)
	}
	return v.fail(model.AuditDeleted, c, p.next, g.ID, "chain %d #%d to #%d are missing (the next, event #%d, is #%d): they were deleted", c, p.next, g.Seq-1, g.ID, g.Seq)
}

// end checks what only the end of the scan tells, chain by chain.
func (v *chainVerifier) end() {
	for c := range v.pos {
		p := &v.pos[c]
		switch {
		case p.gap != nil:
			_ = v.deleted(c, p.gap)
			return
		case !p.seen:
			_ = v.fail(model.AuditDeleted, c, p.anchor.seq, 0, "event #%d (chain %d #%d), found intact by the last check, is missing: it was deleted", p.anchor.id, c, p.anchor.seq)
			return
		}
		last := p.next - 1
		if last < v.heads[c].Seq {
			_ = v.fail(model.AuditDeleted, c, p.next, 0, "chain %d ends at #%d but its head records #%d: its last events were deleted", c, last, v.heads[c].Seq)
			return
		}
		if h, ok := v.cp[c]; ok && last < h.seq {
			_ = v.fail(model.AuditCheckpointMismatch, c, p.next, 0, "chain %d ends at #%d, before the checkpoint's #%d: events were deleted and the head rewound (or the checkpoint belongs to another database)", c, last, h.seq)
			return
		}
	}
}

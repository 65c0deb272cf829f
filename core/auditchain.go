package core

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// ChainAuditHistory chains the audit events written before the chain existed (an upgrade), from
// the genesis value, in one transaction; it returns how many. Run once the key is known to be the
// database's: chained under another key, the history would never verify.
func (s *Service) ChainAuditHistory(ctx context.Context) (int, error) {
	return s.store.ChainAuditHistory(ctx)
}

// AuditCheckpoint returns the chain head as a checkpoint to keep apart from the database.
func (s *Service) AuditCheckpoint(ctx context.Context, op model.Operator) (model.AuditCheckpoint, error) {
	if err := op.Require(model.PermAudit); err != nil {
		return model.AuditCheckpoint{}, err
	}
	head, err := s.store.AuditHead(ctx)
	if err != nil {
		return model.AuditCheckpoint{}, err
	}
	return checkpoint(head), nil
}

func checkpoint(h store.AuditHead) model.AuditCheckpoint {
	return model.AuditCheckpoint{Seq: h.Seq, Chain: hex.EncodeToString(h.Chain), Time: h.Time}
}

// errStop ends a scan at the first break.
var errStop = errors.New("stop")

// VerifyAudit recomputes the audit chain from the event with sequence number from (1 when less),
// trusting the stored chain value of the one before it, and reports the first break: an event
// changed, deleted, inserted or reordered, a head that disagrees, or — given a checkpoint held
// apart from the database — a chain that does not reach it with its value. It streams the events
// with one (and on a gap, two) in memory.
func (s *Service) VerifyAudit(ctx context.Context, op model.Operator, from int64, cp *model.AuditCheckpoint) (model.AuditChainState, error) {
	if err := op.Require(model.PermAudit); err != nil {
		return model.AuditChainState{}, err
	}
	from = max(from, 1)
	var cpChain []byte
	if cp != nil {
		var err error
		if cpChain, err = hex.DecodeString(cp.Chain); err != nil || len(cpChain) == 0 || cp.Seq < 0 {
			return model.AuditChainState{}, fmt.Errorf("%w: the checkpoint's chain value is not hex", model.ErrInvalidInput)
		}
	}
	// The head first: events appended during the scan lie beyond it, and every one up to it must be there.
	head, err := s.store.AuditHead(ctx)
	if err != nil {
		return model.AuditChainState{}, err
	}
	v := &chainVerifier{f: s.sealer.AuditChain, head: head, cp: cp, cpChain: cpChain,
		st: model.AuditChainState{From: from, Through: from - 1, Head: checkpoint(head)}}
	if head.Chain == nil {
		// Nothing chained yet (the history is chained when a pindesk holding the key opens it).
		v.st.Intact = true
		return v.st, nil
	}
	v.next = from
	if from == 1 {
		v.prev = s.sealer.AuditChain(nil, store.AuditGenesis)
	} else {
		// The event before from anchors the check: its stored value is trusted.
		err := s.store.ScanAudit(ctx, from-1, func(ce store.ChainedEvent) error {
			if ce.Seq == from-1 {
				v.prev = ce.Chain
			}
			return errStop
		})
		if err != nil && !errors.Is(err, errStop) {
			return v.st, err
		}
		if v.prev == nil {
			return v.st, fmt.Errorf("%w: no event #%d to start after", model.ErrInvalidInput, from-1)
		}
	}
	err = s.store.ScanAudit(ctx, from, v.event)
	if err != nil && !errors.Is(err, errStop) {
		return v.st, err
	}
	if v.st.Break == nil {
		v.end()
	}
	v.st.Intact = v.st.Break == nil
	return v.st, nil
}

// chainVerifier walks the events in id order (the order they were appended in).
type chainVerifier struct {
	f       store.ChainFunc
	head    store.AuditHead
	cp      *model.AuditCheckpoint
	cpChain []byte
	st      model.AuditChainState
	next    int64  // the seq the next event must have
	prev    []byte // the chain value of the event before it
	buf     []byte
	gap     *store.ChainedEvent // an event past a gap, held until the next tells deleted from reordered
}

func (v *chainVerifier) fail(kind model.AuditBreakKind, seq, id int64, format string, args ...any) error {
	v.st.Break = &model.AuditBreak{Kind: kind, Seq: seq, ID: id, Detail: fmt.Sprintf(format, args...)}
	return errStop
}

func (v *chainVerifier) event(ce store.ChainedEvent) error {
	if v.gap != nil {
		g := v.gap
		if ce.Seq != 0 && ce.Seq < g.Seq {
			return v.fail(model.AuditReordered, v.next, ce.ID, "event #%d (id %d) comes after #%d (id %d): events were reordered", ce.Seq, ce.ID, g.Seq, g.ID)
		}
		return v.deleted(g)
	}
	switch {
	case ce.Seq == 0 || ce.Chain == nil:
		return v.fail(model.AuditInserted, v.next, ce.ID, "event id %d carries no chain value: it was inserted outside pindesk", ce.ID)
	case ce.Seq == v.next-1:
		return v.fail(model.AuditInserted, v.next, ce.ID, "event id %d repeats #%d: an event was inserted", ce.ID, ce.Seq)
	case ce.Seq < v.next:
		return v.fail(model.AuditReordered, v.next, ce.ID, "event #%d (id %d) comes after #%d: events were reordered", ce.Seq, ce.ID, v.next-1)
	case ce.Seq > v.next:
		c := ce
		v.gap = &c
		return nil
	}
	v.buf = store.CanonicalAudit(v.buf[:0], ce.Seq, ce.AuditEvent)
	c := v.f(v.prev, v.buf)
	if !bytes.Equal(c, ce.Chain) {
		return v.fail(model.AuditChanged, ce.Seq, ce.ID, "event #%d (id %d) was changed, or another put in its place: its chain value does not match", ce.Seq, ce.ID)
	}
	if v.cp != nil && ce.Seq == v.cp.Seq && !bytes.Equal(c, v.cpChain) {
		return v.fail(model.AuditCheckpointMismatch, ce.Seq, ce.ID, "event #%d (id %d) does not carry the checkpoint's chain value: the history up to it was rewritten since the checkpoint of %s", ce.Seq, ce.ID, v.cp.Time.Format("2006-01-02 15:04:05Z07:00"))
	}
	if ce.Seq == v.head.Seq && !bytes.Equal(c, v.head.Chain) {
		return v.fail(model.AuditHeadMismatch, ce.Seq, ce.ID, "the chain head does not match event #%d (id %d), the last it records", ce.Seq, ce.ID)
	}
	v.prev = c
	v.st.Through = ce.Seq
	v.st.Events++
	v.next++
	return nil
}

func (v *chainVerifier) deleted(g *store.ChainedEvent) error {
	if v.next == g.Seq-1 {
		return v.fail(model.AuditDeleted, v.next, g.ID, "event #%d is missing (the next, id %d, is #%d): it was deleted", v.next, g.ID, g.Seq)
	}
	return v.fail(model.AuditDeleted, v.next, g.ID, "events #%d to #%d are missing (the next, id %d, is #%d): they were deleted", v.next, g.Seq-1, g.ID, g.Seq)
}

// end checks what only the end of the scan tells.
func (v *chainVerifier) end() {
	if v.gap != nil {
		_ = v.deleted(v.gap)
		return
	}
	last := v.next - 1
	if last < v.head.Seq {
		_ = v.fail(model.AuditDeleted, v.next, 0, "the chain ends at #%d but its head records #%d: the last events were deleted", last, v.head.Seq)
		return
	}
	if v.cp != nil && last < v.cp.Seq {
		_ = v.fail(model.AuditCheckpointMismatch, v.next, 0, "the chain ends at #%d, before the checkpoint's #%d: events were deleted and the head rewound (or the checkpoint belongs to another database)", last, v.cp.Seq)
	}
}

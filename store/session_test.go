package store_test

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// TestTheTicketAndSessionAreChainedOnlyWhenSet: an event without a ticket or a session encodes
// as every event did before the fields existed (so the trail written before verifies as it did),
// and each field, when set, is appended after its own tag byte ('t', then 's'), length-prefixed.
func TestTheTicketAndSessionAreChainedOnlyWhenSet(t *testing.T) {
	e := model.AuditEvent{Time: time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC), Operator: "alice", Role: model.OpAgent,
		Channel: model.ChannelPhone, AccountID: "a-smith", Holder: "c-john", Action: model.ActionVerify, Outcome: "verified"}
	base := store.CanonicalAudit(nil, 3, 7, e)
	if base[len(base)-1] != 0 { // the last byte of a v1 encoding: no replay_of
		t.Fatalf("an event without the new fields does not end as a v1 encoding: % x", base[len(base)-8:])
	}
	field := func(tag byte, s string) []byte {
		return append(binary.BigEndian.AppendUint64([]byte{tag}, uint64(len(s))), s...)
	}
	e.Ticket, e.Session = "INC-4711", "vs_ABC"
	want := append(append(bytes.Clone(base), field('t', "INC-4711")...), field('s', "vs_ABC")...)
	if got := store.CanonicalAudit(nil, 3, 7, e); !bytes.Equal(got, want) {
		t.Fatalf("with a ticket and a session:\n got % x\nwant % x", got, want)
	}
	e.Ticket = ""
	if got := store.CanonicalAudit(nil, 3, 7, e); !bytes.Equal(got, append(bytes.Clone(base), field('s', "vs_ABC")...)) {
		t.Fatalf("with a session alone: % x", got)
	}
}

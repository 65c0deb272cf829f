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

// TestTheTaggedFieldsAreChainedInOneFixedOrder: an event with dual control's fields and the call's
// (an approved unlock under a session) encodes them after the v1 fields in one order, a, q, t, s,
// each only when set, so one event has one encoding whichever feature set which field.
func TestTheTaggedFieldsAreChainedInOneFixedOrder(t *testing.T) {
	e := model.AuditEvent{Time: time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC), Operator: "sue", Role: model.OpSupervisor,
		Channel: model.ChannelPhone, AccountID: "a-smith", Holder: "c-mary", Action: model.ActionUnlock, Outcome: "ok"}
	base := store.CanonicalAudit(nil, 3, 7, e)
	str := func(tag byte, s string) []byte {
		return append(binary.BigEndian.AppendUint64([]byte{tag}, uint64(len(s))), s...)
	}
	e.Approver, e.Request, e.Ticket, e.Session = "sam", 12, "INC-4711", "vs_ABC"
	want := bytes.Clone(base)
	want = append(want, str('a', "sam")...)
	want = binary.BigEndian.AppendUint64(append(want, 'q'), 12)
	want = append(want, str('t', "INC-4711")...)
	want = append(want, str('s', "vs_ABC")...)
	if got := store.CanonicalAudit(nil, 3, 7, e); !bytes.Equal(got, want) {
		t.Fatalf("with all four:\n got % x\nwant % x", got, want)
	}
	// Without the request and the session: the approver, then the ticket.
	e.Request, e.Session = 0, ""
	want = append(append(bytes.Clone(base), str('a', "sam")...), str('t', "INC-4711")...)
	if got := store.CanonicalAudit(nil, 3, 7, e); !bytes.Equal(got, want) {
		t.Fatalf("with the approver and the ticket:\n got % x\nwant % x", got, want)
	}
}

// TestSessionsAreFoldedFromTheTrail: the account's openings and endings, newest first, give its
// live sessions newest first; an event done under a session (a PIN read back) does not end it, a
// session_end ends only the session it names, and an expired one is left out.
func TestSessionsAreFoldedFromTheTrail(t *testing.T) {
	at := time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)
	ttl := 30 * time.Minute
	opened := func(id, caller, holder string, min int) model.AuditEvent {
		return model.AuditEvent{Time: at.Add(time.Duration(min) * time.Minute), Operator: "alice", Channel: model.ChannelPhone,
			Holder: holder, Caller: caller, Action: model.ActionVerify, Outcome: string(model.OutcomeVerified), Ticket: "INC-" + id, Session: id}
	}
	ended := func(id string) model.AuditEvent {
		return model.AuditEvent{Action: model.ActionSessionEnd, Outcome: "ok", Session: id}
	}
	read := model.AuditEvent{Action: model.ActionRead, Outcome: "ok", Session: "vs_john"}
	trail := []model.AuditEvent{ // newest first
		read,
		opened("vs_mary", "", "c-mary", 25),
		ended("vs_old"),
		opened("vs_john", "c-john", "account", 20),
		opened("vs_old", "c-john", "c-john", 10),
		opened("vs_gone", "c-mary", "c-mary", -15), // expired at 09:15
	}
	got := store.LiveSessions("a-smith", trail, at.Add(16*time.Minute), ttl)
	want := []model.VerifySession{
		{ID: "vs_mary", AccountID: "a-smith", Contact: "c-mary", Holder: "c-mary", Operator: "alice", Channel: model.ChannelPhone, Ticket: "INC-vs_mary",
			StartedAt: at.Add(25 * time.Minute), ExpiresAt: at.Add(55 * time.Minute)},
		{ID: "vs_john", AccountID: "a-smith", Contact: "c-john", Holder: "account", Operator: "alice", Channel: model.ChannelPhone, Ticket: "INC-vs_john",
			StartedAt: at.Add(20 * time.Minute), ExpiresAt: at.Add(50 * time.Minute)},
	}
	if len(got) != len(want) {
		t.Fatalf("sessions %+v\nwant %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("session %d: %+v\nwant %+v", i, got[i], want[i])
		}
	}
	if got := store.LiveSessions("a-smith", nil, at, ttl); got == nil || len(got) != 0 {
		t.Fatalf("no trail: %#v, want an empty list (the API's sessions is [] not null)", got)
	}
}

package store_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// The dual-control fields (approver, tag 'a'; request, tag 'q') are covered by the chain, and an
// event without them encodes as every event written before them did.
func TestTheChainCoversTheApproverAndTheRequestOnlyWhenSet(t *testing.T) {
	e := model.AuditEvent{Time: time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC), Operator: "sarah", Role: model.OpSupervisor,
		Channel: model.ChannelPhone, AccountID: "a-1", Holder: "c-1", Action: model.ActionUnlock, Outcome: "ok", Reason: "call-back"}
	plain := store.CanonicalAudit(nil, 3, 7, e)
	if !bytes.HasSuffix(plain, []byte{0}) || bytes.Contains(plain[len(plain)-1:], []byte("a")) {
		t.Fatalf("an event without the fields ends %q", plain[len(plain)-4:])
	}
	withApprover := e
	withApprover.Approver = "sam"
	withRequest := e
	withRequest.Request = 12
	both := withApprover
	both.Request = 12
	seen := map[string]bool{string(plain): true}
	for _, x := range []model.AuditEvent{withApprover, withRequest, both} {
		enc := store.CanonicalAudit(nil, 3, 7, x)
		if !bytes.HasPrefix(enc, plain) {
			t.Fatalf("%+v does not extend the v1 encoding", x)
		}
		if seen[string(enc)] {
			t.Fatalf("%+v encodes as another event", x)
		}
		seen[string(enc)] = true
	}
	if got := store.CanonicalAudit(nil, 3, 7, both)[len(plain):]; !bytes.Equal(got, append(append([]byte{'a', 0, 0, 0, 0, 0, 0, 0, 3}, "sam"...), 'q', 0, 0, 0, 0, 0, 0, 0, 12)) {
		t.Fatalf("the fields encode as %q", got)
	}
}

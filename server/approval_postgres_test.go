package server_test

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/pindesk/pindesk/api"
	"github.com/pindesk/pindesk/model"
)

// TestTwoServersOnOnePostgreSQLDatabaseShareTheApprovalRequests: dual control across two real
// `pindesk serve` processes with pindesk's default settings: a supervisor's reset through one
// server opens a request, which the other server lists; the supervisor cannot approve it through
// either; an admin approves it through the other server, which resets the account, audited with
// both names; the first server then answers it closed.
func TestTwoServersOnOnePostgreSQLDatabaseShareTheApprovalRequests(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the real binary and runs two servers on PostgreSQL")
	}
	d := newPGDesk(t)
	const account, holder, pin = "pg-four-eyes", "c-1", "508213"
	d.must(0, model.OpAdmin, "POST", "/v1/import", map[string]any{"accounts": []model.Account{{ID: account, Number: "720001",
		Name: "Four Eyes", Product: "broadband", UsesPINs: true, Contacts: []model.Contact{{ID: holder, Name: "Eye Holder", Role: model.RoleHolder}}}}}, 200)
	d.must(1, model.OpAdmin, "PUT", pinPath(account, holder, model.KindMaster), map[string]string{"pin": pin}, 200)

	var pend api.ApprovalRequired
	if err := json.Unmarshal(d.must(0, model.OpSupervisor, "POST", "/v1/accounts/"+account+"/reset", map[string]string{"reason": "fraud"}, 202), &pend); err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(pend.Approval.ID, 10)
	var list api.ApprovalList
	if err := json.Unmarshal(d.must(1, model.OpAdmin, "GET", "/v1/approvals", nil, 200), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Approvals) != 1 || list.Approvals[0].ID != pend.Approval.ID || list.Approvals[0].RequestedBy != "two-servers-supervisor" {
		t.Fatalf("server 1 lists %+v", list.Approvals)
	}
	for i := range d.urls {
		d.must(i, model.OpSupervisor, "POST", "/v1/approvals/"+id+"/approve", nil, 403)
	}
	if h := d.holder(1, account, holder); len(h.PINs) != 1 {
		t.Fatalf("a reset waiting for approval revoked PINs: %+v", h)
	}
	var res model.ApprovalResult
	if err := json.Unmarshal(d.must(1, model.OpAdmin, "POST", "/v1/approvals/"+id+"/approve", nil, 200), &res); err != nil {
		t.Fatal(err)
	}
	if res.Reset == nil || res.Reset.RevokedPINs != 1 || len(d.holder(0, account, holder).PINs) != 0 {
		t.Fatalf("approved %+v; the PIN stays", res)
	}
	d.must(0, model.OpAdmin, "POST", "/v1/approvals/"+id+"/approve", nil, 409)
	var ev model.AuditEvent
	body := d.must(0, model.OpSupervisor, "GET", "/v1/audit?account="+account+"&limit=1", nil, 200)
	var page api.AuditResponse
	if err := json.Unmarshal(body, &page); err != nil || len(page.Events) != 1 {
		t.Fatalf("audit: %s", body)
	}
	ev = page.Events[0]
	if ev.Action != model.ActionReset || ev.Operator != "two-servers-supervisor" || ev.Approver != "two-servers-admin" || ev.Request != pend.Approval.ID {
		t.Fatalf("audited %+v", ev)
	}
}

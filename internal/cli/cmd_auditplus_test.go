package cli

import (
	"strings"
	"testing"

	"github.com/pindesk/pindesk/model"
)

// An unlock approved by a second person shows both names on its line of `admin audit`: the
// requester as the operator, the approver and the request's number in the REASON column.
func TestAdminAuditShowsWhoApprovedAnUnlockAndTheRequest(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.env["PINDESK_APPROVAL_UNLOCK"] = "required"
	d.ok("", "admin", "import", goodCSV)
	d.ok("482915\n", "admin", "pin", "set", "--account", "A-1", "--holder", "c1", "--kind", "master")
	for range 6 {
		d.verify("A-1", "c1", "975319")
	}
	if code, _, errOut := d.run("", "admin", "unlock", "--account", "A-1", "--holder", "c1", "--reason", "call-back"); code != 1 || !strings.Contains(errOut, "request #1") {
		t.Fatalf("an unlock under approval.unlock=required: exit %d, %q", code, errOut)
	}
	d.ok("", "admin", "approvals", "approve", "1", "--operator", "bea")
	out, _ := d.ok("", "admin", "audit", "--account", "A-1")
	var unlock string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, " unlock ") {
			unlock = l
		}
	}
	if !strings.Contains(unlock, " ada ") || !strings.Contains(unlock, "call-back; approved by bea; request #1") {
		t.Fatalf("the approved unlock's line %q, want ada asking and bea approving request #1\n%s", unlock, out)
	}
}

// A name stored with a terminal escape (written to the database by other means than pindesk's
// checked commands) reaches the table escaped, as every stored text does.
func TestTheApproverIsEscapedInTheAuditTable(t *testing.T) {
	t.Parallel()
	got := clean(withApproval("", model.AuditEvent{Action: model.ActionApprovalRefuse, Approver: "bea\x1b[2J", Request: 3}))
	if want := `refused by bea\x1b[2J; request #3`; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
}

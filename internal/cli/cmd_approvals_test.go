package cli

import (
	"strings"
	"testing"
)

// An admin's repeat unlock waits for a second person like anyone's; `admin approvals` lists the
// request and another operator refuses it with a reason, or it is approved.
func TestAdminApprovalsListsRefusesAndApprovesARepeatUnlock(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "import", goodCSV)
	d.ok("482915\n", "admin", "pin", "set", "--account", "A-1", "--holder", "c1", "--kind", "master")
	lock := func() {
		for range 6 {
			d.verify("A-1", "c1", "975319")
		}
	}
	lock()
	out, _ := d.ok("", "admin", "unlock", "--account", "A-1", "--holder", "c1", "--reason", "first call-back")
	if !strings.HasPrefix(out, "Unlocked") {
		t.Fatalf("a first unlock: %q", out)
	}
	lock()
	code, _, errOut := d.run("", "admin", "unlock", "--account", "A-1", "--holder", "c1", "--reason", "second call-back")
	if code != 1 || !strings.Contains(errOut, "request #1") {
		t.Fatalf("a repeat unlock: exit %d, %q", code, errOut)
	}
	out, _ = d.ok("", "admin", "approvals", "list")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[0], "ID") ||
		!strings.Contains(lines[1], "unlock") || !strings.Contains(lines[1], "10000001") || !strings.Contains(lines[1], "second call-back") || !strings.Contains(lines[1], "ada") {
		t.Fatalf("list:\n%s", out)
	}
	if code, _, errOut := d.run("", "admin", "approvals", "refuse", "1", "--operator", "bea"); code != 2 || !strings.Contains(errOut, "needs --reason") {
		t.Fatalf("refuse without a reason: exit %d, %q", code, errOut)
	}
	if code, _, errOut := d.run("", "admin", "approvals", "approve", "one"); code != 2 || !strings.Contains(errOut, "not a request number") {
		t.Fatalf("approve one: exit %d, %q", code, errOut)
	}
	out, _ = d.ok("", "admin", "approvals", "refuse", "1", "--reason", "caller failed the call-back", "--operator", "bea")
	if out != "Refused request #1: unlock of 10000001/c1, asked by ada.\n" {
		t.Fatalf("refuse: %q", out)
	}
	if out, _ := d.ok("", "admin", "approvals", "list"); out != "No approval requests are pending.\n" {
		t.Fatalf("list after the refusal: %q", out)
	}
	if code, _, errOut := d.run("", "admin", "approvals", "approve", "1", "--operator", "cy"); code != 1 || !strings.Contains(errOut, "refused by bea") {
		t.Fatalf("approving a refused request: exit %d, %q", code, errOut)
	}
	out, _ = d.ok("", "admin", "audit", "--account", "A-1")
	if !strings.Contains(out, "approval_refuse") || !strings.Contains(out, "approval_request") {
		t.Fatalf("audit:\n%s", out)
	}
}

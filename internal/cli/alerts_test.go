package cli

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/pindesk/pindesk/model"
)

// TestAdminAlertsListsAnOpenAlertAndClearsItWithAReason: an agent's ten wrong PINs across five
// accounts raise an alert; `pindesk admin alerts list` shows it, `clear` refuses it without a
// reason and clears it with one, and the desk verifies at full pace again.
func TestAdminAlertsListsAnOpenAlertAndClearsItWithAReason(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "init")
	svc := d.core()
	ctx := context.Background()
	admin := model.Operator{Name: "ops", Role: model.OpAdmin}
	var accts []model.Account
	for i := range 5 {
		accts = append(accts, model.Account{ID: fmt.Sprintf("al-%d", i), Number: fmt.Sprintf("81000%d", i), Name: "Alerted", Product: "broadband",
			UsesPINs: true, Contacts: []model.Contact{{ID: "c-1", Name: "Holder", Role: model.RoleHolder}}})
	}
	if err := svc.Import(ctx, admin, accts); err != nil {
		t.Fatal(err)
	}
	for _, a := range accts {
		if _, err := svc.Set(ctx, admin, model.PINChange{AccountID: a.ID, Holder: "c-1", Kind: model.KindMaster}, "482915"); err != nil {
			t.Fatal(err)
		}
	}
	if _, errOut := d.ok("", "admin", "alerts", "list"); !strings.Contains(errOut, "No open alerts.") {
		t.Fatalf("list before: %q", errOut)
	}
	for i := range 10 {
		if r, err := svc.Verify(ctx, agent, model.VerifyRequest{AccountID: accts[i%5].ID, Holder: "c-1", PIN: "000001", Channel: model.ChannelPhone}); err != nil || r.Outcome != model.OutcomeMismatch {
			t.Fatalf("wrong PIN %d: %+v %v", i, r, err)
		}
	}
	out, _ := d.ok("", "admin", "alerts", "list")
	alerts, err := svc.OpenAlerts(ctx, admin)
	if err != nil || len(alerts) != 1 {
		t.Fatalf("alerts %+v %v", alerts, err)
	}
	id := alerts[0].ID
	if !strings.Contains(out, id) || !strings.Contains(out, "local:agent") || !strings.Contains(out, "FAILURES") {
		t.Fatalf("list: %q", out)
	}
	if code, _, errOut := d.run("", "admin", "alerts", "clear", id); code == 0 || !strings.Contains(errOut, "reason is required") {
		t.Fatalf("clear without a reason: exit %d, %q", code, errOut)
	}
	if out, _ := d.ok("", "admin", "alerts", "clear", id, "--reason", "agent retrained"); !strings.Contains(out, "Cleared "+id) {
		t.Fatalf("clear: %q", out)
	}
	if _, errOut := d.ok("", "admin", "alerts", "list"); !strings.Contains(errOut, "No open alerts.") {
		t.Fatalf("list after: %q", errOut)
	}
	for range 2 {
		if _, err := svc.Verify(ctx, agent, model.VerifyRequest{AccountID: accts[0].ID, Holder: "c-1", PIN: "482915", Channel: model.ChannelPhone}); err != nil {
			t.Fatalf("after the clear: %v", err)
		}
	}
}

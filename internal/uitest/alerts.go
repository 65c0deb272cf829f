package uitest

import (
	"context"
	"fmt"

	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/model"
)

var _ client.Alerts = (*Backend)(nil)

// OpenAlerts lists the open anomaly alerts, as client.Local does.
func (b *Backend) OpenAlerts(ctx context.Context) ([]model.Alert, error) {
	if err := b.hook(ctx, "alerts", ""); err != nil {
		return nil, err
	}
	return b.cur().local.OpenAlerts(ctx)
}

// ClearAlert clears an anomaly alert, as client.Local does.
func (b *Backend) ClearAlert(ctx context.Context, req model.ClearAlertRequest) error {
	if err := b.hook(ctx, "clear_alert", req.ID); err != nil {
		return err
	}
	return b.cur().local.ClearAlert(ctx, req)
}

// RaiseAlert has the operator op (another desk than the backend's, typically an agent) fail PINs
// across five fresh accounts through the core until the default policy raises an anomaly alert on
// op's desk, and returns the alert.
func (b *Backend) RaiseAlert(op model.Operator) model.Alert {
	b.t.Helper()
	ctx := context.Background()
	db := b.cur()
	p := db.svc.Anomaly()
	for i := range p.Accounts {
		id := fmt.Sprintf("alert-%s-%d", op.Name, i)
		b.AddAccount(model.Account{ID: id, Number: fmt.Sprintf("ALR-%d", i), Name: "Alerted " + id, Product: "broadband", UsesPINs: true,
			Contacts: []model.Contact{{ID: "c-1", Name: "Holder", Role: model.RoleHolder}}})
		b.PutPIN(id, "c-1", model.KindMaster, "482915", b.clock.Now())
	}
	for i := range p.Failures {
		id := fmt.Sprintf("alert-%s-%d", op.Name, i%p.Accounts)
		if _, err := db.svc.Verify(ctx, op, model.VerifyRequest{AccountID: id, Holder: "c-1", PIN: "000001", Channel: model.ChannelPhone}); err != nil {
			b.t.Fatalf("uitest: raise an alert: %v", err)
		}
	}
	alerts, err := db.svc.OpenAlerts(ctx, model.Operator{Name: "uitest", Role: model.OpSupervisor})
	if err != nil || len(alerts) == 0 {
		b.t.Fatalf("uitest: no alert raised: %v", err)
	}
	return alerts[len(alerts)-1]
}

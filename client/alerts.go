package client

import (
	"context"

	"github.com/pindesk/pindesk/api"
	"github.com/pindesk/pindesk/model"
)

// Alerts is implemented by a backend that can show and clear the anomaly alerts (Local, Remote),
// for the app's alerts panel. A supervisor's, trainer's or admin's: another role is refused
// model.ErrNotPermitted.
type Alerts interface {
	// OpenAlerts lists the open anomaly alerts, oldest first.
	OpenAlerts(ctx context.Context) ([]model.Alert, error)
	// ClearAlert clears an open alert with a reason: its desk verifies at full pace again.
	ClearAlert(ctx context.Context, req model.ClearAlertRequest) error
}

var (
	_ Alerts = (*Local)(nil)
	_ Alerts = (*Remote)(nil)
)

func (l *Local) OpenAlerts(ctx context.Context) ([]model.Alert, error) {
	return l.svc.OpenAlerts(ctx, l.op)
}

func (l *Local) ClearAlert(ctx context.Context, req model.ClearAlertRequest) error {
	return l.svc.ClearAlert(ctx, l.op, req)
}

func (r *Remote) OpenAlerts(ctx context.Context) ([]model.Alert, error) {
	var out api.AlertsResponse
	if err := r.call(ctx, r.req(ctx).SetResult(&out), api.Alerts); err != nil {
		return nil, err
	}
	if out.Alerts == nil {
		out.Alerts = []model.Alert{}
	}
	return out.Alerts, nil
}

func (r *Remote) ClearAlert(ctx context.Context, c model.ClearAlertRequest) error {
	if err := present("alert id", c.ID); err != nil {
		return err
	}
	req := r.req(ctx).SetBody(api.ReasonRequest{Reason: c.Reason, Channel: c.Channel})
	return r.call(ctx, req, api.ClearAlert, c.ID)
}

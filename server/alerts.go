package server

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pindesk/pindesk/api"
	"github.com/pindesk/pindesk/model"
)

// alerts lists the open anomaly alerts (a supervisor's, trainer's or admin's).
func (s *Server) alerts(w http.ResponseWriter, r *http.Request, c caller) error {
	if err := c.op.Require(model.PermAlerts); err != nil {
		return err
	}
	if err := newQuery(r).err; err != nil {
		return err
	}
	list, err := s.core.OpenAlerts(r.Context(), c.op)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.AlertsResponse{Alerts: list})
	return nil
}

// clearAlert clears an open alert with a reason: its desk verifies at full pace again.
func (s *Server) clearAlert(w http.ResponseWriter, r *http.Request, c caller) error {
	if err := c.op.Require(model.PermAlerts); err != nil {
		return err
	}
	var body api.ReasonRequest
	if err := decode(w, r, s.maxBody, &body); err != nil {
		return err
	}
	id := r.PathValue("alert")
	if err := s.core.ClearAlert(r.Context(), c.op, model.ClearAlertRequest{ID: id, Reason: body.Reason, Channel: body.Channel}); err != nil {
		return err
	}
	s.log.Warn("anomaly alert cleared", "operator", c.op.Name, "alert", clip(id))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// alertCollector serves the anomaly alerts on /metrics from the database at each scrape, so every
// server of a floor reports the same figures, whichever raised or cleared an alert: the alerts
// open now (a gauge) and every alert ever raised (a counter: alerts are never deleted).
type alertCollector struct {
	counts func(ctx context.Context) (open, raised int, err error)
	open   *prometheus.Desc
	raised *prometheus.Desc
}

func newAlertCollector(counts func(ctx context.Context) (int, int, error)) *alertCollector {
	return &alertCollector{counts: counts,
		open:   prometheus.NewDesc("pindesk_alerts_open", "Anomaly alerts open now: desks slowed after failing PINs across many accounts (the database's figure, the same on every server).", nil, nil),
		raised: prometheus.NewDesc("pindesk_alerts_raised_total", "Anomaly alerts ever raised (the database's figure, the same on every server).", nil, nil),
	}
}

func (c *alertCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.open; ch <- c.raised }

func (c *alertCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	open, raised, err := c.counts(ctx)
	if err != nil {
		// A scrape that cannot read the database says so rather than report zero alerts.
		ch <- prometheus.NewInvalidMetric(c.open, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.open, prometheus.GaugeValue, float64(open))
	ch <- prometheus.MustNewConstMetric(c.raised, prometheus.CounterValue, float64(raised))
}

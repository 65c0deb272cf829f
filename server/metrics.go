package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/pindesk/pindesk/model"
)

// metrics are the server's Prometheus series. Labels are bounded: a route is its pattern (never
// the path with ids in it), an outcome one of model.Outcomes.
type metrics struct {
	registry       *prometheus.Registry
	requests       *prometheus.CounterVec
	latency        *prometheus.HistogramVec
	inFlight       prometheus.Gauge
	verifications  *prometheus.CounterVec
	locks          prometheus.Counter
	rateLimited    *prometheus.CounterVec
	unlocks        prometheus.Counter
	unlocksLimited prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pindesk_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "pindesk_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "pindesk_http_requests_in_flight",
			Help: "HTTP requests being answered.",
		}),
		verifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pindesk_verifications_total",
			Help: "Verification answers given, by outcome (an idempotent replay is answered, and counted here, again).",
		}, []string{"outcome"}),
		locks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "pindesk_holder_locks_total",
			Help: "PIN holders locked by a wrong PIN reaching the failure limit.",
		}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pindesk_rate_limited_total",
			Help: "Verifications refused by a rate limit, by the limit that refused (token or account).",
		}, []string{"limit"}),
		unlocks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "pindesk_unlocks_total",
			Help: "PIN holders unlocked through the API.",
		}),
		unlocksLimited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "pindesk_unlocks_rate_limited_total",
			Help: "Unlocks refused, and not performed, by the per-token unlock limit.",
		}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.inFlight, m.verifications, m.locks, m.rateLimited, m.unlocks, m.unlocksLimited,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Every outcome and limit appears from the start, so a rate() over them never has a gap.
	for _, o := range model.Outcomes {
		m.verifications.WithLabelValues(string(o))
	}
	m.rateLimited.WithLabelValues("token")
	m.rateLimited.WithLabelValues("account")
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// verified records one verification answer.
func (m *metrics) verified(res model.VerifyResult) {
	m.verifications.WithLabelValues(string(res.Outcome)).Inc()
	if len(res.Compared) > 0 { // a caller's verification: each holder it locked is a lock
		for _, h := range res.Compared {
			if h.Counted && h.LockedSince != nil {
				m.locks.Inc()
			}
		}
		return
	}
	if res.Outcome == model.OutcomeMismatch && res.LockedSince != nil {
		m.locks.Inc()
	}
}

// instrument counts and times every request under its route pattern.
func (m *metrics) instrument(route string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		m.inFlight.Inc()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			m.inFlight.Dec()
			code := sw.status
			if code == 0 {
				code = http.StatusOK
			}
			m.requests.WithLabelValues(route, r.Method, strconv.Itoa(code)).Inc()
			m.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
		}()
		next.ServeHTTP(sw, r)
	})
}

// statusWriter remembers the status code a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (the export extends its deadline).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Registerer is where a part of `pindesk serve` outside the HTTP server (the notice deliverer)
// registers its series, so they are served on /metrics with the rest.
func (s *Server) Registerer() prometheus.Registerer { return s.metrics.registry }

package config

import (
	"fmt"
	"time"

	"github.com/pindesk/pindesk/model"
)

// The anomaly alert keys (issue 12) join the table at start; they live here so the feature is in
// one file.
func init() {
	sections["anomaly"] = true
	settings = append(settings,
		integer("anomaly.failures", "wrong PINs by one desk (API token, or local operator) within anomaly.window that raise an alert; 0: no alerts", func(s *Settings) *int { return &s.Anomaly.Failures }),
		integer("anomaly.accounts", "distinct accounts those wrong PINs must be spread over", func(s *Settings) *int { return &s.Anomaly.Accounts }),
		duration("anomaly.window", "the rolling window anomaly.failures counts in", func(s *Settings) *time.Duration { return &s.Anomaly.Window }),
		duration("anomaly.slow_interval", "while a desk's alert is open, the least time between two of its verifications", func(s *Settings) *time.Duration { return &s.Anomaly.SlowInterval }),
	)
}

// MaxAnomalyWindow bounds anomaly.window and anomaly.slow_interval: the counts are rows kept for
// the window, and a desk slowed to one verification a day is a desk stopped.
const MaxAnomalyWindow = 24 * time.Hour

func validateAnomaly(p model.AnomalyPolicy, origin map[string]string) []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &Error{Key: key, Source: origin[key], Err: fmt.Errorf(format, args...)})
	}
	if p.Failures < 0 {
		bad("anomaly.failures", "%d must be 0 (no alerts) or more", p.Failures)
	}
	if !p.Enabled() {
		return errs
	}
	if p.Accounts < 1 || p.Accounts > p.Failures {
		bad("anomaly.accounts", "%d must lie within 1..anomaly.failures (%d)", p.Accounts, p.Failures)
	}
	if p.Window < time.Second || p.Window > MaxAnomalyWindow {
		bad("anomaly.window", "%v must lie within 1s..%v", p.Window, MaxAnomalyWindow)
	}
	if p.SlowInterval < time.Second || p.SlowInterval > MaxAnomalyWindow {
		bad("anomaly.slow_interval", "%v must lie within 1s..%v", p.SlowInterval, MaxAnomalyWindow)
	}
	return errs
}

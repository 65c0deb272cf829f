package config

import (
	"fmt"
	"time"

	"github.com/pindesk/pindesk/model"
)

// Approval configures dual control (issue 12, model/approval.go): which unlocks and resets wait
// for a second supervisor's approval, and for how long. Each action is "required" or "off".
type Approval struct {
	Reset        string        // approval.reset: every account reset
	Unlock       string        // approval.unlock: every unlock
	RepeatUnlock string        // approval.repeat_unlock: an unlock of a holder unlocked in the last 24 hours
	TTL          time.Duration // approval.ttl: how long a request waits before it expires
}

func defaultApproval() Approval {
	return Approval{Reset: "required", Unlock: "off", RepeatUnlock: "required", TTL: model.DefaultApprovalTTL}
}

// Policy is the settings as the core takes them (valid settings assumed: see validate).
func (a Approval) Policy() model.ApprovalPolicy {
	reset, _ := model.ParseRequired(a.Reset)
	unlock, _ := model.ParseRequired(a.Unlock)
	repeat, _ := model.ParseRequired(a.RepeatUnlock)
	return model.ApprovalPolicy{Reset: reset, Unlock: unlock, RepeatUnlock: repeat, TTL: a.TTL}
}

// The approval keys join the table at start; they live here so the feature is in one file.
func init() {
	sections["approval"] = true
	settings = append(settings,
		str("approval.reset", "required or off: an account reset waits for a second supervisor's approval", typeString, func(s *Settings) *string { return &s.Approval.Reset }),
		str("approval.unlock", "required or off: every unlock waits for a second supervisor's approval", typeString, func(s *Settings) *string { return &s.Approval.Unlock }),
		str("approval.repeat_unlock", "required or off: an unlock of a holder already unlocked in the last 24 hours waits for a second supervisor's approval", typeString, func(s *Settings) *string { return &s.Approval.RepeatUnlock }),
		duration("approval.ttl", "how long an approval request waits for a second supervisor before it expires", func(s *Settings) *time.Duration { return &s.Approval.TTL }),
	)
}

func (a Approval) validate(origin map[string]string) []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &Error{Key: key, Source: origin[key], Err: fmt.Errorf(format, args...)})
	}
	for key, v := range map[string]string{"approval.reset": a.Reset, "approval.unlock": a.Unlock, "approval.repeat_unlock": a.RepeatUnlock} {
		if _, err := model.ParseRequired(v); err != nil {
			bad(key, "%q (want required or off)", v)
		}
	}
	if a.TTL < time.Minute || a.TTL > 24*time.Hour {
		bad("approval.ttl", "%v must lie within 1m..24h", a.TTL)
	}
	return errs
}

package config

import (
	"fmt"
	"time"
)

// Codes configures the one-time codes an agent has emailed to a calling contact who has no PIN at
// hand (issue 11). They are sent only by a process that delivers email: `pindesk serve` with
// notify.smtp_host set.
type Codes struct {
	TTL        time.Duration // how long a code verifies
	PerContact int           // codes to one contact per rolling hour
	PerToken   int           // codes sent by one API token (one desk) per rolling hour
}

// Defaults of the code settings.
const (
	DefaultCodeTTL        = 10 * time.Minute
	DefaultCodePerContact = 3
	DefaultCodePerToken   = 20
)

func defaultCodes() Codes {
	return Codes{TTL: DefaultCodeTTL, PerContact: DefaultCodePerContact, PerToken: DefaultCodePerToken}
}

// The code keys join the table at start; they live here so the feature is in one file.
func init() {
	sections["code"] = true
	settings = append(settings,
		duration("code.ttl", "how long a code emailed to a calling contact verifies (1m..1h)", func(s *Settings) *time.Duration { return &s.Codes.TTL }),
		integer("code.per_contact_hour", "codes that may be emailed to one contact in a rolling hour", func(s *Settings) *int { return &s.Codes.PerContact }),
		integer("code.per_token_hour", "codes one API token (one desk) may send in a rolling hour", func(s *Settings) *int { return &s.Codes.PerToken }),
	)
}

func (c Codes) validate(origin map[string]string) []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &Error{Key: key, Source: origin[key], Err: fmt.Errorf(format, args...)})
	}
	if c.TTL < time.Minute || c.TTL > time.Hour {
		bad("code.ttl", "%v must lie within 1m..1h", c.TTL)
	}
	if c.PerContact < 1 || c.PerContact > 100 {
		bad("code.per_contact_hour", "%d must lie within 1..100", c.PerContact)
	}
	if c.PerToken < 1 || c.PerToken > 100000 {
		bad("code.per_token_hour", "%d must lie within 1..100000", c.PerToken)
	}
	return errs
}

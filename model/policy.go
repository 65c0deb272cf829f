package model

import (
	"crypto/rand"
	"fmt"
	"io"
	"time"
)

// Policy is the configurable PIN policy. See the package doc for the rules.
type Policy struct {
	Length           int `json:"length"`             // digits in a generated PIN
	MinLength        int `json:"min_length"`         // shortest PIN a customer may choose or an agent may enter
	MaxLength        int `json:"max_length"`         // longest
	MaxRepeat        int `json:"max_repeat"`         // most places one digit may repeat in a row
	MaxSequenceSteps int `json:"max_sequence_steps"` // most +1 or -1 steps in a row
	MaxFailures      int `json:"max_failures"`       // consecutive failures that lock the holder
	// HardLockFailures wrong PINs within HardLockWindow hard-lock the holder, however many unlocks
	// came between them: only the portal or an admin may then unlock (see the package doc).
	HardLockFailures int           `json:"hard_lock_failures"`
	HardLockWindow   time.Duration `json:"hard_lock_window"`
	OneTimeTTL       time.Duration `json:"one_time_ttl"`
	TemporaryTTL     time.Duration `json:"temporary_ttl"`
	// TicketRequired: every verification, unlock and reset of a call needs a ticket
	// (call.ticket_required; see VerifySession).
	TicketRequired bool `json:"ticket_required,omitempty"`
}

// Bounds on any policy's PIN length.
const (
	MinPINLength = 4
	MaxPINLength = 12
)

// DefaultPolicy is the policy pindesk ships with.
func DefaultPolicy() Policy {
	return Policy{
		Length: 6, MinLength: 6, MaxLength: 6,
		MaxRepeat: 3, MaxSequenceSteps: 3, MaxFailures: 6,
		HardLockFailures: 20, HardLockWindow: 24 * time.Hour,
		OneTimeTTL: 24 * time.Hour, TemporaryTTL: 48 * time.Hour,
	}
}

// Validate reports the first setting that makes the policy unusable.
func (p Policy) Validate() error {
	switch {
	case p.MinLength < MinPINLength || p.MaxLength > MaxPINLength || p.MinLength > p.MaxLength:
		return fmt.Errorf("%w: PIN lengths %d..%d must lie within %d..%d", ErrInvalidInput, p.MinLength, p.MaxLength, MinPINLength, MaxPINLength)
	case p.Length < p.MinLength || p.Length > p.MaxLength:
		return fmt.Errorf("%w: generated length %d must lie within %d..%d", ErrInvalidInput, p.Length, p.MinLength, p.MaxLength)
	case p.MaxRepeat < 1:
		return fmt.Errorf("%w: max repeat must be at least 1", ErrInvalidInput)
	case p.MaxSequenceSteps < 1:
		return fmt.Errorf("%w: max sequence steps must be at least 1", ErrInvalidInput)
	case p.MaxFailures < 1 || p.MaxFailures > 100:
		return fmt.Errorf("%w: max failures must be 1..100", ErrInvalidInput)
	case p.HardLockFailures < p.MaxFailures || p.HardLockFailures > 10000:
		return fmt.Errorf("%w: hard-lock failures must be at least max failures (%d) and at most 10000", ErrInvalidInput, p.MaxFailures)
	case p.HardLockWindow < time.Hour || p.HardLockWindow > 90*24*time.Hour:
		return fmt.Errorf("%w: the hard-lock window must be 1h to 2160h (90 days)", ErrInvalidInput)
	case p.OneTimeTTL <= 0 || p.TemporaryTTL <= 0:
		return fmt.Errorf("%w: PIN lifetimes must be positive", ErrInvalidInput)
	}
	return nil
}

// TTL is how long a PIN of the kind lives; zero for one that never expires.
func (p Policy) TTL(k Kind) time.Duration {
	switch k {
	case KindOneTime:
		return p.OneTimeTTL
	case KindTemporary:
		return p.TemporaryTTL
	}
	return 0
}

// ExpiresAt is when a PIN of the kind created at created expires; nil for never.
func (p Policy) ExpiresAt(k Kind, created time.Time) *time.Time {
	ttl := p.TTL(k)
	if ttl == 0 {
		return nil
	}
	t := created.Add(ttl)
	return &t
}

// Canonical checks an entered PIN and returns it unchanged. It refuses, rather than trims or
// repairs, anything that is not MinLength..MaxLength ASCII digits, so the value that is rate-limited,
// compared and audited is exactly what was typed. The error never contains the entry.
func (p Policy) Canonical(entered string) (string, error) {
	if entered == "" {
		return "", fmt.Errorf("%w: empty", ErrInvalidPIN)
	}
	if len(entered) > p.MaxLength || len(entered) < p.MinLength {
		if p.MinLength == p.MaxLength {
			return "", fmt.Errorf("%w: a PIN has %d digits", ErrInvalidPIN, p.MinLength)
		}
		return "", fmt.Errorf("%w: a PIN has %d to %d digits", ErrInvalidPIN, p.MinLength, p.MaxLength)
	}
	for i := 0; i < len(entered); i++ {
		if entered[i] < '0' || entered[i] > '9' {
			return "", fmt.Errorf("%w: digits only", ErrInvalidPIN)
		}
	}
	return entered, nil
}

// Check reports the first rule a chosen PIN breaks, as a *PolicyError; reuse is checked by the
// caller, which alone knows the previous PIN.
func (p Policy) Check(pin string) error {
	if len(pin) < p.MinLength || len(pin) > p.MaxLength {
		if p.MinLength == p.MaxLength {
			return &PolicyError{Rule: RuleLength, Detail: fmt.Sprintf("must have exactly %d digits", p.MinLength)}
		}
		return &PolicyError{Rule: RuleLength, Detail: fmt.Sprintf("must have %d to %d digits", p.MinLength, p.MaxLength)}
	}
	for i := 0; i < len(pin); i++ {
		if pin[i] < '0' || pin[i] > '9' {
			return &PolicyError{Rule: RuleDigits, Detail: "digits only"}
		}
	}
	repeat, steps, dir := 1, 0, 0
	for i := 1; i < len(pin); i++ {
		d := int(pin[i]) - int(pin[i-1])
		if d == 0 {
			repeat++
			if repeat > p.MaxRepeat {
				return &PolicyError{Rule: RuleRepeat, Detail: fmt.Sprintf("no digit may repeat more than %d times in a row", p.MaxRepeat)}
			}
		} else {
			repeat = 1
		}
		if (d == 1 || d == -1) && d == dir {
			steps++
		} else if d == 1 || d == -1 {
			steps, dir = 1, d
		} else {
			steps, dir = 0, 0
		}
		if steps > p.MaxSequenceSteps {
			return &PolicyError{Rule: RuleSequence, Detail: fmt.Sprintf("no run of more than %d ascending or descending digits", p.MaxSequenceSteps+1)}
		}
	}
	return nil
}

// Generate draws a PIN of the policy's length from r (crypto/rand when nil) that passes Check and
// differs from every PIN in avoid. Digits are drawn by rejection sampling, so each is uniform.
func (p Policy) Generate(r io.Reader, avoid ...string) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	buf := make([]byte, p.Length)
	var one [1]byte
	for attempt := 0; attempt < 1000; attempt++ {
		for i := range buf {
			for {
				if _, err := io.ReadFull(r, one[:]); err != nil {
					return "", fmt.Errorf("generate PIN: %w", err)
				}
				if one[0] < 250 { // 250 = 25*10: reject the tail so every digit is equally likely
					buf[i] = '0' + one[0]%10
					break
				}
			}
		}
		pin := string(buf)
		if p.Check(pin) != nil || contains(avoid, pin) {
			continue
		}
		return pin, nil
	}
	return "", fmt.Errorf("generate PIN: no acceptable PIN after 1000 draws")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

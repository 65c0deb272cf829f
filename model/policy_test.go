package model

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"
	"time"
)

func TestPolicyCheckNamesTheRuleAChosenPINBreaks(t *testing.T) {
	p := DefaultPolicy()
	cases := []struct {
		pin  string
		rule string // "" when accepted
	}{
		{"111234", ""},           // three 1s, then 1→2→3→4 is three steps
		{"111123", RuleRepeat},   // four 1s
		{"123945", ""},           // run of three
		{"234567", RuleSequence}, // five ascending steps
		{"987654", RuleSequence}, // five descending steps
		{"123459", RuleSequence}, // four ascending steps
		{"543219", RuleSequence}, // four descending steps
		{"121212", ""},           // alternating is not a run
		{"909090", ""},           // 9→0 is not a step
		{"000111", ""},           // two runs of three
		{"12345", RuleLength},    // too short
		{"1234567", RuleLength},  // too long
		{"12a456", RuleDigits},   // a letter
		{"１２３４５６", RuleLength},   // full-width digits are not ASCII (and longer in bytes)
	}
	for _, c := range cases {
		err := p.Check(c.pin)
		if c.rule == "" {
			if err != nil {
				t.Errorf("Check(%q) refused a valid PIN: %v", c.pin, err)
			}
			continue
		}
		var pe *PolicyError
		if !errors.As(err, &pe) || pe.Rule != c.rule {
			t.Errorf("Check(%q) = %v, want rule %q", c.pin, err, c.rule)
			continue
		}
		if !errors.Is(err, ErrPolicy) {
			t.Errorf("Check(%q) error does not wrap ErrPolicy", c.pin)
		}
		if bytes.Contains([]byte(err.Error()), []byte(c.pin)) {
			t.Errorf("Check(%q) error repeats the PIN: %v", c.pin, err)
		}
	}
}

func TestPolicyRulesFollowTheirSettings(t *testing.T) {
	p := DefaultPolicy()
	p.MaxRepeat, p.MaxSequenceSteps = 2, 1
	if err := p.Check("113579"); err != nil {
		t.Errorf("two repeats and no step allowed: %v", err)
	}
	if err := p.Check("111579"); err == nil {
		t.Error("three repeats accepted with MaxRepeat 2")
	}
	if err := p.Check("123579"); err == nil {
		t.Error("two steps accepted with MaxSequenceSteps 1")
	}
}

func TestGeneratedPINsAlwaysSatisfyThePolicyAndAvoidThePrevious(t *testing.T) {
	for _, length := range []int{4, 6, 8, 12} {
		p := DefaultPolicy()
		p.Length, p.MinLength, p.MaxLength = length, 4, 12
		seen := map[string]bool{}
		for i := 0; i < 2000; i++ {
			pin, err := p.Generate(nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(pin) != length {
				t.Fatalf("length %d: got %d digits", length, len(pin))
			}
			if err := p.Check(pin); err != nil {
				t.Fatalf("generated %q breaks the policy: %v", pin, err)
			}
			seen[pin] = true
		}
		if length >= 6 && len(seen) < 1900 {
			t.Errorf("length %d: only %d distinct PINs in 2000 draws", length, len(seen))
		}
	}
	// With a source that would yield the previous PIN first, the generator draws again.
	p := DefaultPolicy()
	src := bytes.NewReader(append([]byte{1, 3, 5, 8, 0, 2}, []byte{2, 4, 6, 9, 1, 3}...))
	pin, err := p.Generate(src, "135802")
	if err != nil || pin != "246913" {
		t.Fatalf("Generate avoiding 135802 = %q, %v; want 246913", pin, err)
	}
}

func TestGeneratedDigitsAreUniform(t *testing.T) {
	p := DefaultPolicy()
	var counts [10]int
	const draws = 20000
	for i := 0; i < draws; i++ {
		pin, err := p.Generate(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		counts[pin[0]-'0']++
	}
	for d, n := range counts {
		// Expected 2000 each; the policy's rejections barely skew the first digit. 5 sigma ≈ 210.
		if n < 1750 || n > 2250 {
			t.Errorf("first digit %d drawn %d times of %d", d, n, draws)
		}
	}
}

func TestCanonicalRefusesRatherThanRepairs(t *testing.T) {
	p := DefaultPolicy()
	for _, in := range []string{"", " 123456", "123456 ", "12 3456", "12345", "1234567", "12345a", "１２３４５６", "123\x00456"} {
		if got, err := p.Canonical(in); !errors.Is(err, ErrInvalidPIN) {
			t.Errorf("Canonical(%q) = %q, %v; want ErrInvalidPIN", in, got, err)
		}
	}
	if got, err := p.Canonical("004217"); err != nil || got != "004217" {
		t.Errorf("Canonical(004217) = %q, %v", got, err)
	}
}

func TestPolicyValidateRefusesUnusableSettings(t *testing.T) {
	bad := []func(*Policy){
		func(p *Policy) { p.MinLength = 3 },
		func(p *Policy) { p.MaxLength = 13 },
		func(p *Policy) { p.Length = 8 },
		func(p *Policy) { p.MaxFailures = 0 },
		func(p *Policy) { p.MaxRepeat = 0 },
		func(p *Policy) { p.OneTimeTTL = 0 },
		func(p *Policy) { p.HardLockFailures = p.MaxFailures - 1 }, // the cap may not come before the lock
		func(p *Policy) { p.HardLockWindow = 0 },
	}
	for i, f := range bad {
		p := DefaultPolicy()
		f(&p)
		if err := p.Validate(); err == nil {
			t.Errorf("case %d: %+v accepted", i, p)
		}
	}
	if err := DefaultPolicy().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestExpiryFollowsTheKind(t *testing.T) {
	p := DefaultPolicy()
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	if p.ExpiresAt(KindMaster, now) != nil {
		t.Error("a master PIN expires")
	}
	if got := *p.ExpiresAt(KindOneTime, now); !got.Equal(now.Add(24 * time.Hour)) {
		t.Errorf("one-time expires at %v", got)
	}
	if got := *p.ExpiresAt(KindTemporary, now); !got.Equal(now.Add(48 * time.Hour)) {
		t.Errorf("temporary expires at %v", got)
	}
}

func TestTheLengthRuleSaysExactlyWhenOnlyOneLengthIsAllowed(t *testing.T) {
	fixed, ranged := DefaultPolicy(), DefaultPolicy()
	ranged.MinLength, ranged.MaxLength = 4, 8
	for _, c := range []struct {
		name string
		p    Policy
		pin  string
		want string
	}{
		{"one length allowed", fixed, "12345", "PIN refused by policy (length): must have exactly 6 digits"},
		{"a range allowed", ranged, "123", "PIN refused by policy (length): must have 4 to 8 digits"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := c.p.Check(c.pin); err == nil || err.Error() != c.want {
				t.Errorf("Check(%q) = %v, want %q", c.pin, err, c.want)
			}
		})
	}
}

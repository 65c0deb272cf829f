package model

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestDecideFollowsTheDecisionTable covers every row of the table in the package doc.
func TestDecideFollowsTheDecisionTable(t *testing.T) {
	p := DefaultPolicy()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) *time.Time { v := now.Add(-d); return &v }
	in := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
	master := PINState{Kind: KindMaster, CreatedAt: now.Add(-time.Hour)}
	oneTime := PINState{Kind: KindOneTime, CreatedAt: now.Add(-time.Hour), ExpiresAt: in(23 * time.Hour)}
	temporary := PINState{Kind: KindTemporary, CreatedAt: now.Add(-time.Hour), ExpiresAt: in(47 * time.Hour)}
	expiredTemp := PINState{Kind: KindTemporary, CreatedAt: now.Add(-49 * time.Hour), ExpiresAt: ago(time.Hour)}
	spentOneTime := PINState{Kind: KindOneTime, CreatedAt: now.Add(-time.Hour), ExpiresAt: in(23 * time.Hour), SpentAt: ago(time.Minute)}
	locked := ago(10 * time.Minute)

	type pin struct {
		state   PINState
		matches bool
	}
	cases := []struct {
		name        string
		usesPINs    bool
		failures    int
		lockedSince *time.Time
		pins        []pin
		outcome     Outcome
		effect      Effect
		spend       bool
		kind        Kind
		left        int
		compared    bool
	}{
		{"a product without PINs answers not applicable and compares nothing", false, 0, nil, []pin{{master, true}}, OutcomeNotApplicable, EffectNone, false, "", 6, false},
		{"a locked holder answers locked and is never compared, even with the right PIN", true, 6, locked, []pin{{master, true}}, OutcomeLocked, EffectNone, false, "", 0, false},
		{"a holder with no PIN on file answers no PIN", true, 0, nil, nil, OutcomeNoPIN, EffectNone, false, "", 6, false},
		{"the right master PIN verifies and resets the count", true, 3, nil, []pin{{master, true}}, OutcomeVerified, EffectSucceed, false, KindMaster, 6, true},
		{"the right one-time PIN verifies and is spent", true, 0, nil, []pin{{oneTime, true}}, OutcomeVerified, EffectSucceed, true, KindOneTime, 6, true},
		{"the right temporary PIN verifies and is not spent", true, 0, nil, []pin{{temporary, true}}, OutcomeVerified, EffectSucceed, false, KindTemporary, 6, true},
		{"a match on master and one-time prefers master and spends nothing", true, 0, nil, []pin{{oneTime, true}, {master, true}}, OutcomeVerified, EffectSucceed, false, KindMaster, 6, true},
		{"an expired PIN entered correctly answers expired without counting", true, 2, nil, []pin{{expiredTemp, true}}, OutcomeExpired, EffectNone, false, KindTemporary, 4, true},
		{"a spent one-time PIN entered correctly answers spent without counting", true, 2, nil, []pin{{spentOneTime, true}}, OutcomeSpent, EffectNone, false, KindOneTime, 4, true},
		{"an active match wins over an expired one", true, 0, nil, []pin{{expiredTemp, true}, {master, true}}, OutcomeVerified, EffectSucceed, false, KindMaster, 6, true},
		{"a wrong PIN is a mismatch and counts", true, 0, nil, []pin{{master, false}, {oneTime, false}}, OutcomeMismatch, EffectCountFailure, false, "", 6, true},
		{"a wrong PIN against only expired PINs still counts", true, 1, nil, []pin{{expiredTemp, false}}, OutcomeMismatch, EffectCountFailure, false, "", 5, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var states []PINState
			for _, p := range c.pins {
				states = append(states, p.state)
			}
			compared := false
			st := HolderState{Failures: c.failures, LockedSince: c.lockedSince}
			d := Decide(p, now, c.usesPINs, st, states, func() []Candidate {
				compared = true
				var out []Candidate
				for _, p := range c.pins {
					out = append(out, Candidate{PIN: p.state, Matches: p.matches})
				}
				return out
			})
			if d.Result.Outcome != c.outcome || d.Effect != c.effect || d.Spend != c.spend || d.Result.MatchedKind != c.kind {
				t.Errorf("got %s effect %d spend %v kind %q; want %s effect %d spend %v kind %q",
					d.Result.Outcome, d.Effect, d.Spend, d.Result.MatchedKind, c.outcome, c.effect, c.spend, c.kind)
			}
			if compared != c.compared {
				t.Errorf("compared = %v, want %v", compared, c.compared)
			}
			if d.Result.AttemptsLeft != c.left || d.Result.MaxAttempts != 6 {
				t.Errorf("attempts left %d of %d, want %d of 6", d.Result.AttemptsLeft, d.Result.MaxAttempts, c.left)
			}
		})
	}
}

func TestCountedFillsAttemptsLeftAndTheLock(t *testing.T) {
	p := DefaultPolicy()
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	d := Decision{Result: VerifyResult{Outcome: OutcomeMismatch, MaxAttempts: 6}, Effect: EffectCountFailure}
	if got := d.Counted(p, 2, nil).Result; got.AttemptsLeft != 4 || got.LockedSince != nil {
		t.Errorf("after 2 failures: %+v", got)
	}
	if got := d.Counted(p, 6, &at).Result; got.AttemptsLeft != 0 || got.LockedSince == nil || got.Outcome != OutcomeMismatch {
		t.Errorf("the failure that locks: %+v", got)
	}
}

func TestPermissionsGiveEachRoleTheLeastItNeeds(t *testing.T) {
	allowed := map[OperatorRole][]Permission{
		OpAgent:      {PermSearch, PermView, PermVerify},
		OpSupervisor: {PermSearch, PermView, PermVerify, PermUnlock, PermReset, PermAudit, PermClearDispute},
		OpTrainer:    {PermSearch, PermView, PermVerify, PermUnlock, PermReset, PermAudit, PermChange, PermClearDispute},
		OpPortal:     {PermView, PermChange, PermReadPIN, PermUnlock, PermDispute},
		OpAdmin:      {PermSearch, PermView, PermChange, PermUnlock, PermReset, PermAudit, PermTokens, PermImport, PermClearDispute},
	}
	for role, perms := range allowed {
		for _, p := range Permissions {
			want := false
			for _, a := range perms {
				want = want || a == p
			}
			if got := role.Permits(p); got != want {
				t.Errorf("%s may %s = %v, want %v", role, p, got, want)
			}
		}
	}
	if OperatorRole("root").Permits(PermSearch) {
		t.Error("an unknown role is permitted something")
	}
	if !OpPortal.Permits(PermReadPIN) || OpAdmin.Permits(PermReadPIN) || OpSupervisor.Permits(PermReadPIN) {
		t.Error("only the portal may read a PIN back")
	}
}

// TestUnlockFollowsTheUnlockRules covers every row of the unlock table in the package doc.
func TestUnlockFollowsTheUnlockRules(t *testing.T) {
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	locked := HolderState{Failures: 6, LockedSince: &at}
	hard := HolderState{Failures: 5, LockedSince: &at, HardLocked: true}
	failing := HolderState{Failures: 2}
	clean := HolderState{}
	cases := []struct {
		name   string
		role   OperatorRole
		state  HolderState
		err    error
		clears bool
	}{
		{"a supervisor may not unlock a hard-locked holder", OpSupervisor, hard, ErrHardLocked, false},
		{"a trainer may not unlock a hard-locked holder", OpTrainer, hard, ErrHardLocked, false},
		{"the portal unlocks a hard-locked holder and clears the window", OpPortal, hard, nil, true},
		{"an admin unlocks a hard-locked holder and clears the window", OpAdmin, hard, nil, true},
		{"nothing to unlock is refused for any role", OpAdmin, clean, ErrNotLocked, false},
		{"a supervisor unlocks a locked holder and keeps the window", OpSupervisor, locked, nil, false},
		{"a supervisor clears failures short of the lock and keeps the window", OpSupervisor, failing, nil, false},
		{"the portal unlocks a locked holder and clears the window", OpPortal, locked, nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clears, err := UnlockClearsWindow(c.role, c.state)
			if err != c.err || clears != c.clears {
				t.Fatalf("got clears %v, %v; want %v, %v", clears, err, c.clears, c.err)
			}
		})
	}
}

func TestTheRollingCapHardLocksAtItsSetting(t *testing.T) {
	p := DefaultPolicy()
	if p.HardLockFailures != 20 || p.HardLockWindow != 24*time.Hour {
		t.Fatalf("default cap %d in %v, want 20 in 24h", p.HardLockFailures, p.HardLockWindow)
	}
	if p.HardLocks(19) || !p.HardLocks(20) {
		t.Fatal("the 20th failure in the window must hard-lock, the 19th not")
	}
	// The failure that hard-locks before MaxFailures answers with no attempt left.
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	d := Decision{Result: VerifyResult{Outcome: OutcomeMismatch, MaxAttempts: 6}, Effect: EffectCountFailure}
	if got := d.Counted(p, 5, &at).Result; got.AttemptsLeft != 0 || got.LockedSince == nil {
		t.Fatalf("hard-locked at the 5th consecutive failure: %+v", got)
	}
}

func TestATrainerChangesPINsOnlyOnADemoDatabase(t *testing.T) {
	for _, p := range Permissions {
		if got, want := OpTrainer.PermitsOn(p, false), OpSupervisor.Permits(p); got != want {
			t.Errorf("trainer on a real database may %s = %v, want a supervisor's %v", p, got, want)
		}
		// On a demo database a trainer also reads a PIN back (the trainer panel), which the API's
		// static check (Permits) never allows.
		if got, want := OpTrainer.PermitsOn(p, true), OpTrainer.Permits(p) || p == PermReadPIN; got != want {
			t.Errorf("trainer on a demo database may %s = %v, want %v", p, got, want)
		}
		for _, r := range []OperatorRole{OpAgent, OpSupervisor, OpPortal, OpAdmin} {
			if r.PermitsOn(p, false) != r.Permits(p) || r.PermitsOn(p, true) != r.Permits(p) {
				t.Errorf("%s's right to %s depends on the demo marker", r, p)
			}
		}
	}
	err := Operator{Name: "tess", Role: OpTrainer}.RequireOn(PermChange, false)
	if !errors.Is(err, ErrNotPermitted) || !strings.Contains(err.Error(), "demo database") {
		t.Fatalf("refusal %v does not say why", err)
	}
}

func TestAVerificationTakesOnlyACallChannel(t *testing.T) {
	for _, s := range []string{"phone", "chat", "other", ""} {
		if _, err := ParseCallChannel(s); err != nil {
			t.Errorf("%q refused: %v", s, err)
		}
	}
	for _, s := range []string{"admin", "portal", "fax"} {
		if _, err := ParseCallChannel(s); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%q accepted: %v", s, err)
		}
	}
}

package model

import (
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
		OpSupervisor: {PermSearch, PermView, PermVerify, PermUnlock, PermReset, PermAudit},
		OpTrainer:    {PermSearch, PermView, PermVerify, PermUnlock, PermReset, PermAudit, PermChange},
		OpPortal:     {PermView, PermChange, PermReadPIN, PermUnlock},
		OpAdmin:      {PermSearch, PermView, PermChange, PermUnlock, PermReset, PermAudit, PermTokens, PermImport},
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

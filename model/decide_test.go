package model

import (
	"errors"
	"reflect"
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
		OpSupervisor: {PermSearch, PermView, PermVerify, PermUnlock, PermReset, PermAudit, PermClearDispute, PermBoard, PermApprove, PermAlerts},
		OpTrainer:    {PermSearch, PermView, PermVerify, PermUnlock, PermReset, PermAudit, PermChange, PermClearDispute, PermBoard, PermApprove, PermAlerts},
		OpPortal:     {PermView, PermChange, PermReadPIN, PermUnlock, PermDispute},
		OpAdmin:      {PermSearch, PermView, PermChange, PermUnlock, PermReset, PermAudit, PermTokens, PermImport, PermClearDispute, PermApprove, PermAlerts},
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

// TestDecideCallerFollowsTheCallerTable covers every row of the caller table in the package doc.
func TestDecideCallerFollowsTheCallerTable(t *testing.T) {
	p := DefaultPolicy()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) *time.Time { v := now.Add(-d); return &v }
	in := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
	master := PINState{Kind: KindMaster, CreatedAt: now.Add(-time.Hour)}
	oneTime := PINState{Kind: KindOneTime, CreatedAt: now.Add(-time.Hour), ExpiresAt: in(23 * time.Hour)}
	expiredTemp := PINState{Kind: KindTemporary, CreatedAt: now.Add(-49 * time.Hour), ExpiresAt: ago(time.Hour)}
	spentOneTime := PINState{Kind: KindOneTime, CreatedAt: now.Add(-time.Hour), ExpiresAt: in(23 * time.Hour), SpentAt: ago(time.Minute)}
	locked := ago(10 * time.Minute)

	type pin struct {
		state   PINState
		matches bool
	}
	type holder struct {
		failures int
		locked   *time.Time
		hard     bool
		pins     []pin
	}
	own := func(pins ...pin) holder { return holder{pins: pins} }
	wide := own
	cases := []struct {
		name     string
		usesPINs bool
		mia, acc holder
		outcome  Outcome
		matched  string // holder whose PIN matched
		kind     Kind
		succeed  bool
		spend    bool
		counted  []string // holders a failure counts against
		compared []string
		skipped  []string
		left     int
	}{
		{"a product without PINs compares nothing", false, own(pin{master, true}), wide(pin{master, true}),
			OutcomeNotApplicable, "", "", false, false, nil, nil, nil, 6},
		{"the account-wide PIN given by a contact verifies and says so", true, own(pin{master, false}), wide(pin{master, true}),
			OutcomeVerified, AccountWide, KindMaster, true, false, nil, []string{"mia", AccountWide}, nil, 6},
		{"the caller's own PIN verifies", true, own(pin{master, true}), wide(pin{master, false}),
			OutcomeVerified, "mia", KindMaster, true, false, nil, []string{"mia", AccountWide}, nil, 6},
		{"a caller with only the account-wide PIN verifies with it", true, own(), wide(pin{master, true}),
			OutcomeVerified, AccountWide, KindMaster, true, false, nil, []string{AccountWide}, nil, 6},
		{"when both match, the unconsumed kind wins over the caller's own one-time PIN", true, own(pin{oneTime, true}), wide(pin{master, true}),
			OutcomeVerified, AccountWide, KindMaster, true, false, nil, []string{"mia", AccountWide}, nil, 6},
		{"when both match with one kind, the caller's own wins", true, own(pin{master, true}), wide(pin{master, true}),
			OutcomeVerified, "mia", KindMaster, true, false, nil, []string{"mia", AccountWide}, nil, 6},
		{"a one-time PIN that matches is spent", true, own(pin{oneTime, true}), wide(),
			OutcomeVerified, "mia", KindOneTime, true, true, nil, []string{"mia"}, nil, 6},
		{"a wrong PIN counts once against each holder compared", true, own(pin{master, false}), wide(pin{master, false}),
			OutcomeMismatch, "", "", false, false, []string{"mia", AccountWide}, []string{"mia", AccountWide}, nil, 6},
		{"a locked account-wide holder is skipped and never compared, even with its right PIN", true,
			own(pin{master, false}), holder{failures: 6, locked: locked, pins: []pin{{master, true}}},
			OutcomeMismatch, "", "", false, false, []string{"mia"}, []string{"mia"}, []string{AccountWide}, 6},
		{"a hard-locked own holder is skipped; the account-wide PIN still verifies", true,
			holder{failures: 4, locked: locked, hard: true, pins: []pin{{master, true}}}, wide(pin{master, true}),
			OutcomeVerified, AccountWide, KindMaster, true, false, nil, []string{AccountWide}, []string{"mia"}, 6},
		{"every holder locked answers locked and compares nothing", true,
			holder{failures: 6, locked: locked, pins: []pin{{master, true}}}, holder{failures: 6, locked: locked, pins: []pin{{master, true}}},
			OutcomeLocked, "", "", false, false, nil, nil, []string{"mia", AccountWide}, 0},
		{"no PIN on file for the caller or the account answers no PIN", true, own(), wide(),
			OutcomeNoPIN, "", "", false, false, nil, nil, nil, 6},
		{"a holder with only expired PINs is passed over: nothing compared, no PIN", true, own(pin{expiredTemp, true}), wide(),
			OutcomeNoPIN, "", "", false, false, nil, nil, nil, 6},
		{"an expired PIN of a compared holder answers expired and counts nowhere", true, own(pin{master, false}, pin{expiredTemp, true}), wide(pin{master, false}),
			OutcomeExpired, "mia", KindTemporary, false, false, nil, []string{"mia", AccountWide}, nil, 6},
		{"a spent one-time PIN answers spent and counts nowhere", true, own(pin{master, false}), wide(pin{master, false}, pin{spentOneTime, true}),
			OutcomeSpent, AccountWide, KindOneTime, false, false, nil, []string{"mia", AccountWide}, nil, 6},
		{"a holder with only an expired PIN is not counted against", true, own(pin{master, false}), wide(pin{expiredTemp, false}),
			OutcomeMismatch, "", "", false, false, []string{"mia"}, []string{"mia"}, nil, 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hs := []holder{c.mia, c.acc}
			ids := []string{"mia", AccountWide}
			var states []HolderState
			for i, h := range hs {
				st := HolderState{Holder: HolderRef{AccountID: "a", ContactID: ids[i]}, Failures: h.failures, LockedSince: h.locked, HardLocked: h.hard}
				for _, p := range h.pins {
					st.PINs = append(st.PINs, p.state)
				}
				states = append(states, st)
			}
			var compared []string
			d := DecideCaller(p, now, c.usesPINs, states, func(i int) []Candidate {
				compared = append(compared, ids[i])
				var out []Candidate
				for _, p := range hs[i].pins {
					out = append(out, Candidate{PIN: p.state, Matches: p.matches})
				}
				return out
			})
			r := d.Result
			if r.Outcome != c.outcome || r.MatchedHolder != c.matched || r.MatchedKind != c.kind || d.Succeed != c.succeed || d.Spend != c.spend {
				t.Errorf("got %s holder %q kind %q succeed %v spend %v; want %s %q %q %v %v",
					r.Outcome, r.MatchedHolder, r.MatchedKind, d.Succeed, d.Spend, c.outcome, c.matched, c.kind, c.succeed, c.spend)
			}
			if c.matched != "" && ids[d.Matched] != c.matched {
				t.Errorf("matched index %d, want %s", d.Matched, c.matched)
			}
			var counted []string
			for _, i := range d.Count {
				counted = append(counted, ids[i])
			}
			var skipped []string
			for _, s := range r.Skipped {
				skipped = append(skipped, s.Holder)
			}
			var reported []string
			for _, s := range r.Compared {
				reported = append(reported, s.Holder)
			}
			if !reflect.DeepEqual(counted, c.counted) || !reflect.DeepEqual(compared, c.compared) || !reflect.DeepEqual(skipped, c.skipped) || !reflect.DeepEqual(reported, c.compared) {
				t.Errorf("counted %v compared %v (reported %v) skipped %v; want %v %v %v", counted, compared, reported, skipped, c.counted, c.compared, c.skipped)
			}
			if r.AttemptsLeft != c.left || r.MaxAttempts != 6 {
				t.Errorf("attempts left %d of %d, want %d of 6", r.AttemptsLeft, r.MaxAttempts, c.left)
			}
		})
	}
}

func TestCallerCountedAnswersPerHolderAndLocksOnlyWhenNothingIsLeft(t *testing.T) {
	p := DefaultPolicy()
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	d := CallerDecision{Matched: -1, Count: []int{0, 1}, Result: VerifyResult{
		Outcome: OutcomeMismatch, MaxAttempts: 6, Compared: []HolderCheck{{Holder: "mia"}, {Holder: AccountWide}}}}
	got := d.Counted(p, []HolderCount{{Failures: 6, LockedSince: &at}, {Failures: 2}}).Result
	if got.AttemptsLeft != 4 || got.LockedSince != nil {
		t.Errorf("one holder locked, one with 4 left: answered %d left, locked %v", got.AttemptsLeft, got.LockedSince)
	}
	if c := got.Compared[0]; !c.Counted || c.AttemptsLeft != 0 || c.LockedSince == nil {
		t.Errorf("the holder locked by the count: %+v", c)
	}
	if c := got.Compared[1]; !c.Counted || c.AttemptsLeft != 4 || c.LockedSince != nil {
		t.Errorf("the holder still open: %+v", c)
	}
	got = d.Counted(p, []HolderCount{{Failures: 6, LockedSince: &at}, {Failures: 5, LockedSince: &at, HardLocked: true}}).Result
	if got.AttemptsLeft != 0 || got.LockedSince == nil || !got.Compared[1].HardLocked {
		t.Errorf("both holders locked by the count: %+v", got)
	}
}

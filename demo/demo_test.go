package demo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pindesk/pindesk/model"
)

// start is a fixed real time, so the tests do not depend on the hour they run.
var start = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func open(t *testing.T, samples int) *Backend {
	t.Helper()
	b, err := Open(context.Background(), Options{Trainer: "Tess", TempDir: t.TempDir(), Now: func() time.Time { return start }, SampleAccounts: samples})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func scenario(t *testing.T, number string) Scenario {
	t.Helper()
	for _, s := range Scenarios() {
		if s.AccountNumber == number {
			return s
		}
	}
	t.Fatalf("no scenario %s", number)
	return Scenario{}
}

func verify(t *testing.T, b *Backend, s Scenario, pin string) model.VerifyResult {
	t.Helper()
	res, err := b.Verify(context.Background(), model.VerifyRequest{AccountID: s.AccountID, Holder: s.Holder, Caller: s.Caller, PIN: pin, Channel: model.ChannelPhone})
	if err != nil {
		t.Fatalf("%s: verify: %v", s.AccountNumber, err)
	}
	return res
}

func holder(t *testing.T, b *Backend, s Scenario) model.HolderState {
	t.Helper()
	v, err := b.Account(context.Background(), s.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	h, ok := v.Holder(s.Holder)
	if !ok {
		t.Fatalf("%s has no holder %s", s.AccountNumber, s.Holder)
	}
	return h
}

// The trainer panel's promise: each scenario answers as it says when its PIN is given.
func TestEveryScenarioAnswersAsItClaims(t *testing.T) {
	t.Parallel()
	for _, s := range Scenarios() {
		t.Run(s.Title, func(t *testing.T) {
			b := open(t, -1)
			pin := s.PIN
			if pin == "" {
				pin = "482915" // any well-formed entry
			}
			if got := verify(t, b, s, pin).Outcome; got != s.Expect {
				t.Errorf("%s answered %s, want %s", s.AccountNumber, got, s.Expect)
			}
		})
	}
}

func TestTheScenariosAreWhatTheirTitlesSay(t *testing.T) {
	t.Parallel()
	b := open(t, -1)
	now := start
	p, _ := b.Policy(context.Background())
	tests := []struct {
		number string
		check  func(t *testing.T, s Scenario, h model.HolderState)
	}{
		{"DEMO-002", func(t *testing.T, s Scenario, h model.HolderState) {
			if left := h.PINs[0].ExpiresAt.Sub(now); left != 20*time.Minute {
				t.Errorf("one-time PIN has %v left, want 20m", left)
			}
		}},
		{"DEMO-003", func(t *testing.T, s Scenario, h model.HolderState) {
			if ago := now.Sub(*h.PINs[0].ExpiresAt); ago != 2*time.Hour {
				t.Errorf("temporary PIN expired %v ago, want 2h", ago)
			}
		}},
		{"DEMO-004", func(t *testing.T, s Scenario, h model.HolderState) {
			if !h.Locked() || h.Failures != p.MaxFailures {
				t.Errorf("holder locked=%v failures=%d, want locked after %d", h.Locked(), h.Failures, p.MaxFailures)
			}
		}},
		{"DEMO-005", func(t *testing.T, s Scenario, h model.HolderState) {
			if h.Locked() || h.Failures != p.MaxFailures-1 {
				t.Errorf("holder locked=%v failures=%d, want %d and unlocked", h.Locked(), h.Failures, p.MaxFailures-1)
			}
		}},
		{"DEMO-006", func(t *testing.T, s Scenario, h model.HolderState) {
			if h.PINs[0].SpentAt == nil || now.Sub(*h.PINs[0].SpentAt) != time.Hour {
				t.Errorf("one-time PIN spent at %v, want an hour ago", h.PINs[0].SpentAt)
			}
		}},
		{"DEMO-007", func(t *testing.T, s Scenario, h model.HolderState) {
			if len(h.PINs) != 0 {
				t.Errorf("holder has %d PINs, want none", len(h.PINs))
			}
		}},
		{"DEMO-010", func(t *testing.T, s Scenario, h model.HolderState) {
			if len(h.PINs) != 2 {
				t.Errorf("holder has %d PINs, want a master and a temporary", len(h.PINs))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.number, func(t *testing.T) {
			s := scenario(t, tt.number)
			tt.check(t, s, holder(t, b, s))
		})
	}
}

func TestTheLockedScenarioNeverComparesTheRightPIN(t *testing.T) {
	t.Parallel()
	b := open(t, -1)
	s := scenario(t, "DEMO-004")
	res := verify(t, b, s, s.PIN)
	if res.Outcome != model.OutcomeLocked || res.LockedSince == nil || start.Sub(*res.LockedSince) > 2*time.Hour {
		t.Errorf("got %+v, want locked about two hours ago", res)
	}
	if err := b.Unlock(context.Background(), model.UnlockRequest{AccountID: s.AccountID, Holder: s.Holder, Reason: "caller verified by callback"}); err != nil {
		t.Fatal(err)
	}
	if got := verify(t, b, s, s.PIN).Outcome; got != model.OutcomeVerified {
		t.Errorf("after unlock the right PIN answered %s", got)
	}
}

func TestOneWrongPINLocksTheLastTryScenario(t *testing.T) {
	t.Parallel()
	b := open(t, -1)
	s := scenario(t, "DEMO-005")
	res := verify(t, b, s, "000000")
	if res.Outcome != model.OutcomeMismatch || res.AttemptsLeft != 0 || res.LockedSince == nil {
		t.Errorf("wrong PIN answered %+v, want mismatch that locks", res)
	}
	if got := verify(t, b, s, s.PIN).Outcome; got != model.OutcomeLocked {
		t.Errorf("then the right PIN answered %s, want locked", got)
	}
}

func TestTheRightPINClearsTheLastTryScenarioCount(t *testing.T) {
	t.Parallel()
	b := open(t, -1)
	s := scenario(t, "DEMO-005")
	res := verify(t, b, s, s.PIN)
	if res.Outcome != model.OutcomeVerified || holder(t, b, s).Failures != 0 {
		t.Errorf("right PIN: %+v, failures %d; want verified and the count cleared", res, holder(t, b, s).Failures)
	}
}

func TestAnExpiredOrSpentPINIsNotCountedAsAGuess(t *testing.T) {
	t.Parallel()
	b := open(t, -1)
	for _, number := range []string{"DEMO-003", "DEMO-006"} {
		s := scenario(t, number)
		verify(t, b, s, s.PIN)
		if f := holder(t, b, s).Failures; f != 0 {
			t.Errorf("%s: %d failures after giving the old PIN, want 0", number, f)
		}
	}
}

func TestTheAccountWidePINIsGivenButNotChangedByASubContact(t *testing.T) {
	t.Parallel()
	b := open(t, -1)
	s := scenario(t, "DEMO-009")
	_, err := b.Generate(context.Background(), model.PINChange{AccountID: s.AccountID, Holder: model.AccountWide, Kind: model.KindMaster, OnBehalfOf: "mia"})
	if !errors.Is(err, model.ErrNotPermitted) {
		t.Errorf("sub-contact changing the account-wide PIN: err = %v, want ErrNotPermitted", err)
	}
	if _, err := b.Generate(context.Background(), model.PINChange{AccountID: s.AccountID, Holder: model.AccountWide, Kind: model.KindMaster, OnBehalfOf: "leo"}); err != nil {
		t.Errorf("sub-account changing the account-wide PIN: %v", err)
	}
}

func TestBothPINsOfTheTwoPINHolderVerify(t *testing.T) {
	t.Parallel()
	b := open(t, -1)
	s := scenario(t, "DEMO-010")
	for _, pin := range []string{"170395", s.PIN} {
		if got := verify(t, b, s, pin); got.Outcome != model.OutcomeVerified {
			t.Errorf("PIN %s answered %s", pin, got.Outcome)
		}
	}
}

func TestAdvancingTheClockExpiresTheOneTimePIN(t *testing.T) {
	t.Parallel()
	b := open(t, -1)
	s := scenario(t, "DEMO-002")
	b.Advance(30 * time.Minute)
	now, _ := b.Now(context.Background())
	if want := start.Add(30 * time.Minute); !now.Equal(want) {
		t.Errorf("now = %v, want %v", now, want)
	}
	if got := verify(t, b, s, s.PIN).Outcome; got != model.OutcomeExpired {
		t.Errorf("after 30 minutes the one-time PIN answered %s, want expired", got)
	}
	b.Advance(-time.Hour)
	if now2, _ := b.Now(context.Background()); !now2.Equal(now) {
		t.Error("a negative advance moved the clock")
	}
}

func TestRestorePutsEveryScenarioBackAndTheClockToNow(t *testing.T) {
	t.Parallel()
	b := open(t, -1)
	ctx := context.Background()
	healthy, oneTime, lastTry := scenario(t, "DEMO-001"), scenario(t, "DEMO-002"), scenario(t, "DEMO-005")
	verify(t, b, oneTime, oneTime.PIN) // spends it
	verify(t, b, lastTry, "000000")    // locks it
	if _, err := b.ResetAccount(ctx, model.ResetRequest{AccountID: healthy.AccountID, Reason: "training"}); err != nil {
		t.Fatal(err)
	}
	b.Advance(48 * time.Hour)
	oldDir := b.gen

	if err := b.Restore(ctx); err != nil {
		t.Fatal(err)
	}
	if b.Clock().Offset() != 0 {
		t.Errorf("clock still %v ahead after restore", b.Clock().Offset())
	}
	for _, s := range Scenarios() {
		pin := s.PIN
		if pin == "" {
			pin = "482915"
		}
		if got := verify(t, b, s, pin).Outcome; got != s.Expect {
			t.Errorf("after restore %s answered %s, want %s", s.AccountNumber, got, s.Expect)
		}
	}
	events, err := b.Audit(ctx, model.AuditQuery{AccountID: healthy.AccountID})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if e.Action == model.ActionReset {
			t.Error("the restored audit trail still holds the trainee's reset")
		}
	}
	if _, err := os.Stat(filepath.Join(b.Dir(), fmt.Sprintf("db%d", oldDir))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the previous database folder remains: %v", err)
	}
}

func TestCloseRemovesEverythingAndEndsTheDemo(t *testing.T) {
	t.Parallel()
	b := open(t, -1)
	dir := b.Dir()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("demo folder %s remains after Close: %v", dir, err)
	}
	if _, err := b.Search(context.Background(), "demo", model.Page{}); !errors.Is(err, ErrClosed) {
		t.Errorf("search after close: %v, want ErrClosed", err)
	}
	if err := b.Restore(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("restore after close: %v, want ErrClosed", err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
}

func TestTheDemoHoldsTheSampleCustomersAndActsAsTheTrainer(t *testing.T) {
	t.Parallel()
	b := open(t, 0)
	ctx := context.Background()
	if op := b.Operator(); op.Name != "Tess" || op.Role != model.OpTrainer {
		t.Errorf("operator = %+v, want Tess the trainer", op)
	}
	res, err := b.Search(ctx, "demo", model.Page{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Accounts) != len(Scenarios()) {
		t.Errorf("searching \"demo\" lists %d accounts, want the %d scenarios", len(res.Accounts), len(Scenarios()))
	}
	res, err = b.Search(ctx, "Riverside", model.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Accounts) == 0 {
		t.Error("no sample account found by a common company word")
	}
}

func TestCallsDuringARestoreSeeOneDatabaseOrTheOther(t *testing.T) {
	t.Parallel()
	b := open(t, -1)
	ctx := context.Background()
	s := scenario(t, "DEMO-001")
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				res, err := b.Verify(ctx, model.VerifyRequest{AccountID: s.AccountID, Holder: s.Holder, PIN: s.PIN, Channel: model.ChannelPhone})
				if err != nil {
					errs <- err
				} else if res.Outcome != model.OutcomeVerified {
					errs <- errors.New(string(res.Outcome))
				}
			}
		}()
	}
	if err := b.Restore(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a call during restore failed: %v", err)
	}
}

func TestScenarioListIsCompleteForTheTrainerPanel(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, s := range Scenarios() {
		if s.Title == "" || s.Demonstrates == "" || s.CallerName == "" || !strings.HasPrefix(s.AccountNumber, "DEMO-") {
			t.Errorf("scenario %+v is missing what the trainer panel shows", s)
		}
		if s.PIN != "" && seen[s.PIN] {
			t.Errorf("PIN %s is used by two scenarios", s.PIN)
		}
		seen[s.PIN] = true
		if (s.PIN == "") != (s.Kind == "") {
			t.Errorf("%s: a PIN without a kind or a kind without a PIN", s.AccountNumber)
		}
	}
	for _, want := range []model.Outcome{model.OutcomeVerified, model.OutcomeExpired, model.OutcomeLocked, model.OutcomeSpent, model.OutcomeNoPIN, model.OutcomeNotApplicable} {
		found := false
		for _, s := range Scenarios() {
			found = found || s.Expect == want
		}
		if !found {
			t.Errorf("no scenario shows %s", want)
		}
	}
}

func BenchmarkOpenWithTheFullSample(b *testing.B) {
	for b.Loop() {
		d, err := Open(context.Background(), Options{TempDir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		d.Close()
	}
}

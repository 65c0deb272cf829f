package core_test

// The core's behaviour over a store — the decision table, lockout, races, audit — is tested end to
// end by the conformance suite (internal/storetest) against every store. These tests cover what is the
// core's alone: its log lines and its enforcement of each role's permissions.

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/internal/storetest"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store/sqlite"
)

func newService(t *testing.T, opts ...core.Option) *core.Service {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, sqlite.Memory)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := storetest.Seed(ctx, st, storetest.Fixture()); err != nil {
		t.Fatal(err)
	}
	// The key Seed chained the audit under: the chains refuse appends under another.
	svc, err := core.New(st, storetest.TestSealer(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

var (
	admin      = model.Operator{Name: "ops", Role: model.OpAdmin}
	agent      = model.Operator{Name: "ann", Role: model.OpAgent}
	supervisor = model.Operator{Name: "sue", Role: model.OpSupervisor}
	portal     = model.Operator{Name: "portal", Role: model.OpPortal}
)

func TestNoLogLineEverCarriesAPIN(t *testing.T) {
	var logs bytes.Buffer
	svc := newService(t, core.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	ctx := context.Background()
	change := model.PINChange{AccountID: storetest.Smith, Holder: storetest.John, Kind: model.KindMaster}
	gen, err := svc.Generate(ctx, admin, change)
	if err != nil {
		t.Fatal(err)
	}
	wrong := "135792"
	if wrong == gen.PIN {
		wrong = "135794"
	}
	for _, pin := range []string{wrong, gen.PIN, wrong} {
		if _, err := svc.Verify(ctx, agent, model.VerifyRequest{AccountID: storetest.Smith, Holder: storetest.John, PIN: pin, Channel: model.ChannelPhone}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.Set(ctx, portal, model.PINChange{AccountID: storetest.Smith, Holder: storetest.John, Kind: model.KindTemporary}, "246813"); err != nil {
		t.Fatal(err)
	}
	if logs.Len() == 0 {
		t.Fatal("nothing was logged: the test would prove nothing")
	}
	for _, pin := range []string{gen.PIN, wrong, "246813"} {
		if strings.Contains(logs.String(), pin) {
			t.Fatalf("a log line carries a PIN:\n%s", logs.String())
		}
	}
}

func TestARoleWithoutTheRightIsRefusedAndNothingIsWritten(t *testing.T) {
	svc := newService(t)
	ctx := context.Background()
	h := model.PINChange{AccountID: storetest.Smith, Holder: storetest.John, Kind: model.KindMaster}
	if _, err := svc.Generate(ctx, admin, h); err != nil {
		t.Fatal(err)
	}
	before, err := svc.Audit(ctx, supervisor, model.AuditQuery{AccountID: storetest.Smith})
	if err != nil {
		t.Fatal(err)
	}
	refused := map[string]func() error{
		"an agent generating a PIN": func() error { _, err := svc.Generate(ctx, agent, h); return err },
		"an agent unlocking": func() error {
			return svc.Unlock(ctx, agent, model.UnlockRequest{AccountID: storetest.Smith, Holder: storetest.John, Reason: "r"})
		},
		"an agent resetting an account": func() error {
			_, err := svc.ResetAccount(ctx, agent, model.ResetRequest{AccountID: storetest.Smith, Reason: "r"})
			return err
		},
		"an agent reading the audit":      func() error { _, err := svc.Audit(ctx, agent, model.AuditQuery{}); return err },
		"a supervisor reading a PIN back": func() error { _, err := svc.ReadPIN(ctx, supervisor, h); return err },
		"an admin reading a PIN back":     func() error { _, err := svc.ReadPIN(ctx, admin, h); return err },
		"an admin verifying": func() error {
			_, err := svc.Verify(ctx, admin, model.VerifyRequest{AccountID: storetest.Smith, Holder: storetest.John, PIN: "135792"})
			return err
		},
		"the portal verifying": func() error {
			_, err := svc.Verify(ctx, portal, model.VerifyRequest{AccountID: storetest.Smith, Holder: storetest.John, PIN: "135792"})
			return err
		},
		"an agent importing": func() error { return svc.Import(ctx, agent, storetest.Fixture()) },
	}
	for name, call := range refused {
		if err := call(); !errors.Is(err, model.ErrNotPermitted) {
			t.Errorf("%s: err = %v, want ErrNotPermitted", name, err)
		}
	}
	after, err := svc.Audit(ctx, supervisor, model.AuditQuery{AccountID: storetest.Smith})
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("refused calls wrote %d audit events", len(after)-len(before))
	}
	view, err := svc.Account(ctx, agent, storetest.Smith)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := view.Holder(storetest.John); st.Failures != 0 || len(st.PINs) != 1 {
		t.Errorf("refused calls changed the holder: %+v", st)
	}
}

// TestTheEmbeddedAppsMalformedEntryIsAuditedAsRefused: the terminal app calls the core directly
// (client.Local), with no server in between; a malformed entry from it is refused and audited
// just as one sent over HTTP, with the rule it broke and never the entry.
func TestTheEmbeddedAppsMalformedEntryIsAuditedAsRefused(t *testing.T) {
	svc := newService(t)
	ctx := context.Background()
	for _, entry := range []string{"abc", "9876x5", "98765"} {
		_, err := svc.Verify(ctx, agent, model.VerifyRequest{AccountID: storetest.Smith, Holder: storetest.John, PIN: entry, Channel: model.ChannelPhone})
		if !errors.Is(err, model.ErrInvalidPIN) {
			t.Fatalf("entry %q: error %v, want ErrInvalidPIN", entry, err)
		}
	}
	events, err := svc.Audit(ctx, supervisor, model.AuditQuery{AccountID: storetest.Smith})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 3 {
		t.Fatalf("%d audit events, want one per malformed entry (3)", len(events))
	}
	for _, e := range events {
		if e.Outcome != "refused" || e.Action != model.ActionVerify || e.Operator != agent.Name || e.Holder != storetest.John || e.Reason == "" {
			t.Errorf("event %+v, want a verify refused by ann for John with a reason", e)
		}
		for _, part := range []string{"abc", "9876"} {
			if strings.Contains(e.Reason, part) {
				t.Errorf("the reason %q carries the entry", e.Reason)
			}
		}
	}
}

package storetest

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

func runChanges(t *testing.T, newStore func(t *testing.T) store.Store) {
	john := ref(Smith, John)
	change := func(h model.HolderRef, kind model.Kind) model.PINChange {
		return model.PINChange{AccountID: h.AccountID, Holder: h.ContactID, Kind: kind, OnBehalfOf: onBehalf(h)}
	}

	t.Run("generating a PIN replaces the previous one of its kind and no other", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindTemporary, "615283")
		first := e.generate(john, model.KindMaster)
		second := e.generate(john, model.KindMaster)
		if first == second {
			t.Fatalf("a new PIN equals the one it replaces (%d digits)", len(first))
		}
		for _, pin := range []string{first, second} {
			if len(pin) != 6 {
				t.Fatalf("generated PIN has %d digits, want 6", len(pin))
			}
			if err := model.DefaultPolicy().Check(pin); err != nil {
				t.Fatalf("generated PIN breaks the policy: %v", err)
			}
		}
		e.mustVerify(john, first, model.OutcomeMismatch)
		r := e.mustVerify(john, second, model.OutcomeVerified)
		if r.MatchedKind != model.KindMaster {
			t.Fatalf("matched %q, want master", r.MatchedKind)
		}
		r = e.mustVerify(john, "615283", model.OutcomeVerified)
		if r.MatchedKind != model.KindTemporary {
			t.Fatalf("the temporary PIN was touched: matched %q", r.MatchedKind)
		}
		if st := e.state(john); len(st.PINs) != 2 {
			t.Fatalf("John has %d PINs, want 2 (master, temporary)", len(st.PINs))
		}
	})

	t.Run("a new one-time PIN replaces a spent one and verifies", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindOneTime, "482915")
		e.mustVerify(john, "482915", model.OutcomeVerified)
		e.set(john, model.KindOneTime, "730164")
		e.mustVerify(john, "730164", model.OutcomeVerified)
	})

	t.Run("a chosen PIN is refused naming the rule it breaks, and nothing changes", func(t *testing.T) {
		tests := []struct {
			name, before, pin, rule string
		}{
			{"a digit repeated four times", "", "111123", model.RuleRepeat},
			{"an ascending run of six", "", "234567", model.RuleSequence},
			{"a descending run of six", "", "987654", model.RuleSequence},
			{"too short", "", "48291", model.RuleLength},
			{"not all digits", "", "48a915", model.RuleDigits},
			{"the current PIN", "482915", "482915", model.RuleReuse},
			{"the PIN before the current one", "482915,730164", "482915", model.RuleReuse},
			{"a cleared PIN", "482915,clear", "482915", model.RuleReuse},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				e := newEnv(t, newStore)
				for _, step := range bytes.Split([]byte(tc.before), []byte(",")) {
					switch string(step) {
					case "":
					case "clear":
						if err := e.svc.Clear(e.ctx, Portal, change(john, model.KindMaster)); err != nil {
							t.Fatal(err)
						}
					default:
						e.set(john, model.KindMaster, string(step))
					}
				}
				before := e.state(john)
				err := e.trySet(john, model.KindMaster, tc.pin)
				var pe *model.PolicyError
				if !errors.As(err, &pe) || pe.Rule != tc.rule || !errors.Is(err, model.ErrPolicy) {
					t.Fatalf("set %s: error %v, want a policy error naming rule %q", tc.name, err, tc.rule)
				}
				after := e.state(john)
				if len(after.PINs) != len(before.PINs) || (len(after.PINs) > 0 && !after.PINs[0].CreatedAt.Equal(before.PINs[0].CreatedAt)) {
					t.Fatalf("a refused PIN changed the holder from %+v to %+v", before, after)
				}
			})
		}
	})

	t.Run("a PIN differing from the last two of its kind may be set, and kinds do not restrict each other", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, "482915")
		e.set(john, model.KindMaster, "730164")
		e.set(john, model.KindMaster, "615283")
		e.set(john, model.KindMaster, "482915") // two PINs ago: allowed again
		e.set(john, model.KindTemporary, "482915")
		e.mustVerify(john, "482915", model.OutcomeVerified)
	})

	t.Run("a locked holder's PINs cannot be set, generated or cleared until unlocked", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, "482915")
		e.lock(john)
		wantErr(t, e.trySet(john, model.KindMaster, "730164"), model.ErrLocked)
		_, err := e.svc.Generate(e.ctx, Portal, change(john, model.KindOneTime))
		wantErr(t, err, model.ErrLocked)
		wantErr(t, e.svc.Clear(e.ctx, Portal, change(john, model.KindMaster)), model.ErrLocked)
		if st := e.state(john); len(st.PINs) != 1 || st.Failures != 6 {
			t.Fatalf("refused changes touched the holder: %+v", st)
		}
		e.unlock(john)
		e.set(john, model.KindMaster, "730164")
		e.mustVerify(john, "730164", model.OutcomeVerified)
	})

	t.Run("a sub-contact may not change the account-wide PIN", func(t *testing.T) {
		e := newEnv(t, newStore)
		acct := ref(Smith, model.AccountWide)
		req := model.PINChange{AccountID: Smith, Holder: model.AccountWide, Kind: model.KindMaster, OnBehalfOf: Pat}
		_, err := e.svc.Generate(e.ctx, Portal, req)
		wantErr(t, err, model.ErrNotPermitted)
		_, err = e.svc.Set(e.ctx, Portal, req, "482915")
		wantErr(t, err, model.ErrNotPermitted)
		e.set(acct, model.KindMaster, "730164") // by John, the holder
		wantErr(t, e.svc.Clear(e.ctx, Portal, req), model.ErrNotPermitted)
		req.OnBehalfOf = ""
		_, err = e.svc.Set(e.ctx, Portal, req, "482915")
		wantErr(t, err, model.ErrInvalidInput) // the portal must say who asks
		req.OnBehalfOf = Mary                  // a sub-account may
		if _, err := e.svc.Set(e.ctx, Portal, req, "482915"); err != nil {
			t.Fatalf("a sub-account setting the account-wide PIN: %v", err)
		}
		e.mustVerify(acct, "482915", model.OutcomeVerified)
		// A contact's own PIN is theirs: a sub-contact manages it, nobody else's.
		if _, err := e.svc.Set(e.ctx, Portal, model.PINChange{AccountID: Smith, Holder: Pat, Kind: model.KindMaster, OnBehalfOf: Pat}, "615283"); err != nil {
			t.Fatalf("a sub-contact setting their own PIN: %v", err)
		}
		_, err = e.svc.Set(e.ctx, Portal, model.PINChange{AccountID: Smith, Holder: John, Kind: model.KindMaster, OnBehalfOf: Pat}, "615283")
		wantErr(t, err, model.ErrNotPermitted)
	})

	t.Run("an agent may not change PINs", func(t *testing.T) {
		e := newEnv(t, newStore)
		_, err := e.svc.Set(e.ctx, Agent, change(john, model.KindMaster), "482915")
		wantErr(t, err, model.ErrNotPermitted)
		if st := e.state(john); len(st.PINs) != 0 {
			t.Fatalf("an agent's refused change stored %+v", st.PINs)
		}
	})

	t.Run("unlocking clears the lock and the count, with a reason", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, "482915")
		e.lock(john)
		wantErr(t, e.svc.Unlock(e.ctx, Supervisor, model.UnlockRequest{AccountID: Smith, Holder: John, Reason: "  "}), model.ErrInvalidInput)
		wantErr(t, e.svc.Unlock(e.ctx, Agent, model.UnlockRequest{AccountID: Smith, Holder: John, Reason: "please"}), model.ErrNotPermitted)
		e.unlock(john)
		if st := e.state(john); st.Locked() || st.Failures != 0 {
			t.Fatalf("after unlock: %+v", st)
		}
		ev := e.audit(Smith)[0]
		if ev.Action != model.ActionUnlock || ev.Operator != Supervisor.Name || ev.Reason != "caller identified by callback" {
			t.Fatalf("unlock audited as %+v", ev)
		}
		wantErr(t, e.svc.Unlock(e.ctx, Supervisor, model.UnlockRequest{AccountID: Smith, Holder: John, Reason: "again"}), model.ErrNotLocked)
		r := e.mustVerify(john, wrongPIN(1), model.OutcomeMismatch)
		if r.AttemptsLeft != 5 {
			t.Fatalf("after unlock a wrong PIN leaves %d attempts, want 5", r.AttemptsLeft)
		}
		e.mustVerify(john, "482915", model.OutcomeVerified)
	})

	t.Run("resetting an account revokes all its PINs and locks, and no other account's", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, "482915")
		e.set(john, model.KindOneTime, "730164")
		e.set(ref(Smith, model.AccountWide), model.KindTemporary, "615283")
		e.set(ref(Smith, Mary), model.KindMaster, "482915")
		e.set(ref(Acme, Wile), model.KindMaster, "482915")
		e.set(ref(Acme, model.AccountWide), model.KindMaster, "730164")
		e.lock(ref(Smith, Mary))
		e.mustVerify(john, wrongPIN(1), model.OutcomeMismatch)
		e.mustVerify(ref(Acme, Wile), wrongPIN(1), model.OutcomeMismatch)

		res, err := e.svc.ResetAccount(e.ctx, Supervisor, model.ResetRequest{AccountID: Smith, Reason: "caller guessed PINs"})
		if err != nil {
			t.Fatal(err)
		}
		if res.RevokedPINs != 4 || res.UnlockedHolders != 1 {
			t.Fatalf("reset revoked %d PINs and unlocked %d holders, want 4 and 1", res.RevokedPINs, res.UnlockedHolders)
		}
		for _, h := range []model.HolderRef{john, ref(Smith, Mary), ref(Smith, model.AccountWide)} {
			if st := e.state(h); len(st.PINs) != 0 || st.Failures != 0 || st.Locked() {
				t.Fatalf("%s after reset: %+v, want no PINs, no failures, no lock", h, st)
			}
		}
		e.mustVerify(john, "482915", model.OutcomeNoPIN)
		e.mustVerify(john, "730164", model.OutcomeNoPIN)
		if st := e.state(ref(Acme, Wile)); len(st.PINs) != 1 || st.Failures != 1 {
			t.Fatalf("Acme's holder was touched by Smith's reset: %+v", st)
		}
		e.mustVerify(ref(Acme, Wile), "482915", model.OutcomeVerified)
		e.mustVerify(ref(Acme, model.AccountWide), "730164", model.OutcomeVerified)

		ev := e.audit(Smith)[2] // after it: two no_pin attempts on John
		if ev.Action != model.ActionReset || ev.Operator != Supervisor.Name || ev.Reason != "caller guessed PINs" || ev.Holder != "" {
			t.Fatalf("reset audited as %+v", ev)
		}
		// The revoked PIN stays the previous one of its kind: a caller who learnt it cannot have it set again.
		var pe *model.PolicyError
		if err := e.trySet(john, model.KindMaster, "482915"); !errors.As(err, &pe) || pe.Rule != model.RuleReuse {
			t.Fatalf("setting a revoked PIN again: %v, want refused as reuse", err)
		}
		e.set(john, model.KindMaster, "615283")
		e.mustVerify(john, "615283", model.OutcomeVerified)
	})

	t.Run("resetting an unknown account is an error", func(t *testing.T) {
		e := newEnv(t, newStore)
		_, err := e.svc.ResetAccount(e.ctx, Supervisor, model.ResetRequest{AccountID: "a-nobody", Reason: "x"})
		wantErr(t, err, model.ErrUnknownAccount)
		_, err = e.st.ResetAccount(e.ctx, "a-nobody", model.AuditEvent{Time: Start, Operator: "x", Role: model.OpAdmin, Channel: model.ChannelAdmin, AccountID: "a-nobody", Action: model.ActionReset, Outcome: "ok"})
		wantErr(t, err, model.ErrUnknownAccount)
		if n := len(e.changes()); n != 0 {
			t.Fatalf("a refused reset wrote %d audit events", n)
		}
	})

	t.Run("the portal reads back a holder's PIN and the read is audited", func(t *testing.T) {
		e := newEnv(t, newStore)
		pin := e.generate(john, model.KindTemporary)
		got, err := e.svc.ReadPIN(e.ctx, Portal, change(john, model.KindTemporary))
		if err != nil || got != pin {
			t.Fatalf("read back %q, %v; want the generated PIN", got, err)
		}
		if ev := e.audit(Smith)[0]; ev.Action != model.ActionRead || ev.Kind != model.KindTemporary {
			t.Fatalf("read audited as %+v", ev)
		}
		_, err = e.svc.ReadPIN(e.ctx, Portal, change(john, model.KindMaster))
		wantErr(t, err, model.ErrNoSuchPIN)
		_, err = e.svc.ReadPIN(e.ctx, Agent, change(john, model.KindTemporary))
		wantErr(t, err, model.ErrNotPermitted)
	})

	t.Run("clearing a kind with no PIN is an error and audits nothing", func(t *testing.T) {
		e := newEnv(t, newStore)
		wantErr(t, e.svc.Clear(e.ctx, Portal, change(john, model.KindMaster)), model.ErrNoSuchPIN)
		if n := len(e.changes()); n != 0 {
			t.Fatalf("a refused clear wrote %d audit events", n)
		}
	})

	t.Run("every change and attempt is audited with who, how and what came of it, never the PIN", func(t *testing.T) {
		e := newEnv(t, newStore)
		acct := ref(Smith, model.AccountWide)
		e.set(john, model.KindMaster, "482915")
		generated := e.generate(acct, model.KindOneTime)
		e.clock.Advance(time.Minute)
		e.mustVerify(john, wrongPIN(1), model.OutcomeMismatch)
		e.mustVerify(john, "482915", model.OutcomeVerified)
		e.clock.Advance(time.Second) // Pat's session opens after John's
		if _, err := e.svc.Verify(e.ctx, Agent2, model.VerifyRequest{AccountID: Smith, Holder: model.AccountWide, Caller: Pat, PIN: generated, Channel: model.ChannelChat}); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Clear(e.ctx, Portal, change(john, model.KindMaster)); err != nil {
			t.Fatal(err)
		}
		e.set(ref(Smith, Mary), model.KindMaster, "730164")
		e.lock(ref(Smith, Mary))
		e.mustVerify(ref(Smith, Mary), "730164", model.OutcomeLocked)
		e.unlock(ref(Smith, Mary))
		if _, err := e.svc.ResetAccount(e.ctx, Supervisor, model.ResetRequest{AccountID: Smith, Reason: "precaution"}); err != nil {
			t.Fatal(err)
		}

		evs := e.audit(Smith)
		// Oldest first, what the trail must say.
		type row struct {
			op      string
			role    model.OperatorRole
			channel model.Channel
			holder  string
			action  model.Action
			kind    model.Kind
			outcome string
			left    int // -1: no attempts left recorded
		}
		want := []row{
			{"portal", model.OpPortal, model.ChannelPortal, John, model.ActionSet, model.KindMaster, "ok", -1},
			{"portal", model.OpPortal, model.ChannelPortal, model.AccountWide, model.ActionGenerate, model.KindOneTime, "ok", -1},
			{"alice", model.OpAgent, model.ChannelPhone, John, model.ActionVerify, "", "mismatch", 5},
			{"alice", model.OpAgent, model.ChannelPhone, John, model.ActionVerify, model.KindMaster, "verified", 6},
			{"bob", model.OpAgent, model.ChannelChat, model.AccountWide, model.ActionVerify, model.KindOneTime, "verified", 6},
			// The clear ends the two verification sessions the verifications opened (issue 13),
			// John's first, then Pat's (newest last), before it is recorded itself.
			{"portal", model.OpPortal, model.ChannelPortal, John, model.ActionSessionEnd, "", "ok", -1},
			{"portal", model.OpPortal, model.ChannelPortal, Pat, model.ActionSessionEnd, "", "ok", -1},
			{"portal", model.OpPortal, model.ChannelPortal, John, model.ActionClear, model.KindMaster, "ok", -1},
			{"portal", model.OpPortal, model.ChannelPortal, Mary, model.ActionSet, model.KindMaster, "ok", -1},
		}
		for left := 5; left >= 0; left-- {
			want = append(want, row{"alice", model.OpAgent, model.ChannelPhone, Mary, model.ActionVerify, "", "mismatch", left})
		}
		want = append(want,
			row{"alice", model.OpAgent, model.ChannelPhone, Mary, model.ActionVerify, "", "locked", 0},
			row{"sarah", model.OpSupervisor, model.ChannelOther, Mary, model.ActionUnlock, "", "ok", -1},
			row{"sarah", model.OpSupervisor, model.ChannelOther, "", model.ActionReset, "", "ok", -1},
		)
		if len(evs) != len(want) {
			t.Fatalf("%d audit events, want %d: %+v", len(evs), len(want), evs)
		}
		for i, w := range want {
			ev := evs[len(evs)-1-i]
			left := -1
			if ev.AttemptsLeft != nil {
				left = *ev.AttemptsLeft
			}
			got := row{ev.Operator, ev.Role, ev.Channel, ev.Holder, ev.Action, ev.Kind, ev.Outcome, left}
			if got != w {
				t.Errorf("event %d: %+v\nwant      %+v", i+1, got, w)
			}
			if ev.AccountID != Smith || ev.Time.IsZero() || ev.Time.Location() != time.UTC || ev.ID == 0 {
				t.Errorf("event %d lacks its account, time (UTC) or id: %+v", i+1, ev)
			}
		}
		secrets := []string{"482915", "730164", generated, wrongPIN(1)}
		for i := range 6 {
			secrets = append(secrets, wrongPIN(i))
		}
		if where := leaks(evs, secrets...); where != "" {
			t.Fatalf("the audit trail holds a PIN: %s", where)
		}
		var export bytes.Buffer
		if err := e.svc.ExportAudit(e.ctx, Supervisor, model.AuditQuery{}, &export); err != nil {
			t.Fatal(err)
		}
		// The events, and the fixture's import before them.
		if n := bytes.Count(export.Bytes(), []byte("\n")); n != len(want)+1 {
			t.Fatalf("the export has %d lines, want %d", n, len(want)+1)
		}
		for _, s := range secrets {
			if bytes.Contains(export.Bytes(), []byte(s)) {
				t.Fatalf("the audit export holds the PIN %q:\n%s", s, export.String())
			}
		}
	})
}

package clienttest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/model"
)

var ctx = context.Background()

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v, want %v", err, target)
	}
}

func must[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

func (s *suite) identity(t *testing.T) {
	in, as := s.fresh(t)
	b := as(Agent)
	t.Run("the backend acts as the operator it was made for", func(t *testing.T) {
		if got := b.Operator(); got != Agent {
			t.Fatalf("Operator() = %+v, want %+v", got, Agent)
		}
	})
	t.Run("the policy is the installation's", func(t *testing.T) {
		if got := must[model.Policy](t)(b.Policy(ctx)); got != in.Core.Policy() {
			t.Fatalf("Policy = %+v, want %+v", got, in.Core.Policy())
		}
	})
	t.Run("the clock is the installation's and moves with it", func(t *testing.T) {
		in.Clock.Advance(90 * time.Minute)
		if got := must[time.Time](t)(b.Now(ctx)); !got.Equal(in.Clock.Now()) {
			t.Fatalf("Now = %v, want %v", got, in.Clock.Now())
		}
	})
}

func ids(accts []model.AccountSummary) string {
	var out []string
	for _, a := range accts {
		out = append(out, a.ID)
	}
	return strings.Join(out, ",")
}

func (s *suite) search(t *testing.T) {
	_, as := s.fresh(t)
	b := as(Agent)
	cases := []struct {
		name, q   string
		page      model.Page
		want      string
		more      bool
		matchedOn string
	}{
		{"an account number prefix finds the accounts in number order", "10000", model.Page{}, "a-smith,a-acme", false, "number"},
		{"a contact's email finds the account", "wile@", model.Page{}, "a-acme", false, "email"},
		{"a contact's name finds the account, whatever the case", "MARY", model.Page{}, "a-smith", false, "contact"},
		{"an empty search finds nothing", "  ", model.Page{}, "", false, ""},
		{"a first page says more follow", "paging", model.Page{Limit: 2}, "a-page-1,a-page-2", true, ""},
		{"the last page says none follow", "paging", model.Page{Limit: 2, Offset: 4}, "a-page-5", false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := must[model.SearchResult](t)(b.Search(ctx, c.q, c.page))
			if got := ids(res.Accounts); got != c.want || res.More != c.more {
				t.Fatalf("Search(%q) = %s more=%v, want %s more=%v", c.q, got, res.More, c.want, c.more)
			}
			if c.matchedOn != "" && res.Accounts[0].MatchedOn != c.matchedOn {
				t.Errorf("matched on %q, want %q", res.Accounts[0].MatchedOn, c.matchedOn)
			}
		})
	}
	t.Run("a search over 100 characters is invalid input", func(t *testing.T) {
		_, err := b.Search(ctx, strings.Repeat("a", 101), model.Page{})
		wantErr(t, err, model.ErrInvalidInput)
	})
	t.Run("a page over the maximum is invalid input", func(t *testing.T) {
		_, err := b.Search(ctx, "paging", model.Page{Limit: model.MaxPageSize + 1})
		wantErr(t, err, model.ErrInvalidInput)
	})
}

func (s *suite) account(t *testing.T) {
	in, as := s.fresh(t)
	b := as(Agent)
	t.Run("an account lists the account-wide holder first, then each contact, with PIN states", func(t *testing.T) {
		v := must[model.AccountView](t)(b.Account(ctx, Smith))
		var got []string
		for _, h := range v.Holders {
			got = append(got, h.Holder.ContactID)
		}
		if strings.Join(got, ",") != "account,c-john,c-mary,c-pat" {
			t.Fatalf("holders %v", got)
		}
		john, _ := v.Holder(John)
		if len(john.PINs) != 1 || john.PINs[0].Kind != model.KindMaster || !john.PINs[0].CreatedAt.Equal(Start) {
			t.Fatalf("John's PINs %+v, want one master PIN created at the start", john.PINs)
		}
		if john.MaxFailures != in.Core.Policy().MaxFailures || john.Failures != 0 || john.Locked() {
			t.Fatalf("John's state %+v", john)
		}
		if len(v.Account.Contacts) != 3 || v.Account.Contacts[1].Role != model.RoleSubAccount || v.Account.Number != "100001" {
			t.Fatalf("account %+v", v.Account)
		}
	})
	t.Run("an account view holds no PIN", func(t *testing.T) {
		v := must[model.AccountView](t)(b.Account(ctx, Smith))
		data, _ := json.Marshal(v)
		if strings.Contains(string(data), JohnPIN) {
			t.Fatalf("the view holds John's PIN: %s", data)
		}
	})
	t.Run("an unknown account is ErrUnknownAccount", func(t *testing.T) {
		_, err := b.Account(ctx, "a-nobody")
		wantErr(t, err, model.ErrUnknownAccount)
	})
	t.Run("an empty account id is invalid input", func(t *testing.T) {
		_, err := b.Account(ctx, "")
		wantErr(t, err, model.ErrInvalidInput)
	})
}

func vreq(account, holder, pin string) model.VerifyRequest {
	return model.VerifyRequest{AccountID: account, Holder: holder, PIN: pin, Channel: model.ChannelPhone}
}

func (s *suite) verify(t *testing.T) {
	t.Run("the right PIN verifies and names its kind", func(t *testing.T) {
		_, as := s.fresh(t)
		res := must[model.VerifyResult](t)(as(Agent).Verify(ctx, vreq(Smith, John, JohnPIN)))
		if res.Outcome != model.OutcomeVerified || res.MatchedKind != model.KindMaster || res.AttemptsLeft != 6 || res.MaxAttempts != 6 {
			t.Fatalf("result %+v", res)
		}
	})
	t.Run("a wrong PIN is a mismatch that counts", func(t *testing.T) {
		in, as := s.fresh(t)
		res := must[model.VerifyResult](t)(as(Agent).Verify(ctx, vreq(Smith, John, WrongPIN)))
		if res.Outcome != model.OutcomeMismatch || res.AttemptsLeft != 5 || res.LockedSince != nil {
			t.Fatalf("result %+v", res)
		}
		if h := in.Holder(Smith, John); h.Failures != 1 {
			t.Fatalf("failures %d, want 1", h.Failures)
		}
	})
	t.Run("the sixth wrong PIN locks and then even the right one is refused uncompared", func(t *testing.T) {
		in, as := s.fresh(t)
		b := as(Agent)
		for i := 1; i <= 6; i++ {
			res := must[model.VerifyResult](t)(b.Verify(ctx, vreq(Smith, John, WrongPIN)))
			if res.Outcome != model.OutcomeMismatch || res.AttemptsLeft != 6-i {
				t.Fatalf("attempt %d: %+v", i, res)
			}
			if (i == 6) != (res.LockedSince != nil) {
				t.Fatalf("attempt %d: locked since %v", i, res.LockedSince)
			}
		}
		res := must[model.VerifyResult](t)(b.Verify(ctx, vreq(Smith, John, JohnPIN)))
		if res.Outcome != model.OutcomeLocked || res.AttemptsLeft != 0 || res.LockedSince == nil || !res.LockedSince.Equal(Start) {
			t.Fatalf("after the lock: %+v", res)
		}
		if h := in.Holder(Smith, John); h.Failures != 6 || !h.Locked() {
			t.Fatalf("holder %+v", h)
		}
	})
	t.Run("a success resets the count", func(t *testing.T) {
		in, as := s.fresh(t)
		b := as(Agent)
		must[model.VerifyResult](t)(b.Verify(ctx, vreq(Smith, John, WrongPIN)))
		must[model.VerifyResult](t)(b.Verify(ctx, vreq(Smith, John, JohnPIN)))
		if h := in.Holder(Smith, John); h.Failures != 0 {
			t.Fatalf("failures %d after a success", h.Failures)
		}
	})
	t.Run("a malformed entry is ErrInvalidPIN, never counted, and audited as refused", func(t *testing.T) {
		in, as := s.fresh(t)
		before := len(in.Audit(Smith))
		entries := []string{"", "27041", "2704155", "27o415", " 270415"}
		for _, pin := range entries {
			_, err := as(Agent).Verify(ctx, vreq(Smith, John, pin))
			wantErr(t, err, model.ErrInvalidPIN)
		}
		if h := in.Holder(Smith, John); h.Failures != 0 {
			t.Fatalf("a malformed entry counted: %+v", h)
		}
		events := in.Audit(Smith)
		if len(events)-before != len(entries) {
			t.Fatalf("%d events for %d malformed entries, want one each", len(events)-before, len(entries))
		}
		for _, ev := range events[:len(entries)] { // newest first
			if ev.Outcome != model.AuditRefused || ev.Reason == "" || strings.Contains(ev.Reason, "2704") || strings.Contains(ev.Reason, "27o4") {
				t.Errorf("event %+v, want outcome refused with a reason and no entry", ev)
			}
		}
	})
	outcomes := []struct {
		name    string
		prepare func(in *Installation)
		req     model.VerifyRequest
		want    model.Outcome
		kind    model.Kind
	}{
		{"a product without PINs answers not_applicable", nil, vreq(Prepaid, Olive, JohnPIN), model.OutcomeNotApplicable, ""},
		{"a holder without a PIN answers no_pin", nil, vreq(Smith, Mary, JohnPIN), model.OutcomeNoPIN, ""},
		{"a one-time PIN past its day answers expired", func(in *Installation) {
			in.SetPIN(Acme, Wile, model.KindOneTime, "502816")
			in.Clock.Advance(25 * time.Hour)
		}, vreq(Acme, Wile, "502816"), model.OutcomeExpired, model.KindOneTime},
		{"a temporary PIN within its two days verifies", func(in *Installation) {
			in.SetPIN(Acme, Wile, model.KindTemporary, "502816")
			in.Clock.Advance(47 * time.Hour)
		}, vreq(Acme, Wile, "502816"), model.OutcomeVerified, model.KindTemporary},
		{"a one-time PIN used once answers spent", func(in *Installation) {
			in.SetPIN(Acme, Wile, model.KindOneTime, "502816")
			if _, err := in.Core.Verify(ctx, Agent, vreq(Acme, Wile, "502816")); err != nil {
				in.t.Fatal(err)
			}
		}, vreq(Acme, Wile, "502816"), model.OutcomeSpent, model.KindOneTime},
		{"the account-wide PIN verifies when a sub-contact gives it", func(in *Installation) {
			in.SetPIN(Smith, model.AccountWide, model.KindMaster, "640391")
		}, model.VerifyRequest{AccountID: Smith, Holder: model.AccountWide, Caller: Pat, PIN: "640391", Channel: model.ChannelChat},
			model.OutcomeVerified, model.KindMaster},
	}
	for _, c := range outcomes {
		t.Run(c.name, func(t *testing.T) {
			in, as := s.fresh(t)
			if c.prepare != nil {
				c.prepare(in)
			}
			res := must[model.VerifyResult](t)(as(Agent).Verify(ctx, c.req))
			if res.Outcome != c.want || res.MatchedKind != c.kind {
				t.Fatalf("result %+v, want %s (%s)", res, c.want, c.kind)
			}
			if res.Counted() {
				t.Fatal("only a mismatch counts")
			}
		})
	}
	t.Run("a caller's verification compares the account-wide PIN too and names the PIN that matched", func(t *testing.T) {
		in, as := s.fresh(t)
		in.SetPIN(Smith, model.AccountWide, model.KindMaster, "640391")
		in.SetPIN(Smith, Pat, model.KindMaster, "502816")
		creq := func(pin string) model.CallerVerifyRequest {
			return model.CallerVerifyRequest{AccountID: Smith, Contact: Pat, PIN: pin, Channel: model.ChannelPhone}
		}
		res := must[model.VerifyResult](t)(as(Agent).VerifyCaller(ctx, creq("640391")))
		if res.Outcome != model.OutcomeVerified || res.MatchedHolder != model.AccountWide || res.MatchedKind != model.KindMaster {
			t.Fatalf("the account-wide PIN from Pat: %+v", res)
		}
		res = must[model.VerifyResult](t)(as(Agent).VerifyCaller(ctx, creq(WrongPIN)))
		if res.Outcome != model.OutcomeMismatch || len(res.Compared) != 2 || !res.Compared[0].Counted || !res.Compared[1].Counted || res.AttemptsLeft != 5 {
			t.Fatalf("a wrong PIN from Pat: %+v", res)
		}
		if in.Holder(Smith, Pat).Failures != 1 || in.Holder(Smith, model.AccountWide).Failures != 1 {
			t.Fatal("a wrong PIN did not count once on each holder")
		}
		_, err := as(Agent).VerifyCaller(ctx, model.CallerVerifyRequest{AccountID: Smith, Contact: "c-nobody", PIN: JohnPIN})
		wantErr(t, err, model.ErrUnknownHolder)
		_, err = as(Agent).VerifyCaller(ctx, model.CallerVerifyRequest{AccountID: Smith, Contact: "", PIN: JohnPIN})
		wantErr(t, err, model.ErrInvalidInput)
	})
	errs := []struct {
		name string
		req  model.VerifyRequest
		want error
	}{
		{"an unknown account is ErrUnknownAccount", vreq("a-nobody", John, JohnPIN), model.ErrUnknownAccount},
		{"an unknown holder is ErrUnknownHolder", vreq(Smith, "c-nobody", JohnPIN), model.ErrUnknownHolder},
		{"an unknown caller is ErrUnknownHolder", model.VerifyRequest{AccountID: Smith, Holder: model.AccountWide, Caller: "c-nobody", PIN: JohnPIN}, model.ErrUnknownHolder},
		{"an unknown channel is invalid input", model.VerifyRequest{AccountID: Smith, Holder: John, PIN: JohnPIN, Channel: "fax"}, model.ErrInvalidInput},
	}
	for _, c := range errs {
		t.Run(c.name, func(t *testing.T) {
			_, as := s.fresh(t)
			_, err := as(Agent).Verify(ctx, c.req)
			wantErr(t, err, c.want)
		})
	}
	t.Run("concurrent wrong PINs lock after exactly six", func(t *testing.T) {
		in, as := s.fresh(t)
		b := as(Agent)
		var wg sync.WaitGroup
		var mu sync.Mutex
		counts := map[model.Outcome]int{}
		in.SetPIN(Acme, Wile, model.KindMaster, "502816")
		start := make(chan struct{})
		for i := 0; i < 16; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				res, err := b.Verify(ctx, vreq(Acme, Wile, WrongPIN))
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					counts["error: "+model.Outcome(err.Error())]++
					return
				}
				counts[res.Outcome]++
			}()
		}
		close(start)
		wg.Wait()
		if counts[model.OutcomeMismatch] != 6 || counts[model.OutcomeLocked] != 10 {
			t.Fatalf("outcomes %v, want 6 mismatch and 10 locked", counts)
		}
		if h := in.Holder(Acme, Wile); h.Failures != 6 || !h.Locked() {
			t.Fatalf("holder %+v", h)
		}
	})
}

func (s *suite) idempotency(t *testing.T) {
	t.Run("a repeated key returns the first answer and counts once", func(t *testing.T) {
		in, as := s.fresh(t)
		b := as(Agent)
		req := vreq(Smith, John, WrongPIN)
		req.IdempotencyKey = "call-7f3a-attempt-1"
		first := must[model.VerifyResult](t)(b.Verify(ctx, req))
		again := must[model.VerifyResult](t)(b.Verify(ctx, req))
		if first.Outcome != model.OutcomeMismatch || again.Outcome != first.Outcome || again.AttemptsLeft != first.AttemptsLeft {
			t.Fatalf("first %+v, again %+v", first, again)
		}
		if h := in.Holder(Smith, John); h.Failures != 1 {
			t.Fatalf("failures %d, want 1", h.Failures)
		}
		if !again.Replayed {
			t.Fatalf("the repeat %+v is not marked as a replay", again)
		}
		evs := in.Audit(Smith) // newest first: the replay, the verification, the seeded PIN
		if len(evs) != 3 || evs[0].ReplayOf == nil || *evs[0].ReplayOf != evs[1].ID || evs[1].ReplayOf != nil {
			t.Fatalf("audit %+v; want the verification, then its replay pointing at it", evs)
		}
	})
	t.Run("calls without a key are each counted", func(t *testing.T) {
		in, as := s.fresh(t)
		b := as(Agent)
		for i := 0; i < 2; i++ {
			must[model.VerifyResult](t)(b.Verify(ctx, vreq(Smith, John, WrongPIN)))
		}
		if h := in.Holder(Smith, John); h.Failures != 2 {
			t.Fatalf("failures %d, want 2", h.Failures)
		}
	})
	t.Run("a key reused for another holder is refused", func(t *testing.T) {
		_, as := s.fresh(t)
		b := as(Agent)
		req := vreq(Smith, John, WrongPIN)
		req.IdempotencyKey = "call-reused"
		must[model.VerifyResult](t)(b.Verify(ctx, req))
		req.AccountID, req.Holder = Acme, Wile
		_, err := b.Verify(ctx, req)
		wantErr(t, err, model.ErrIdempotencyMismatch)
	})
}

func change(account, holder string, kind model.Kind) model.PINChange {
	return model.PINChange{AccountID: account, Holder: holder, Kind: kind}
}

func (s *suite) changes(t *testing.T) {
	t.Run("a generated PIN follows the policy and verifies once", func(t *testing.T) {
		in, as := s.fresh(t)
		gen := must[model.GeneratedPIN](t)(as(Portal).Generate(ctx, change(Acme, Wile, model.KindOneTime)))
		p := in.Core.Policy()
		if len(gen.PIN) != p.Length || p.Check(gen.PIN) != nil {
			t.Fatalf("generated %d digits breaking the policy: %v", len(gen.PIN), p.Check(gen.PIN))
		}
		want := Start.Add(p.OneTimeTTL)
		if gen.State.Kind != model.KindOneTime || gen.State.ExpiresAt == nil || !gen.State.ExpiresAt.Equal(want) {
			t.Fatalf("state %+v, want one-time expiring %v", gen.State, want)
		}
		res := must[model.VerifyResult](t)(as(Agent).Verify(ctx, vreq(Acme, Wile, gen.PIN)))
		if res.Outcome != model.OutcomeVerified {
			t.Fatalf("verify the generated PIN: %+v", res)
		}
	})
	t.Run("a chosen PIN breaking a rule is a PolicyError naming it", func(t *testing.T) {
		_, as := s.fresh(t)
		cases := []struct{ pin, rule string }{
			{"111123", model.RuleRepeat}, {"234567", model.RuleSequence}, {"12345", model.RuleLength}, {"12a456", model.RuleDigits},
		}
		for _, c := range cases {
			_, err := as(Portal).Set(ctx, change(Acme, Wile, model.KindMaster), c.pin)
			var pe *model.PolicyError
			if !errors.As(err, &pe) || pe.Rule != c.rule || pe.Detail == "" || !errors.Is(err, model.ErrPolicy) {
				t.Fatalf("Set(%s): %v, want a PolicyError for rule %s", c.pin, err, c.rule)
			}
			if strings.Contains(err.Error(), c.pin) {
				t.Fatalf("the error repeats the PIN: %v", err)
			}
		}
	})
	t.Run("setting the current PIN again is refused for reuse", func(t *testing.T) {
		_, as := s.fresh(t)
		_, err := as(Portal).Set(ctx, change(Smith, John, model.KindMaster), JohnPIN)
		var pe *model.PolicyError
		if !errors.As(err, &pe) || pe.Rule != model.RuleReuse {
			t.Fatalf("%v, want reuse", err)
		}
	})
	t.Run("a set PIN replaces the old one", func(t *testing.T) {
		_, as := s.fresh(t)
		st := must[model.PINState](t)(as(Portal).Set(ctx, change(Smith, John, model.KindMaster), "805127"))
		if st.Kind != model.KindMaster || st.ExpiresAt != nil {
			t.Fatalf("state %+v", st)
		}
		if res := must[model.VerifyResult](t)(as(Agent).Verify(ctx, vreq(Smith, John, JohnPIN))); res.Outcome != model.OutcomeMismatch {
			t.Fatalf("the old PIN: %+v", res)
		}
		if res := must[model.VerifyResult](t)(as(Agent).Verify(ctx, vreq(Smith, John, "805127"))); res.Outcome != model.OutcomeVerified {
			t.Fatalf("the new PIN: %+v", res)
		}
	})
	t.Run("a cleared PIN is gone and clearing it again is ErrNoSuchPIN", func(t *testing.T) {
		_, as := s.fresh(t)
		if err := as(Portal).Clear(ctx, change(Smith, John, model.KindMaster)); err != nil {
			t.Fatal(err)
		}
		if res := must[model.VerifyResult](t)(as(Agent).Verify(ctx, vreq(Smith, John, JohnPIN))); res.Outcome != model.OutcomeNoPIN {
			t.Fatalf("after clearing: %+v", res)
		}
		wantErr(t, as(Portal).Clear(ctx, change(Smith, John, model.KindMaster)), model.ErrNoSuchPIN)
	})
	t.Run("a locked holder's PIN cannot change until unlocked", func(t *testing.T) {
		in, as := s.fresh(t)
		for i := 0; i < 6; i++ {
			must[model.VerifyResult](t)(in.Core.Verify(ctx, Agent, vreq(Smith, John, WrongPIN)))
		}
		_, err := as(Portal).Generate(ctx, change(Smith, John, model.KindMaster))
		wantErr(t, err, model.ErrLocked)
		_, err = as(Portal).Set(ctx, change(Smith, John, model.KindMaster), "805127")
		wantErr(t, err, model.ErrLocked)
		wantErr(t, as(Portal).Clear(ctx, change(Smith, John, model.KindMaster)), model.ErrLocked)
	})
	errs := []struct {
		name string
		req  model.PINChange
		want error
	}{
		{"a product without PINs is ErrNoPINs", change(Prepaid, Olive, model.KindMaster), model.ErrNoPINs},
		{"an unknown kind is ErrUnknownKind", change(Smith, John, "forever"), model.ErrUnknownKind},
		{"a missing kind is ErrUnknownKind", change(Smith, John, ""), model.ErrUnknownKind},
		{"an unknown holder is ErrUnknownHolder", change(Smith, "c-nobody", model.KindMaster), model.ErrUnknownHolder},
		{"a sub-contact may not change the account-wide PIN", model.PINChange{AccountID: Smith, Holder: model.AccountWide, Kind: model.KindMaster, OnBehalfOf: Pat}, model.ErrNotPermitted},
	}
	for _, c := range errs {
		t.Run(c.name, func(t *testing.T) {
			_, as := s.fresh(t)
			_, err := as(Portal).Generate(ctx, c.req)
			wantErr(t, err, c.want)
		})
	}
}

func (s *suite) unlockReset(t *testing.T) {
	lock := func(in *Installation) {
		for i := 0; i < 6; i++ {
			must[model.VerifyResult](t)(in.Core.Verify(ctx, Agent, vreq(Smith, John, WrongPIN)))
		}
	}
	t.Run("a supervisor unlocks with a reason and the right PIN verifies again", func(t *testing.T) {
		in, as := s.fresh(t)
		lock(in)
		if err := as(Supervisor).Unlock(ctx, model.UnlockRequest{AccountID: Smith, Holder: John, Reason: "identity checked by callback"}); err != nil {
			t.Fatal(err)
		}
		if h := in.Holder(Smith, John); h.Locked() || h.Failures != 0 {
			t.Fatalf("after unlock: %+v", h)
		}
		if res := must[model.VerifyResult](t)(as(Agent).Verify(ctx, vreq(Smith, John, JohnPIN))); res.Outcome != model.OutcomeVerified {
			t.Fatalf("after unlock: %+v", res)
		}
		if e := in.Audit(Smith)[1]; e.Action != model.ActionUnlock || e.Reason != "identity checked by callback" || e.Operator != Supervisor.Name {
			t.Fatalf("unlock audit %+v", e)
		}
	})
	t.Run("unlocking a holder that is not locked is ErrNotLocked", func(t *testing.T) {
		_, as := s.fresh(t)
		err := as(Supervisor).Unlock(ctx, model.UnlockRequest{AccountID: Smith, Holder: John, Reason: "asked"})
		wantErr(t, err, model.ErrNotLocked)
	})
	t.Run("an unlock without a reason is invalid input and unlocks nothing", func(t *testing.T) {
		in, as := s.fresh(t)
		lock(in)
		err := as(Supervisor).Unlock(ctx, model.UnlockRequest{AccountID: Smith, Holder: John, Reason: " "})
		wantErr(t, err, model.ErrInvalidInput)
		if !in.Holder(Smith, John).Locked() {
			t.Fatal("unlocked without a reason")
		}
	})
	t.Run("a reset revokes every PIN and lock of the account", func(t *testing.T) {
		in, as := s.fresh(t)
		in.SetPIN(Smith, Mary, model.KindTemporary, "730164")
		lock(in)
		res := must[model.ResetResult](t)(as(Supervisor).ResetAccount(ctx, model.ResetRequest{AccountID: Smith, Reason: "social engineering attempt"}))
		if res.RevokedPINs != 2 || res.UnlockedHolders != 1 {
			t.Fatalf("reset %+v, want 2 PINs revoked and 1 holder unlocked", res)
		}
		if out := must[model.VerifyResult](t)(as(Agent).Verify(ctx, vreq(Smith, John, JohnPIN))); out.Outcome != model.OutcomeNoPIN {
			t.Fatalf("after reset: %+v", out)
		}
	})
	t.Run("a reset of an unknown account is ErrUnknownAccount", func(t *testing.T) {
		_, as := s.fresh(t)
		_, err := as(Supervisor).ResetAccount(ctx, model.ResetRequest{AccountID: "a-nobody", Reason: "x"})
		wantErr(t, err, model.ErrUnknownAccount)
	})
}

func (s *suite) audit(t *testing.T) {
	in, as := s.fresh(t)
	agent, sup := as(Agent), as(Supervisor)
	must[model.VerifyResult](t)(agent.Verify(ctx, vreq(Smith, John, WrongPIN)))
	in.Clock.Advance(time.Minute)
	must[model.VerifyResult](t)(agent.Verify(ctx, vreq(Smith, John, JohnPIN)))
	in.Clock.Advance(time.Minute)
	must[model.VerifyResult](t)(agent.Verify(ctx, vreq(Acme, Wile, JohnPIN)))

	t.Run("an account's events come newest first, by the backend's operator, without a PIN", func(t *testing.T) {
		events := must[[]model.AuditEvent](t)(sup.Audit(ctx, model.AuditQuery{AccountID: Smith}))
		var got []string
		for _, e := range events {
			got = append(got, fmt.Sprintf("%s/%s/%s/%s", e.Action, e.Operator, e.Channel, e.Outcome))
		}
		want := "verify/alice/phone/verified,verify/alice/phone/mismatch,set/root/admin/ok"
		if strings.Join(got, ",") != want {
			t.Fatalf("events %v, want %s", got, want)
		}
		if left := events[1].AttemptsLeft; left == nil || *left != 5 {
			t.Fatalf("the mismatch records attempts left %v, want 5", left)
		}
		data, _ := json.Marshal(events)
		if strings.Contains(string(data), JohnPIN) || strings.Contains(string(data), WrongPIN) {
			t.Fatalf("the audit holds a PIN: %s", data)
		}
	})
	t.Run("a time range selects the events within it", func(t *testing.T) {
		events := must[[]model.AuditEvent](t)(sup.Audit(ctx, model.AuditQuery{Since: Start.Add(time.Minute), Until: Start.Add(2 * time.Minute)}))
		if len(events) != 1 || events[0].Outcome != string(model.OutcomeVerified) || events[0].AccountID != Smith {
			t.Fatalf("events %+v", events)
		}
	})
	t.Run("a limit and a before id page through the trail", func(t *testing.T) {
		first := must[[]model.AuditEvent](t)(sup.Audit(ctx, model.AuditQuery{Limit: 2}))
		rest := must[[]model.AuditEvent](t)(sup.Audit(ctx, model.AuditQuery{Limit: 100, BeforeID: first[1].ID}))
		all := must[[]model.AuditEvent](t)(sup.Audit(ctx, model.AuditQuery{}))
		if len(first) != 2 || len(first)+len(rest) != len(all) || rest[0].ID >= first[1].ID {
			t.Fatalf("pages of %d and %d, all %d", len(first), len(rest), len(all))
		}
	})
	t.Run("an audit of an unknown account is ErrUnknownAccount", func(t *testing.T) {
		_, err := sup.Audit(ctx, model.AuditQuery{AccountID: "a-nobody"})
		wantErr(t, err, model.ErrUnknownAccount)
	})
	t.Run("a range that ends before it starts is invalid input", func(t *testing.T) {
		_, err := sup.Audit(ctx, model.AuditQuery{Since: Start.Add(time.Hour), Until: Start})
		wantErr(t, err, model.ErrInvalidInput)
	})
	t.Run("the audit chains' state reads intact through the last event, for a supervisor only", func(t *testing.T) {
		chain, ok := sup.(client.AuditChain)
		if !ok {
			t.Skip("this backend does not verify the audit chain")
		}
		st := must[model.AuditChainState](t)(chain.AuditChainState(ctx))
		all := must[[]model.AuditEvent](t)(sup.Audit(ctx, model.AuditQuery{}))
		if !st.Intact || st.Break != nil || st.Through != all[0].ID || st.Head.Events() != int64(len(all)) || len(st.Head.Heads) != 64 || st.CheckedAt.IsZero() {
			t.Fatalf("chain state %+v with %d events", st, len(all))
		}
		_, err := agent.(client.AuditChain).AuditChainState(ctx)
		wantErr(t, err, model.ErrNotPermitted)
	})
}

func (s *suite) permissions(t *testing.T) {
	in, as := s.fresh(t)
	type call struct {
		name string
		perm model.Permission
		do   func(ctx context.Context, op model.Operator) error
	}
	calls := []call{
		{"search", model.PermSearch, func(ctx context.Context, op model.Operator) error {
			_, err := as(op).Search(ctx, "smith", model.Page{})
			return err
		}},
		{"view an account", model.PermView, func(ctx context.Context, op model.Operator) error {
			_, err := as(op).Account(ctx, Smith)
			return err
		}},
		{"verify", model.PermVerify, func(ctx context.Context, op model.Operator) error {
			_, err := as(op).Verify(ctx, vreq(Smith, John, JohnPIN))
			return err
		}},
		{"generate", model.PermChange, func(ctx context.Context, op model.Operator) error {
			_, err := as(op).Generate(ctx, model.PINChange{AccountID: Acme, Holder: Wile, Kind: model.KindTemporary, OnBehalfOf: Wile})
			return err
		}},
		{"reset", model.PermReset, func(ctx context.Context, op model.Operator) error {
			_, err := as(op).ResetAccount(ctx, model.ResetRequest{AccountID: "a-page-1", Reason: "drill"})
			return err
		}},
		{"read the audit", model.PermAudit, func(ctx context.Context, op model.Operator) error {
			_, err := as(op).Audit(ctx, model.AuditQuery{})
			return err
		}},
		{"read the lock board", model.PermBoard, func(ctx context.Context, op model.Operator) error {
			_, err := lockBoard(t, as(op)).Board(ctx)
			return err
		}},
	}
	for _, op := range []model.Operator{Agent, Supervisor, Trainer, Portal, Admin} {
		for _, c := range calls {
			allowed := op.Role.PermitsOn(c.perm, false) // the installation is not a demo database
			t.Run(fmt.Sprintf("a %s %s %s", op.Role, map[bool]string{true: "may", false: "may not"}[allowed], c.name), func(t *testing.T) {
				before := len(in.Audit(""))
				err := c.do(ctx, op)
				if allowed && err != nil {
					t.Fatalf("refused: %v", err)
				}
				if !allowed {
					wantErr(t, err, model.ErrNotPermitted)
					if !strings.Contains(err.Error(), string(op.Role)) {
						t.Fatalf("the refusal %q does not name the role", err)
					}
					if len(in.Audit("")) != before {
						t.Fatal("a refused call was audited")
					}
				}
			})
		}
	}
}

package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/secret"
)

// runSessions holds the store to verification that follows the call (issue 13): a call's ticket,
// and the verification session a successful verification opens for every desk to see.
func runSessions(t *testing.T, newStore func(t *testing.T) store.Store) {
	john, mary := ref(Smith, John), ref(Smith, Mary)
	const johnPIN, maryPIN = "482915", "613904"

	// verified sets John's and Mary's PINs and has Alice verify John on the phone with a ticket.
	verified := func(t *testing.T, e *env, ticket string) model.VerifySession {
		t.Helper()
		e.set(john, model.KindMaster, johnPIN)
		e.set(mary, model.KindMaster, maryPIN)
		e.clock.Advance(time.Minute)
		r, err := e.svc.VerifyCaller(e.ctx, Agent, model.CallerVerifyRequest{AccountID: Smith, Contact: John, PIN: johnPIN, Channel: model.ChannelPhone, Ticket: ticket})
		if err != nil || r.Outcome != model.OutcomeVerified {
			t.Fatalf("verify John: %+v, %v", r, err)
		}
		ss := e.sessions(Smith)
		if len(ss) != 1 {
			t.Fatalf("after John's verification the account shows sessions %+v, want one", ss)
		}
		return ss[0]
	}

	t.Run("a successful verification opens a session every desk sees, for 30 minutes by default", func(t *testing.T) {
		e := newEnv(t, newStore)
		at := Start.Add(time.Minute)
		s := verified(t, e, "  INC-4711 ")
		want := model.VerifySession{ID: s.ID, AccountID: Smith, Contact: John, Holder: John, Operator: Agent.Name,
			Channel: model.ChannelPhone, Ticket: "INC-4711", StartedAt: at, ExpiresAt: at.Add(30 * time.Minute)}
		if !strings.HasPrefix(s.ID, "vs_") || s != want {
			t.Fatalf("session %+v\nwant    %+v", s, want)
		}
		ev := e.audit(Smith)[0]
		if ev.Action != model.ActionVerify || ev.Outcome != string(model.OutcomeVerified) || ev.Session != s.ID || ev.Ticket != "INC-4711" {
			t.Fatalf("the verification is audited as %+v, want it to name the session it opened and the ticket", ev)
		}
		// Another agent's view (another desk, after a transfer) shows it; other accounts do not.
		if ss := e.sessionsAs(Agent2, Smith); len(ss) != 1 || ss[0] != s {
			t.Fatalf("Bob sees %+v", ss)
		}
		if ss := e.sessions(Acme); len(ss) != 0 {
			t.Fatalf("Acme shows %+v", ss)
		}
		// Expiry, on the injected clock: live until a moment before, gone at it.
		e.clock.Advance(30*time.Minute - time.Nanosecond)
		if ss := e.sessions(Smith); len(ss) != 1 {
			t.Fatalf("a moment before expiry: %+v", ss)
		}
		e.clock.Advance(time.Nanosecond)
		if ss := e.sessions(Smith); len(ss) != 0 {
			t.Fatalf("at expiry: %+v, want none", ss)
		}
		// An expired session is not ended again: an unlock then audits no session_end.
		e.lock(mary)
		before := e.lastAuditID()
		e.unlock(mary)
		for _, ev := range e.changesAfter(before) {
			if ev.Action == model.ActionSessionEnd || ev.Session != "" {
				t.Fatalf("an unlock after expiry audited %+v", ev)
			}
		}
	})

	t.Run("verify.session_ttl sets how long a session lasts", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.svc = e.withCore(t, core.WithSessionTTL(5*time.Minute))
		s := verified(t, e, "")
		if s.ExpiresAt.Sub(s.StartedAt) != 5*time.Minute || s.Ticket != "" {
			t.Fatalf("session %+v, want 5 minutes and no ticket", s)
		}
	})

	t.Run("a session lasts the lifetime in force, counted from its verification", func(t *testing.T) {
		// A session is read from the verification's audit event (store/session.go): shortening
		// verify.session_ttl shortens the sessions already open, as the README says.
		e := newEnv(t, newStore)
		s := verified(t, e, "INC-4711")
		e.svc = e.withCore(t, core.WithSessionTTL(5*time.Minute))
		ss := e.sessions(Smith)
		if len(ss) != 1 || ss[0].ID != s.ID || !ss[0].ExpiresAt.Equal(s.StartedAt.Add(5*time.Minute)) {
			t.Fatalf("under a 5-minute lifetime the session opened under 30 minutes shows as %+v, want it to expire at %s", ss, s.StartedAt.Add(5*time.Minute))
		}
		e.clock.Advance(5 * time.Minute)
		if ss := e.sessions(Smith); len(ss) != 0 {
			t.Fatalf("5 minutes after its verification, under a 5-minute lifetime: %+v, want none", ss)
		}
		// Expired, it is not ended: an unlock then audits no session_end.
		e.lock(mary)
		before := e.lastAuditID()
		e.unlock(mary)
		for _, ev := range e.changesAfter(before) {
			if ev.Action == model.ActionSessionEnd {
				t.Fatalf("an unlock after expiry audited %+v", ev)
			}
		}
	})

	t.Run("a session is found behind a long trail of the account's other events, and only a session_end ends it", func(t *testing.T) {
		e := newEnv(t, newStore)
		if err := core.MarkDemo(e.ctx, e.st); err != nil {
			t.Fatal(err)
		}
		// Mary's verifications, each an hour apart, long expired.
		e.set(john, model.KindMaster, johnPIN)
		e.set(mary, model.KindMaster, maryPIN)
		for range 40 {
			e.clock.Advance(time.Hour)
			e.mustVerify(mary, maryPIN, model.OutcomeVerified)
		}
		e.clock.Advance(time.Hour)
		if r, err := e.svc.VerifyCaller(e.ctx, Agent, model.CallerVerifyRequest{AccountID: Smith, Contact: John, PIN: johnPIN, Channel: model.ChannelPhone}); err != nil || r.Outcome != model.OutcomeVerified {
			t.Fatalf("verify John: %+v, %v", r, err)
		}
		s := e.sessions(Smith)[0]
		// Then, within the session, many events of the account: Mary's verifications (each a
		// session of her own), wrong PINs, PINs read back under John's session.
		for i := range 30 {
			e.clock.Advance(time.Second)
			switch i % 3 {
			case 0:
				e.mustVerify(mary, maryPIN, model.OutcomeVerified)
			case 1:
				e.mustVerify(mary, wrongPIN(i), model.OutcomeMismatch)
			default:
				if _, err := e.svc.ReadPIN(e.ctx, Trainer, model.PINChange{AccountID: Smith, Holder: John, Kind: model.KindMaster, OnBehalfOf: John}); err != nil {
					t.Fatal(err)
				}
			}
		}
		ss := e.sessions(Smith)
		if len(ss) != 11 || ss[len(ss)-1] != s {
			t.Fatalf("%d sessions, the oldest %+v; want Mary's 10 and John's %+v", len(ss), ss[len(ss)-1], s)
		}
		for _, x := range ss[:10] {
			if x.Contact != Mary || x.Holder != Mary || !x.StartedAt.After(s.StartedAt) {
				t.Fatalf("Mary's session %+v", x)
			}
		}
		// One change ends them all, each once.
		before := e.lastAuditID()
		e.lockAs(mary)
		e.unlock(mary)
		ends := map[string]int{}
		for _, ev := range e.changesAfter(before) {
			if ev.Action == model.ActionSessionEnd {
				ends[ev.Session]++
			}
		}
		if len(ends) != 11 || ends[s.ID] != 1 {
			t.Fatalf("the unlock ended %v, want each of the 11 sessions once", ends)
		}
		if ss := e.sessions(Smith); len(ss) != 0 {
			t.Fatalf("after the unlock: %+v", ss)
		}
	})

	t.Run("two changes ending a session at once end it once", func(t *testing.T) {
		// An unlock of Mary and a PIN generated for John, on two holders of one account, run on
		// two connections (PostgreSQL: two transactions that lock no common holder).
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, johnPIN)
		e.set(mary, model.KindMaster, maryPIN)
		for i := range 6 {
			e.clock.Advance(25 * time.Hour) // past the rolling window: Mary's lock is never a hard one
			if r, err := e.svc.VerifyCaller(e.ctx, Agent, model.CallerVerifyRequest{AccountID: Smith, Contact: John, PIN: johnPIN}); err != nil || r.Outcome != model.OutcomeVerified {
				t.Fatalf("verify John: %+v, %v", r, err)
			}
			e.lockAs(mary)
			ss := e.sessions(Smith)
			if len(ss) != 1 {
				t.Fatalf("round %d: sessions %+v, want John's", i, ss)
			}
			s := ss[0]
			before := e.lastAuditID()
			errs := make(chan error, 2)
			go func() {
				errs <- e.svc.Unlock(e.ctx, Supervisor, model.UnlockRequest{AccountID: Smith, Holder: Mary, Reason: "called back"})
			}()
			go func() {
				_, err := e.svc.Generate(e.ctx, Admin, model.PINChange{AccountID: Smith, Holder: John, Kind: model.KindOneTime, OnBehalfOf: John})
				errs <- err
			}()
			for range 2 {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			n := 0
			for _, ev := range e.changesAfter(before) {
				if ev.Action == model.ActionSessionEnd && ev.Session == s.ID {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("round %d: session %s ended %d times, want once", i, s.ID, n)
			}
		}
	})

	t.Run("a failed or refused verification opens none", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, johnPIN)
		e.mustVerify(john, wrongPIN(1), model.OutcomeMismatch)
		_, err := e.verify(john, "12")
		wantErr(t, err, model.ErrInvalidPIN)
		if ss := e.sessions(Smith); len(ss) != 0 {
			t.Fatalf("sessions %+v after a wrong and a malformed PIN", ss)
		}
	})

	// Each change that ends the account's sessions, done by whom it is done by.
	enders := []struct {
		name   string
		action model.Action
		by     model.Operator
		do     func(t *testing.T, e *env) error
	}{
		{"an unlock", model.ActionUnlock, Supervisor, func(t *testing.T, e *env) error {
			e.lockAs(mary)
			return e.svc.Unlock(e.ctx, Supervisor, model.UnlockRequest{AccountID: Smith, Holder: Mary, Reason: "called back", Ticket: "INC-4711"})
		}},
		{"a reset", model.ActionReset, Supervisor, func(t *testing.T, e *env) error {
			_, err := e.svc.ResetAccount(e.ctx, Supervisor, model.ResetRequest{AccountID: Smith, Reason: "fraud report", Ticket: "INC-4711"})
			return err
		}},
		{"a generated PIN", model.ActionGenerate, Admin, func(t *testing.T, e *env) error {
			_, err := e.svc.Generate(e.ctx, Admin, model.PINChange{AccountID: Smith, Holder: John, Kind: model.KindOneTime, OnBehalfOf: John})
			return err
		}},
		{"a PIN set", model.ActionSet, Portal, func(t *testing.T, e *env) error {
			_, err := e.svc.Set(e.ctx, Portal, model.PINChange{AccountID: Smith, Holder: John, Kind: model.KindMaster, OnBehalfOf: John}, "739154")
			return err
		}},
		{"a PIN cleared", model.ActionClear, Trainer, func(t *testing.T, e *env) error {
			// A desk changes PINs only in a demo database: a trainer there, on the call.
			if err := core.MarkDemo(e.ctx, e.st); err != nil {
				return err
			}
			return e.svc.Clear(e.ctx, Trainer, model.PINChange{AccountID: Smith, Holder: John, Kind: model.KindMaster, OnBehalfOf: John})
		}},
		{"a dispute", model.ActionDispute, Portal, func(t *testing.T, e *env) error {
			ns := e.notices("")
			_, err := e.svc.Dispute(e.ctx, Portal, model.DisputeRequest{AccountID: Smith, EventID: ns[len(ns)-1].ID})
			return err
		}},
	}
	for _, c := range enders {
		t.Run(c.name+" ends the account's session at once, audited with why", func(t *testing.T) {
			e := newEnv(t, newStore)
			s := verified(t, e, "INC-4711")
			e.clock.Advance(2 * time.Minute)
			before := e.lastAuditID()
			if err := c.do(t, e); err != nil {
				t.Fatal(err)
			}
			if ss := e.sessions(Smith); len(ss) != 0 {
				t.Fatalf("after %s the account still shows %+v", c.name, ss)
			}
			evs := e.changesAfter(before)
			// Newest first: the change itself, and just before it the session's end.
			if len(evs) < 2 {
				t.Fatalf("events %+v", evs)
			}
			change, end := evs[0], evs[1]
			if change.Action != c.action {
				t.Fatalf("newest event %+v, want the %s", change, c.action)
			}
			if end.Action != model.ActionSessionEnd || end.Session != s.ID || end.Reason != "ended by "+string(c.action) ||
				end.Holder != John || end.Operator != c.by.Name || !end.Time.Equal(change.Time) {
				t.Fatalf("the session's end is audited as %+v", end)
			}
			// What a desk on the call does is recorded under the session; the portal is not on it.
			if want := map[bool]string{true: s.ID, false: ""}[c.by.Role.OnCall()]; change.Session != want {
				t.Fatalf("the %s is recorded under session %q, want %q", c.action, change.Session, want)
			}
			// A second change ends nothing more.
			e.clock.Advance(time.Minute)
			before = e.lastAuditID()
			if err := e.svc.Unlock(e.ctx, Admin, model.UnlockRequest{AccountID: Smith, Holder: John, Reason: "again"}); err == nil {
				for _, ev := range e.changesAfter(before) {
					if ev.Action == model.ActionSessionEnd {
						t.Fatalf("an ended session was ended again: %+v", ev)
					}
				}
			}
		})
	}

	t.Run("the call's ticket is recorded on every attempt, unlock and reset, and the audit is searched by it", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(mary, model.KindMaster, maryPIN)
		before := e.lastAuditID()
		for i := range e.svc.Policy().MaxFailures {
			if _, err := e.svc.Verify(e.ctx, Agent, model.VerifyRequest{AccountID: Smith, Holder: Mary, PIN: wrongPIN(i), Channel: model.ChannelPhone, Ticket: "CALL-9"}); err != nil {
				t.Fatal(err)
			}
		}
		wantErr(t, e.svc.RefuseVerify(e.ctx, Agent, model.VerifyRequest{AccountID: Smith, Holder: Mary, PIN: "12", Ticket: "CALL-9"}), model.ErrInvalidPIN)
		if err := e.svc.Unlock(e.ctx, Supervisor, model.UnlockRequest{AccountID: Smith, Holder: Mary, Reason: "callback", Ticket: "CALL-9"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.VerifyCaller(e.ctx, Agent, model.CallerVerifyRequest{AccountID: Smith, Contact: Mary, PIN: maryPIN, Ticket: "CALL-9"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ResetAccount(e.ctx, Supervisor, model.ResetRequest{AccountID: Smith, Reason: "precaution", Ticket: "CALL-9"}); err != nil {
			t.Fatal(err)
		}
		// Another call on another account, and one without a ticket.
		e.set(ref(Acme, Wile), model.KindMaster, "739154")
		if _, err := e.svc.Verify(e.ctx, Agent, model.VerifyRequest{AccountID: Acme, Holder: Wile, PIN: "739154", Ticket: "CALL-10"}); err != nil {
			t.Fatal(err)
		}
		e.mustVerify(mary, wrongPIN(9), model.OutcomeNoPIN)

		var want []int64
		for _, ev := range e.changesAfter(before) {
			if ev.Ticket == "CALL-9" {
				want = append(want, ev.ID)
			}
		}
		// 6 attempts, the refusal, the unlock, the verification, the session's end, the reset.
		if len(want) != e.svc.Policy().MaxFailures+5 {
			t.Fatalf("%d events carry the ticket, want %d: %+v", len(want), e.svc.Policy().MaxFailures+5, e.changesAfter(before))
		}
		got, err := e.svc.Audit(e.ctx, Supervisor, model.AuditQuery{Ticket: " CALL-9 "})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("the audit by ticket found %d events, want %d", len(got), len(want))
		}
		for i, ev := range got {
			if ev.ID != want[i] || ev.Ticket != "CALL-9" {
				t.Fatalf("event %d by ticket: %+v, want id %d", i, ev, want[i])
			}
		}
		// Paged and by account too.
		page, err := e.svc.Audit(e.ctx, Supervisor, model.AuditQuery{Ticket: "CALL-9", AccountID: Smith, Limit: 2, BeforeID: want[0]})
		if err != nil || len(page) != 2 || page[0].ID != want[1] {
			t.Fatalf("a page by ticket: %+v, %v", page, err)
		}
		_, err = e.svc.Audit(e.ctx, Supervisor, model.AuditQuery{Ticket: "bad\x1b[2J"})
		wantErr(t, err, model.ErrInvalidInput)
		// The chains cover both fields: the trail verifies, and a ticket changed by hand would not.
		st, err := e.svc.VerifyAudit(e.ctx, Admin, 1, nil)
		if err != nil || !st.Intact {
			t.Fatalf("the audit chain with tickets and sessions: %+v, %v", st, err)
		}
	})

	t.Run("with call.ticket_required, a verification, unlock or reset without a ticket is refused and changes nothing", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(john, model.KindMaster, johnPIN)
		e.set(mary, model.KindMaster, maryPIN)
		e.lock(mary)
		p := model.DefaultPolicy()
		p.TicketRequired = true
		svc := e.withCore(t, core.WithPolicy(p))
		before, johnBefore, maryBefore := e.lastAuditID(), e.state(john), e.state(mary)
		refusals := map[string]error{
			"verify":             first(svc.Verify(e.ctx, Agent, model.VerifyRequest{AccountID: Smith, Holder: John, PIN: wrongPIN(1)})),
			"verify, blank":      first(svc.Verify(e.ctx, Agent, model.VerifyRequest{AccountID: Smith, Holder: John, PIN: johnPIN, Ticket: "   "})),
			"verify caller":      first(svc.VerifyCaller(e.ctx, Agent, model.CallerVerifyRequest{AccountID: Smith, Contact: John, PIN: johnPIN})),
			"refuse a malformed": svc.RefuseVerify(e.ctx, Agent, model.VerifyRequest{AccountID: Smith, Holder: John, PIN: "12"}),
			"unlock":             svc.Unlock(e.ctx, Supervisor, model.UnlockRequest{AccountID: Smith, Holder: Mary, Reason: "callback"}),
			"unlock, by admin":   svc.Unlock(e.ctx, Admin, model.UnlockRequest{AccountID: Smith, Holder: Mary, Reason: "callback"}),
			"reset":              first(svc.ResetAccount(e.ctx, Supervisor, model.ResetRequest{AccountID: Smith, Reason: "fraud"})),
		}
		for name, err := range refusals {
			wantErr(t, err, model.ErrTicketRequired)
			if err != nil && !strings.Contains(err.Error(), "ticket") {
				t.Errorf("%s: %v does not say what is missing", name, err)
			}
		}
		if e.lastAuditID() != before || len(e.sessions(Smith)) != 0 {
			t.Fatal("a refusal for want of a ticket was audited or opened a session")
		}
		if a, b := e.state(john), e.state(mary); a.Failures != johnBefore.Failures || !b.Locked() || b.Failures != maryBefore.Failures || pinKinds(a) != pinKinds(johnBefore) {
			t.Fatalf("a refusal changed the holders: John %+v, Mary %+v", a, b)
		}
		// Bad tickets are refused whether or not one is required, naming what is wrong.
		for _, bad := range []string{strings.Repeat("T", model.MaxTicketLength+1), "INC\x1b[2J", "INC\u202eX", "a\tb", "bad\xff"} {
			_, err := svc.Verify(e.ctx, Agent, model.VerifyRequest{AccountID: Smith, Holder: John, PIN: johnPIN, Ticket: bad})
			wantErr(t, err, model.ErrInvalidInput)
			wantErr(t, e.svc.Unlock(e.ctx, Supervisor, model.UnlockRequest{AccountID: Smith, Holder: Mary, Reason: "x", Ticket: bad}), model.ErrInvalidInput)
		}
		if e.lastAuditID() != before {
			t.Fatal("a bad ticket was audited")
		}
		// The portal takes no calls: it needs no ticket.
		if _, err := svc.Set(e.ctx, Portal, model.PINChange{AccountID: Smith, Holder: Mary, Kind: model.KindTemporary, OnBehalfOf: Mary}, "739154"); err != nil {
			wantErr(t, err, model.ErrLocked) // Mary is locked; what matters is no ErrTicketRequired
		}
		if err := svc.Unlock(e.ctx, Portal, model.UnlockRequest{AccountID: Smith, Holder: Mary, Reason: "customer set a new PIN"}); err != nil {
			t.Fatalf("the portal's unlock: %v", err)
		}
		// With one, they go through.
		r, err := svc.VerifyCaller(e.ctx, Agent, model.CallerVerifyRequest{AccountID: Smith, Contact: John, PIN: johnPIN, Ticket: "INC-1"})
		if err != nil || r.Outcome != model.OutcomeVerified {
			t.Fatalf("with a ticket: %+v, %v", r, err)
		}
	})

	t.Run("a PIN read back under a session is recorded under it", func(t *testing.T) {
		e := newEnv(t, newStore)
		if err := core.MarkDemo(e.ctx, e.st); err != nil {
			t.Fatal(err)
		}
		s := verified(t, e, "")
		if _, err := e.svc.ReadPIN(e.ctx, Trainer, model.PINChange{AccountID: Smith, Holder: John, Kind: model.KindMaster, OnBehalfOf: John}); err != nil {
			t.Fatal(err)
		}
		if ev := e.audit(Smith)[0]; ev.Action != model.ActionRead || ev.Session != s.ID {
			t.Fatalf("the read is audited as %+v, want it under %s", ev, s.ID)
		}
		if len(e.sessions(Smith)) != 1 {
			t.Fatal("a read ended the session")
		}
	})
}

func first[T any](_ T, err error) error { return err }

// sessions is the account's live sessions as an agent's account view shows them.
func (e *env) sessions(account string) []model.VerifySession { return e.sessionsAs(Agent, account) }

func (e *env) sessionsAs(op model.Operator, account string) []model.VerifySession {
	e.t.Helper()
	v, err := e.svc.Account(e.ctx, op, account)
	if err != nil {
		e.t.Fatalf("account %s: %v", account, err)
	}
	return v.Sessions
}

// changesAfter is every event with an id above id, newest first.
func (e *env) changesAfter(id int64) []model.AuditEvent {
	e.t.Helper()
	var out []model.AuditEvent
	for _, ev := range e.audit("") {
		if ev.ID > id {
			out = append(out, ev)
		}
	}
	return out
}

// lockAs locks the holder by wrong PINs from Bob's desk, so the session stays Alice's.
func (e *env) lockAs(h model.HolderRef) {
	e.t.Helper()
	for i := range e.svc.Policy().MaxFailures {
		if _, err := e.svc.Verify(e.ctx, Agent2, model.VerifyRequest{AccountID: h.AccountID, Holder: h.ContactID, PIN: wrongPIN(i), Channel: model.ChannelPhone}); err != nil {
			e.t.Fatal(err)
		}
	}
}

// withCore is another core over the env's store and clock, with opts.
func (e *env) withCore(t *testing.T, opts ...core.Option) *core.Service {
	t.Helper()
	sealer, err := secret.New(TestKey)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := core.New(e.st, sealer, append([]core.Option{core.WithClock(e.clock)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

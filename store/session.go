package store

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/pindesk/pindesk/model"
)

// Verification sessions (issue 13, model.VerifySession), read from the audit trail, so that every
// desk, on every server sharing the database, sees a caller verified on another.
//
// A session is written nowhere but in the audit: the successful verification's own event (action
// verify, outcome verified) names it (AuditEvent.Session) and holds all it is — caller, holder,
// desk, channel, ticket, time — so opening one costs a verification no write. Its end is the
// session_end event that an ending change appends in its own transaction (SessionEvents). A
// session is live from its event's time for the store's SessionTTL (the setting in force, not the
// one it was opened under), unless a session_end names it.

// DefaultSessionTTL is how long a verification session lasts (verify.session_ttl): long enough for
// a transfer or two, short enough that a caller who rings back later is asked again.
const DefaultSessionTTL = 30 * time.Minute

// SessionTx is what a holder's transaction (HolderTx) reads of its account's sessions: the ones to
// end with an unlock or a PIN change, the ones an action may be recorded under.
type SessionTx interface {
	// EndSessions returns the sessions of the holder's account live at now, newest first, for the
	// transaction to end by appending SessionEvents. It reads them in the order endings and
	// verifications commit (PostgreSQL: under the account's audit chain head, so two changes
	// ending at once end each session once), so the transaction must append nothing but audit
	// events and write nothing but new rows after it.
	EndSessions(ctx context.Context, now time.Time) ([]model.VerifySession, error)
	// LiveSessions returns the sessions of the holder's account live at now, newest first.
	LiveSessions(ctx context.Context, now time.Time) ([]model.VerifySession, error)
}

// VerifySessions is the store's side of sessions outside a holder's transaction. ResetAccount and
// Dispute end the account's live sessions in their own transactions, as SessionEvents says.
type VerifySessions interface {
	// Sessions returns the account's sessions live at now, newest first.
	Sessions(ctx context.Context, accountID string, now time.Time) ([]model.VerifySession, error)
	// SetSessionTTL sets how long a session lasts from its verification (DefaultSessionTTL until
	// set; a duration of zero or less keeps the one set). core.New sets its own.
	SetSessionTTL(d time.Duration)
}

// SessionTTL is a store's session lifetime (VerifySessions.SetSessionTTL), safe to read and set
// from any goroutine. Its zero value is DefaultSessionTTL.
type SessionTTL struct{ d atomic.Int64 }

// Set sets the lifetime; zero or less keeps the one set.
func (t *SessionTTL) Set(d time.Duration) {
	if d > 0 {
		t.d.Store(int64(d))
	}
}

// Get returns the lifetime.
func (t *SessionTTL) Get() time.Duration {
	if d := time.Duration(t.d.Load()); d > 0 {
		return d
	}
	return DefaultSessionTTL
}

// Since is the earliest verification time whose session is live at now: a session is live while
// now is before its time plus the lifetime, so its time is after Since.
func (t *SessionTTL) Since(now time.Time) time.Time { return now.Add(-t.Get()) }

// Audit conditions the stores' session reads share (SQLite and PostgreSQL spell them alike). The
// events read are those of one account after its newest event at or before the window's start
// (SessionTTL.Since): newest first by id, each read one index entry of audit_account
// (account_id, id) and its row, so a read costs the account's events of the last SessionTTL, not
// its whole history. That newest old event is a bound only if the account's events are appended
// in time order; an event timed after one appended later (two servers' clocks apart, a clock set
// back) is left out if the window starts between them, so a session ends early by at most that
// gap, never late: the bound can only leave out a verification, never an ending of one read.
const (
	// SessionOpened is the condition on the audit row of a verification that opened a session.
	SessionOpened = `action = 'verify' AND outcome = 'verified' AND session <> ''`
	// SessionEnded is the condition on the audit row of a session's end.
	SessionEnded = `action = 'session_end'`
)

// LiveSessions folds an account's audit events that open or end sessions (SessionOpened,
// SessionEnded), newest first by id, into its sessions live at now with the lifetime ttl, newest
// first. An ending always follows what it ends, so every ending of a session is met before it.
func LiveSessions(accountID string, events []model.AuditEvent, now time.Time, ttl time.Duration) []model.VerifySession {
	out := []model.VerifySession{}
	done := map[string]bool{}
	for _, e := range events {
		if e.Session == "" || done[e.Session] {
			continue
		}
		switch {
		case e.Action == model.ActionSessionEnd:
			done[e.Session] = true
			continue
		case e.Action != model.ActionVerify || e.Outcome != string(model.OutcomeVerified):
			continue // done under a session (a PIN read back), which goes on
		}
		done[e.Session] = true // a session has one opening
		contact := e.Caller
		if contact == "" {
			contact = e.Holder
		}
		vs := model.VerifySession{ID: e.Session, AccountID: accountID, Contact: contact, Holder: e.Holder, Operator: e.Operator,
			Channel: e.Channel, Ticket: e.Ticket, StartedAt: e.Time, ExpiresAt: e.Time.Add(ttl)}
		if vs.Live(now) {
			out = append(out, vs)
		}
	}
	return out
}

// SessionEvents returns the audit events of e ending the sessions ended (newest first): one
// model.ActionSessionEnd event per ended session, oldest first, saying it was ended by e's action, then e itself,
// recorded under the session it was done under when its operator acts on a call (the caller's own,
// else the account's newest). A store appends them in this order, so the change stays the newest
// event of its account, as it is when no session ends.
func SessionEvents(e model.AuditEvent, ended []model.VerifySession) []model.AuditEvent {
	out := make([]model.AuditEvent, 0, 1+len(ended))
	if e.Session == "" && e.Role.OnCall() {
		contact := e.Caller
		if contact == "" {
			contact = e.Holder
		}
		if s, ok := model.SessionFor(ended, contact); ok {
			e.Session = s.ID
		}
	}
	for i := len(ended) - 1; i >= 0; i-- { // oldest first, as they were opened
		s := ended[i]
		end := e
		end.Action, end.Session, end.Holder, end.Caller, end.Kind = model.ActionSessionEnd, s.ID, s.Contact, "", ""
		end.Outcome, end.AttemptsLeft, end.ReplayOf = "ok", nil, nil
		end.Reason = SessionEndReason(e.Action)
		out = append(out, end)
	}
	return append(out, e)
}

// SessionEndReason is what ResetAccount and Dispute record as why they ended a session.
func SessionEndReason(a model.Action) string { return "ended by " + string(a) }

package store

import (
	"context"
	"time"

	"github.com/pindesk/pindesk/model"
)

// Verification sessions (issue 13, model.VerifySession), kept in the database so that every desk,
// on every server sharing it, sees a caller verified on another.

// SessionTx is what a holder's transaction (HolderTx) may do to its account's sessions, in the
// transaction: open one with a successful verification, end them all with an unlock or a PIN
// change, read them to record an action under one.
type SessionTx interface {
	// OpenSession stores s (a session of the holder's account).
	OpenSession(ctx context.Context, s model.VerifySession) error
	// EndSessions ends every session of the holder's account still live at now, recording why,
	// and returns them, newest first.
	EndSessions(ctx context.Context, now time.Time, why string) ([]model.VerifySession, error)
	// LiveSessions returns the sessions of the holder's account live at now, newest first.
	LiveSessions(ctx context.Context, now time.Time) ([]model.VerifySession, error)
}

// VerifySessions is the store's side of sessions outside a holder's transaction. ResetAccount and
// Dispute end the account's live sessions in their own transactions, as SessionEvents says.
type VerifySessions interface {
	// Sessions returns the account's sessions live at now, newest first.
	Sessions(ctx context.Context, accountID string, now time.Time) ([]model.VerifySession, error)
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

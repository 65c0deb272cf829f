package core

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// Verification that follows the call (issue 13; model.VerifySession): the call's ticket, and the
// verification session a successful verification opens for the caller.

// DefaultSessionTTL is how long a verification session lasts (verify.session_ttl).
const DefaultSessionTTL = store.DefaultSessionTTL

// WithSessionTTL sets how long a verification session lasts (DefaultSessionTTL when zero or less).
func WithSessionTTL(d time.Duration) Option {
	return func(s *Service) {
		if d > 0 {
			s.sessionTTL = d
		}
	}
}

// SessionTTL is how long a verification session lasts.
func (s *Service) SessionTTL() time.Duration {
	if s.sessionTTL <= 0 {
		return DefaultSessionTTL
	}
	return s.sessionTTL
}

// ticket checks the call's ticket, and refuses none when the floor requires one
// (model.Policy.TicketRequired) of an operator on a call or at the admin command line. The portal
// is the customer's own self-service: it takes no calls and carries no tickets.
func (s *Service) ticket(op model.Operator, t string) (string, error) {
	t, err := model.CheckTicket(t)
	if err != nil {
		return "", err
	}
	if t == "" && s.policy.TicketRequired && op.Role != model.OpPortal {
		return "", fmt.Errorf("%w: type the call's ticket first; nothing was compared or changed", model.ErrTicketRequired)
	}
	return t, nil
}

// newSession is the id of the session a successful verification opens: random (crypto/rand),
// unguessable and never reused. The verification's audit event carries it, and with it all the
// session is (store/session.go): opening one writes nothing else.
func newSession() string { return "vs_" + rand.Text() }

// appendEnding appends e for a change that ends the account's verification sessions (an unlock, a
// PIN change), in the holder's transaction: the sessions live now are ended, e is recorded under
// the one it was done under, and each ending is audited after it, saying why.
func (s *Service) appendEnding(ctx context.Context, tx store.HolderTx, e model.AuditEvent) error {
	ended, err := tx.EndSessions(ctx, e.Time)
	if err != nil {
		return err
	}
	for _, ev := range store.SessionEvents(e, ended) {
		if err := tx.AppendAudit(ctx, ev); err != nil {
			return err
		}
	}
	return nil
}

// underSession records e under the account's live session it is done under, if any (an action by
// an operator on a call, on a verified caller's account), without ending it.
func (s *Service) underSession(ctx context.Context, tx store.HolderTx, e *model.AuditEvent) error {
	if !e.Role.OnCall() {
		return nil
	}
	live, err := tx.LiveSessions(ctx, e.Time)
	if err != nil {
		return err
	}
	contact := e.Caller
	if contact == "" {
		contact = e.Holder
	}
	if vs, ok := model.SessionFor(live, contact); ok {
		e.Session = vs.ID
	}
	return nil
}

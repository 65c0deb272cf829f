package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// Verification sessions (store.SessionTx, store.VerifySessions), read from the audit trail
// (store/session.go), which every server sharing the database reads, so a caller verified through
// one is seen through all; a verification writes nothing for its session but its own event's
// session column.
//
// The window is the account's events after its newest one at or before now − the session's
// lifetime: one backward range of audit_account (account_id, id) to find that bound, one forward
// of the same index above it. Only the openings and endings come back.
const sqlSessionEvents = `SELECT time, operator, channel, holder, caller, action, outcome, ticket, session
	FROM audit
	WHERE account_id = $1 AND id > coalesce((SELECT id FROM audit
		WHERE account_id = $1 AND time <= $2 ORDER BY id DESC LIMIT 1), 0)
	AND (` + store.SessionOpened + ` OR ` + store.SessionEnded + `)
	ORDER BY id DESC`

// SetSessionTTL sets how long a session lasts (store.VerifySessions).
func (s *Store) SetSessionTTL(d time.Duration) { s.sessionTTL.Set(d) }

func (t *holderTx) EndSessions(ctx context.Context, now time.Time) ([]model.VerifySession, error) {
	return t.s.endSessions(ctx, t.tx, t.h.Ref.AccountID, now)
}

func (t *holderTx) LiveSessions(ctx context.Context, now time.Time) ([]model.VerifySession, error) {
	return t.s.liveSessions(ctx, t.tx, t.h.Ref.AccountID, now)
}

// endSessions returns the account's sessions live at now, to end, read under the head of the
// account's audit chain. Every verification and every ending of the account appends to that chain
// under its head, and holds it until it commits, so this read sees each one that committed before
// it and none commits after it before this transaction does: of two changes ending at once (an
// unlock and a PIN change on two holders of the account), the second finds the first's endings and
// ends nothing twice, and a verification committed meanwhile is ended, not left open. The head is
// the last lock a transaction takes (audit.go), so nothing but audit appends and new rows may
// follow this in its transaction. A head whose history is not chained yet is not locked (as in
// appendAuditWith: the history is chained under every head in order).
func (s *Store) endSessions(ctx context.Context, db dbtx, accountID string, now time.Time) ([]model.VerifySession, error) {
	if _, err := db.Exec(ctx, `SELECT FROM audit_head WHERE id = $1 AND chain IS NOT NULL FOR UPDATE`, store.ChainOf(accountID)); err != nil {
		return nil, fmt.Errorf("end verification sessions: %w", err)
	}
	return s.liveSessions(ctx, db, accountID, now)
}

func (s *Store) liveSessions(ctx context.Context, db dbtx, accountID string, now time.Time) ([]model.VerifySession, error) {
	ttl := s.sessionTTL.Get()
	rows, err := db.Query(ctx, sqlSessionEvents, accountID, now.Add(-ttl))
	if err != nil {
		return nil, fmt.Errorf("verification sessions: %w", err)
	}
	evs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (model.AuditEvent, error) {
		var e model.AuditEvent
		var ch, action string
		err := row.Scan(&e.Time, &e.Operator, &ch, &e.Holder, &e.Caller, &action, &e.Outcome, &e.Ticket, &e.Session)
		e.Channel, e.Action, e.Time = model.Channel(ch), model.Action(action), e.Time.UTC()
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("verification sessions: %w", err)
	}
	return store.LiveSessions(accountID, evs, now, ttl), nil
}

// appendEndingSessions appends e for a change that ends the account's verification sessions (a
// reset, a dispute), in its transaction: the sessions live at e.Time are ended, e is recorded under
// the one it was done under, and each ending is audited after it (store.SessionEvents).
func (s *Store) appendEndingSessions(ctx context.Context, db dbtx, e model.AuditEvent) error {
	ended, err := s.endSessions(ctx, db, e.AccountID, e.Time)
	if err != nil {
		return err
	}
	for _, ev := range store.SessionEvents(e, ended) {
		if err := s.appendAudit(ctx, db, ev); err != nil {
			return err
		}
	}
	return nil
}

// Sessions returns the account's sessions live at now, newest first.
func (s *Store) Sessions(ctx context.Context, accountID string, now time.Time) (_ []model.VerifySession, err error) {
	defer mapped(&err)
	if !storable(accountID) {
		return []model.VerifySession{}, nil
	}
	return s.liveSessions(ctx, s.pool, accountID, now)
}

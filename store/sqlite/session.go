package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// Verification sessions (store.SessionTx, store.VerifySessions), read from the audit trail
// (store/session.go): a verification writes nothing for its session but its own event's session
// column. Every account view reads them (each open app, about once a second), so the read is
// prepared on both connections.
//
// The window is the account's events after its newest one at or before now − the session's
// lifetime: one reverse range of audit_account (account_id, id) to find that bound, one forward
// of the same index above it, each entry with its row. Only the openings and endings come back.
const sqlSessionEvents = `SELECT time, operator, channel, holder, caller, action, outcome, ticket, session
	FROM audit INDEXED BY audit_account
	WHERE account_id = ?1 AND id > coalesce((SELECT id FROM audit INDEXED BY audit_account
		WHERE account_id = ?1 AND time <= ?2 ORDER BY id DESC LIMIT 1), 0)
	AND (` + store.SessionOpened + ` OR ` + store.SessionEnded + `)
	ORDER BY id DESC`

func init() {
	writerQueries = append(writerQueries, sqlSessionEvents)
	readerQueries = append(readerQueries, sqlSessionEvents)
}

// SetSessionTTL sets how long a session lasts (store.VerifySessions).
func (s *Store) SetSessionTTL(d time.Duration) { s.sessionTTL.Set(d) }

// EndSessions returns the sessions to end: under SQLite's one writer, no verification or ending
// commits between this read and the transaction's own appends.
func (t *holderTx) EndSessions(ctx context.Context, now time.Time) ([]model.VerifySession, error) {
	return t.LiveSessions(ctx, now)
}

func (t *holderTx) LiveSessions(ctx context.Context, now time.Time) ([]model.VerifySession, error) {
	return t.s.liveSessions(nocancel(ctx), t.tx, t.ws, t.h.Ref.AccountID, now)
}

// liveSessions reads the account's sessions live at now, in tx (nil for the read pool).
func (s *Store) liveSessions(ctx context.Context, tx *sql.Tx, ss stmts, accountID string, now time.Time) ([]model.VerifySession, error) {
	ttl := s.sessionTTL.Get()
	var rows *sql.Rows
	var err error
	if tx != nil {
		rows, err = ss.txQuery(ctx, tx, sqlSessionEvents, accountID, nanos(now.Add(-ttl)))
	} else {
		rows, err = ss.dbQuery(ctx, s.r, sqlSessionEvents, accountID, nanos(now.Add(-ttl)))
	}
	if err != nil {
		return nil, fmt.Errorf("verification sessions: %w", mapErr(err))
	}
	defer rows.Close()
	var evs []model.AuditEvent
	for rows.Next() {
		var e model.AuditEvent
		var at int64
		if err := rows.Scan(&at, &e.Operator, &e.Channel, &e.Holder, &e.Caller, &e.Action, &e.Outcome, &e.Ticket, &e.Session); err != nil {
			return nil, fmt.Errorf("verification sessions: %w", mapErr(err))
		}
		e.Time = fromNanos(at)
		evs = append(evs, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("verification sessions: %w", mapErr(err))
	}
	return store.LiveSessions(accountID, evs, now, ttl), nil
}

// appendEndingSessions appends e for a change that ends the account's verification sessions (a
// reset, a dispute), in its transaction: the sessions live at e.Time are ended, e is recorded under
// the one it was done under, and each ending is audited after it (store.SessionEvents).
func (s *Store) appendEndingSessions(ctx context.Context, tx *sql.Tx, e model.AuditEvent) error {
	ended, err := s.liveSessions(ctx, tx, s.ws, e.AccountID, e.Time)
	if err != nil {
		return err
	}
	for _, ev := range store.SessionEvents(e, ended) {
		if err := s.appendAudit(ctx, tx, ev); err != nil {
			return err
		}
	}
	return nil
}

// Sessions returns the account's sessions live at now, newest first.
func (s *Store) Sessions(ctx context.Context, accountID string, now time.Time) ([]model.VerifySession, error) {
	if err := s.guard.err(); err != nil {
		return nil, err
	}
	return s.liveSessions(ctx, nil, s.rs, accountID, now)
}

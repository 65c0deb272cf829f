package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// Verification sessions (store.SessionTx, store.VerifySessions): rows of verify_sessions. Every
// successful verification opens one, so its insert is prepared with the writer's statements.
const (
	sqlOpenSession = `INSERT INTO verify_sessions
		(id, account_id, contact_id, holder_id, operator, channel, ticket, started_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	sessionColumns = `id, account_id, contact_id, holder_id, operator, channel, ticket, started_at, expires_at`
	sqlEndSessions = `UPDATE verify_sessions SET ended_at = ?1, end_reason = ?2
		WHERE account_id = ?3 AND ended_at IS NULL AND expires_at > ?1 RETURNING ` + sessionColumns
	sqlLiveSessions = `SELECT ` + sessionColumns + ` FROM verify_sessions
		WHERE account_id = ? AND ended_at IS NULL AND expires_at > ? ORDER BY started_at DESC, id DESC`
)

func init() {
	writerQueries = append(writerQueries, sqlOpenSession, sqlEndSessions, sqlLiveSessions)
	readerQueries = append(readerQueries, sqlLiveSessions)
}

func (t *holderTx) OpenSession(ctx context.Context, vs model.VerifySession) error {
	_, err := t.ws.txExec(nocancel(ctx), t.tx, sqlOpenSession, vs.ID, t.h.Ref.AccountID, vs.Contact, vs.Holder,
		vs.Operator, string(vs.Channel), vs.Ticket, nanos(vs.StartedAt), nanos(vs.ExpiresAt))
	if err != nil {
		return fmt.Errorf("open verification session: %w", mapErr(err))
	}
	return nil
}

func (t *holderTx) EndSessions(ctx context.Context, now time.Time, why string) ([]model.VerifySession, error) {
	return endSessions(nocancel(ctx), t.tx, t.ws, t.h.Ref.AccountID, now, why)
}

func (t *holderTx) LiveSessions(ctx context.Context, now time.Time) ([]model.VerifySession, error) {
	rows, err := t.ws.txQuery(nocancel(ctx), t.tx, sqlLiveSessions, t.h.Ref.AccountID, nanos(now))
	if err != nil {
		return nil, fmt.Errorf("verification sessions: %w", mapErr(err))
	}
	return scanSessions(rows)
}

// endSessions ends the account's sessions live at now, in tx, and returns them newest first.
func endSessions(ctx context.Context, tx *sql.Tx, ws stmts, accountID string, now time.Time, why string) ([]model.VerifySession, error) {
	rows, err := ws.txQuery(ctx, tx, sqlEndSessions, nanos(now), why, accountID)
	if err != nil {
		return nil, fmt.Errorf("end verification sessions: %w", mapErr(err))
	}
	out, err := scanSessions(rows)
	if err != nil {
		return nil, err
	}
	// RETURNING follows no ORDER BY.
	slices.SortFunc(out, func(a, b model.VerifySession) int {
		if c := b.StartedAt.Compare(a.StartedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out, nil
}

// appendEndingSessions appends e for a change that ends the account's verification sessions (a
// reset, a dispute), in its transaction: the sessions live at e.Time are ended, e is recorded under
// the one it was done under, and each ending is audited after it (store.SessionEvents).
func (s *Store) appendEndingSessions(ctx context.Context, tx *sql.Tx, e model.AuditEvent) error {
	ended, err := endSessions(ctx, tx, s.ws, e.AccountID, e.Time, store.SessionEndReason(e.Action))
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
	rows, err := s.rs.dbQuery(ctx, s.r, sqlLiveSessions, accountID, nanos(now))
	if err != nil {
		return nil, fmt.Errorf("verification sessions: %w", mapErr(err))
	}
	return scanSessions(rows)
}

func scanSessions(rows *sql.Rows) ([]model.VerifySession, error) {
	defer rows.Close()
	out := []model.VerifySession{}
	for rows.Next() {
		var vs model.VerifySession
		var started, expires int64
		if err := rows.Scan(&vs.ID, &vs.AccountID, &vs.Contact, &vs.Holder, &vs.Operator, &vs.Channel, &vs.Ticket, &started, &expires); err != nil {
			return nil, fmt.Errorf("verification sessions: %w", mapErr(err))
		}
		vs.StartedAt, vs.ExpiresAt = fromNanos(started), fromNanos(expires)
		out = append(out, vs)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("verification sessions: %w", mapErr(err))
	}
	return out, nil
}

package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// Verification sessions (store.SessionTx, store.VerifySessions): rows of verify_sessions, which
// every server sharing the database reads, so a caller verified through one is seen through all.

const sessionColumns = `id, account_id, contact_id, holder_id, operator, channel, ticket, started_at, expires_at`

func (t *holderTx) OpenSession(ctx context.Context, vs model.VerifySession) error {
	if !storable(vs.ID, vs.Contact, vs.Holder, vs.Operator, string(vs.Channel), vs.Ticket) {
		return fmt.Errorf("%w: a session's text must be UTF-8 without NUL characters", model.ErrInvalidInput)
	}
	_, err := t.tx.Exec(ctx, `INSERT INTO verify_sessions (`+sessionColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		vs.ID, t.h.Ref.AccountID, vs.Contact, vs.Holder, vs.Operator, string(vs.Channel), vs.Ticket, vs.StartedAt, vs.ExpiresAt)
	if err != nil {
		return fmt.Errorf("open verification session: %w", err)
	}
	return nil
}

func (t *holderTx) EndSessions(ctx context.Context, now time.Time, why string) ([]model.VerifySession, error) {
	return endSessions(ctx, t.tx, t.h.Ref.AccountID, now, why)
}

func (t *holderTx) LiveSessions(ctx context.Context, now time.Time) ([]model.VerifySession, error) {
	return liveSessions(ctx, t.tx, t.h.Ref.AccountID, now)
}

// endSessions ends the account's sessions live at now and returns them newest first. It runs
// before the transaction's audit appends, so the chain head stays the last lock taken.
func endSessions(ctx context.Context, db dbtx, accountID string, now time.Time, why string) ([]model.VerifySession, error) {
	rows, err := db.Query(ctx, `UPDATE verify_sessions SET ended_at = $1, end_reason = $2
		WHERE account_id = $3 AND ended_at IS NULL AND expires_at > $1 RETURNING `+sessionColumns, now, why, accountID)
	if err != nil {
		return nil, fmt.Errorf("end verification sessions: %w", err)
	}
	out, err := collectSessions(rows)
	if err != nil {
		return nil, fmt.Errorf("end verification sessions: %w", err)
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

func liveSessions(ctx context.Context, db dbtx, accountID string, now time.Time) ([]model.VerifySession, error) {
	rows, err := db.Query(ctx, `SELECT `+sessionColumns+` FROM verify_sessions
		WHERE account_id = $1 AND ended_at IS NULL AND expires_at > $2 ORDER BY started_at DESC, id DESC`, accountID, now)
	if err != nil {
		return nil, fmt.Errorf("verification sessions: %w", err)
	}
	out, err := collectSessions(rows)
	if err != nil {
		return nil, fmt.Errorf("verification sessions: %w", err)
	}
	return out, nil
}

func collectSessions(rows pgx.Rows) ([]model.VerifySession, error) {
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (model.VerifySession, error) {
		var vs model.VerifySession
		var ch string
		err := row.Scan(&vs.ID, &vs.AccountID, &vs.Contact, &vs.Holder, &vs.Operator, &ch, &vs.Ticket, &vs.StartedAt, &vs.ExpiresAt)
		vs.Channel, vs.StartedAt, vs.ExpiresAt = model.Channel(ch), vs.StartedAt.UTC(), vs.ExpiresAt.UTC()
		return vs, err
	})
	if out == nil {
		out = []model.VerifySession{}
	}
	return out, err
}

// appendEndingSessions appends e for a change that ends the account's verification sessions (a
// reset, a dispute), in its transaction: the sessions live at e.Time are ended, e is recorded under
// the one it was done under, and each ending is audited after it (store.SessionEvents).
func (s *Store) appendEndingSessions(ctx context.Context, db dbtx, e model.AuditEvent) error {
	ended, err := endSessions(ctx, db, e.AccountID, e.Time, store.SessionEndReason(e.Action))
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
	return liveSessions(ctx, s.pool, accountID, now)
}

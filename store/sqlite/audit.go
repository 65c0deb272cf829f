package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/pindesk/pindesk/model"
)

// DefaultAuditPage is the page size of an audit query that names none.
const DefaultAuditPage = 100

func appendAudit(ctx context.Context, tx *sql.Tx, ws stmts, e model.AuditEvent) error {
	_, err := appendAuditID(ctx, tx, ws, e)
	return err
}

// appendAuditID appends e and returns its id.
func appendAuditID(ctx context.Context, tx *sql.Tx, ws stmts, e model.AuditEvent) (int64, error) {
	if e.Time.IsZero() {
		return 0, fmt.Errorf("%w: an audit event needs a time", model.ErrInvalidInput)
	}
	var left, replayOf any
	if e.AttemptsLeft != nil {
		left = *e.AttemptsLeft
	}
	if e.ReplayOf != nil {
		replayOf = *e.ReplayOf
	}
	res, err := ws.txExec(ctx, tx, sqlAppendAudit,
		nanos(e.Time), e.Operator, string(e.Role), string(e.Channel), e.AccountID, e.Holder, e.Caller,
		string(e.Action), string(e.Kind), e.Outcome, left, e.Reason, replayOf)
	if err != nil {
		return 0, fmt.Errorf("append audit: %w", mapErr(err))
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("append audit: %w", mapErr(err))
	}
	return id, nil
}

// AppendAudit appends an event in a transaction of its own.
func (s *Store) AppendAudit(ctx context.Context, e model.AuditEvent) error {
	return s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error { return appendAudit(ctx, tx, s.ws, e) })
}

// Audit returns the events matching q, newest (highest id) first. The WHERE clause holds only the
// bounds q sets, so SQLite can walk audit_account (account_id, id) backwards for an account's page,
// or the primary key for all accounts.
func (s *Store) Audit(ctx context.Context, q model.AuditQuery) ([]model.AuditEvent, error) {
	if err := s.guard.err(); err != nil {
		return nil, err
	}
	var where []string
	var args []any
	if q.AccountID != "" {
		where, args = append(where, "account_id = ?"), append(args, q.AccountID)
	}
	if !q.Since.IsZero() {
		where, args = append(where, "time >= ?"), append(args, nanos(q.Since))
	}
	if !q.Until.IsZero() {
		where, args = append(where, "time < ?"), append(args, nanos(q.Until))
	}
	if q.BeforeID > 0 {
		where, args = append(where, "id < ?"), append(args, q.BeforeID)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultAuditPage
	}
	query := `SELECT id, time, operator, role, channel, account_id, holder, caller, action, kind, outcome, attempts_left, reason, replay_of FROM audit`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY id DESC LIMIT ?"
	args = append(args, limit)
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", mapErr(err))
	}
	defer rows.Close()
	out := []model.AuditEvent{}
	for rows.Next() {
		var e model.AuditEvent
		var t int64
		var left, replayOf sql.NullInt64
		if err := rows.Scan(&e.ID, &t, &e.Operator, &e.Role, &e.Channel, &e.AccountID, &e.Holder, &e.Caller,
			&e.Action, &e.Kind, &e.Outcome, &left, &e.Reason, &replayOf); err != nil {
			return nil, fmt.Errorf("audit: %w", mapErr(err))
		}
		e.Time = fromNanos(t)
		if left.Valid {
			n := int(left.Int64)
			e.AttemptsLeft = &n
		}
		if replayOf.Valid {
			e.ReplayOf = &replayOf.Int64
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: %w", mapErr(err))
	}
	return out, nil
}

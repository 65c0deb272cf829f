package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/pindesk/pindesk/model"
)

// execer is what a pgx.Tx, a connection and the pool share.
type execer interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func appendAudit(ctx context.Context, db execer, e model.AuditEvent) error {
	_, err := appendAuditID(ctx, db, e)
	return err
}

// appendAuditID appends e and returns its id.
func appendAuditID(ctx context.Context, db execer, e model.AuditEvent) (int64, error) {
	if e.Time.IsZero() {
		return 0, fmt.Errorf("%w: an audit event needs a time", model.ErrInvalidInput)
	}
	if !storable(e.Operator, e.AccountID, e.Holder, e.Caller, e.Outcome, e.Reason, string(e.Role), string(e.Channel), string(e.Action), string(e.Kind)) {
		return 0, fmt.Errorf("%w: an audit event's text must be UTF-8 without NUL characters", model.ErrInvalidInput)
	}
	var left *int32
	if e.AttemptsLeft != nil {
		v := int32(*e.AttemptsLeft)
		left = &v
	}
	var id int64
	err := db.QueryRow(ctx, `INSERT INTO audit (time, operator, role, channel, account_id, holder, caller, action, kind, outcome, attempts_left, reason, replay_of)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
		e.Time, e.Operator, string(e.Role), string(e.Channel), e.AccountID, e.Holder, e.Caller,
		string(e.Action), string(e.Kind), e.Outcome, left, e.Reason, e.ReplayOf).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("append audit event: %w", err)
	}
	return id, nil
}

// AppendAudit appends an event on its own.
func (s *Store) AppendAudit(ctx context.Context, e model.AuditEvent) (err error) {
	defer mapped(&err)
	return mapErr(appendAudit(ctx, s.pool, e))
}

// DefaultAuditPage is the page size of an audit query that names none.
const DefaultAuditPage = 100

// Audit returns the events matching q, newest (highest id) first. The WHERE clause holds only the
// bounds q sets, so the planner walks audit_account (account_id, id) backwards for an account's
// page, or the primary key for all accounts, and stops after the page.
func (s *Store) Audit(ctx context.Context, q model.AuditQuery) (_ []model.AuditEvent, err error) {
	defer mapped(&err)
	if !storable(q.AccountID) {
		return []model.AuditEvent{}, nil
	}
	var where []string
	var args []any
	arg := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if q.AccountID != "" {
		arg("account_id = ?", q.AccountID)
	}
	if !q.Since.IsZero() {
		arg("time >= ?", q.Since)
	}
	if !q.Until.IsZero() {
		arg("time < ?", q.Until)
	}
	if q.BeforeID > 0 {
		arg("id < ?", q.BeforeID)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultAuditPage
	}
	query := `SELECT id, time, operator, role, channel, account_id, holder, caller, action, kind, outcome, attempts_left, reason, replay_of FROM audit`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, limit)
	query += " ORDER BY id DESC LIMIT $" + strconv.Itoa(len(args))
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read audit: %w", mapErr(err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (model.AuditEvent, error) {
		var e model.AuditEvent
		var role, channel, action, kind string
		var left *int32
		err := row.Scan(&e.ID, &e.Time, &e.Operator, &role, &channel, &e.AccountID, &e.Holder, &e.Caller, &action, &kind, &e.Outcome, &left, &e.Reason, &e.ReplayOf)
		e.Time = e.Time.UTC()
		e.Role, e.Channel, e.Action, e.Kind = model.OperatorRole(role), model.Channel(channel), model.Action(action), model.Kind(kind)
		if left != nil {
			v := int(*left)
			e.AttemptsLeft = &v
		}
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("read audit: %w", err)
	}
	if out == nil {
		out = []model.AuditEvent{}
	}
	return out, nil
}

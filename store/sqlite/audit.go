package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// DefaultAuditPage is the page size of an audit query that names none.
const DefaultAuditPage = 100

func (s *Store) appendAudit(ctx context.Context, tx *sql.Tx, e model.AuditEvent) error {
	_, err := s.appendAuditID(ctx, tx, e)
	return err
}

// appendAuditID appends e and returns its id. Every audit row is written here: it reads its
// chain's head (under the write lock every write transaction holds), chains e after it, and moves
// the head in the same transaction, so a rolled-back write, or a savepoint of the group commit
// rolled back to, leaves the head where it was.
func (s *Store) appendAuditID(ctx context.Context, tx *sql.Tx, e model.AuditEvent) (int64, error) {
	return s.appendAuditWith(ctx, tx, s.auditKey(), e)
}

// appendAuditWith is appendAuditID chaining under k.
func (s *Store) appendAuditWith(ctx context.Context, tx *sql.Tx, k store.AuditKey, e model.AuditEvent) (int64, error) {
	if e.Time.IsZero() {
		return 0, fmt.Errorf("%w: an audit event needs a time", model.ErrInvalidInput)
	}
	if k.Func == nil {
		return 0, store.ErrNoAuditChain
	}
	if s.unchained {
		return s.insertAudit(ctx, tx, e, nil, nil, nil)
	}
	c := store.ChainOf(e.AccountID)
	var seq int64
	var prev []byte
	var check sql.NullString
	if err := s.ws.txQueryRow(ctx, tx, sqlAuditHead, c).Scan(&seq, &prev, &check); err != nil {
		return 0, fmt.Errorf("append audit: read the chain head: %w", mapErr(err))
	}
	if prev == nil {
		// A database whose history was never chained (a fresh one, or one from before the chain,
		// opened without ChainAuditHistory): chain it first, in this transaction.
		heads, _, err := chainHistory(ctx, tx, k)
		if err != nil {
			return 0, err
		}
		seq, prev, check = heads[c].Seq, heads[c].Value, sql.NullString{String: heads[c].KeyID, Valid: true}
	}
	if err := store.CheckChainKey(k, check.String); err != nil {
		return 0, err
	}
	e.Time = e.Time.UTC()
	seq++
	chain := k.Func(prev, store.CanonicalAudit(nil, c, seq, e))
	id, err := s.insertAudit(ctx, tx, e, c, seq, chain)
	if err != nil {
		return 0, err
	}
	if _, err := s.ws.txExec(ctx, tx, sqlMoveAuditHead, seq, chain, nanos(e.Time), c); err != nil {
		return 0, fmt.Errorf("append audit: move the chain head: %w", mapErr(err))
	}
	return id, nil
}

func (s *Store) insertAudit(ctx context.Context, tx *sql.Tx, e model.AuditEvent, chainID, seq, chain any) (int64, error) {
	var left, replayOf any
	if e.AttemptsLeft != nil {
		left = *e.AttemptsLeft
	}
	if e.ReplayOf != nil {
		replayOf = *e.ReplayOf
	}
	var request any
	if e.Request != 0 {
		request = e.Request
	}
	res, err := s.ws.txExec(ctx, tx, sqlAppendAudit,
		nanos(e.Time), e.Operator, string(e.Role), string(e.Channel), e.AccountID, e.Holder, e.Caller,
		string(e.Action), string(e.Kind), e.Outcome, left, e.Reason, replayOf, chainID, seq, chain,
		e.Approver, request, e.Ticket, e.Session)
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
	return s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error { return s.appendAudit(ctx, tx, e) })
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
	if q.Ticket != "" {
		where, args = append(where, "ticket = ?"), append(args, q.Ticket)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultAuditPage
	}
	query := `SELECT id, time, operator, role, channel, account_id, holder, caller, action, kind, outcome, attempts_left, reason, replay_of,
		approver, request_id, ticket, session FROM audit`
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
		var left, replayOf, request sql.NullInt64
		if err := rows.Scan(&e.ID, &t, &e.Operator, &e.Role, &e.Channel, &e.AccountID, &e.Holder, &e.Caller,
			&e.Action, &e.Kind, &e.Outcome, &left, &e.Reason, &replayOf, &e.Approver, &request, &e.Ticket, &e.Session); err != nil {
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
		e.Request = request.Int64
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: %w", mapErr(err))
	}
	return out, nil
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

func (s *Store) appendAudit(ctx context.Context, db dbtx, e model.AuditEvent) error {
	_, err := s.appendAuditID(ctx, db, e)
	return err
}

// appendAuditID appends e and returns its id. Every audit row is written here, inside the caller's
// transaction: it locks its chain's head (one row of audit_head) — the last lock the transaction
// takes, since every caller appends after its other writes, so a transaction holding a head waits
// for no other lock and cannot deadlock with one holding a holder's row and waiting for the head
// — chains e after it, and inserts e and moves the head in one statement. Appends to one chain
// from every server sharing the database thus follow one another, appends to other chains commit
// beside them, and a head is held only for the rest of its transaction: two round trips and the
// commit.
func (s *Store) appendAuditID(ctx context.Context, db dbtx, e model.AuditEvent) (int64, error) {
	return s.appendAuditWith(ctx, db, s.auditKey(), e)
}

// appendAuditWith is appendAuditID chaining under k.
func (s *Store) appendAuditWith(ctx context.Context, db dbtx, k store.AuditKey, e model.AuditEvent) (int64, error) {
	if e.Time.IsZero() {
		return 0, fmt.Errorf("%w: an audit event needs a time", model.ErrInvalidInput)
	}
	if !storable(e.Operator, e.AccountID, e.Holder, e.Caller, e.Outcome, e.Reason, string(e.Role), string(e.Channel), string(e.Action), string(e.Kind), e.Approver, e.Ticket, e.Session) {
		return 0, fmt.Errorf("%w: an audit event's text must be UTF-8 without NUL characters", model.ErrInvalidInput)
	}
	if k.Func == nil {
		return 0, store.ErrNoAuditChain
	}
	var left *int32
	if e.AttemptsLeft != nil {
		v := int32(*e.AttemptsLeft)
		left = &v
	}
	e.Time = storedTime(e.Time)
	var request *int64
	if e.Request != 0 {
		request = &e.Request
	}
	var id int64
	if s.unchained {
		err := db.QueryRow(ctx, `INSERT INTO audit (time, operator, role, channel, account_id, holder, caller, action, kind, outcome, attempts_left, reason, replay_of, approver, request_id, ticket, session)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id`,
			e.Time, e.Operator, string(e.Role), string(e.Channel), e.AccountID, e.Holder, e.Caller,
			string(e.Action), string(e.Kind), e.Outcome, left, e.Reason, e.ReplayOf, e.Approver, request, e.Ticket, e.Session).Scan(&id)
		if err != nil {
			return 0, fmt.Errorf("append audit event: %w", err)
		}
		return id, nil
	}
	c := store.ChainOf(e.AccountID)
	if h := s.heads[c].Load(); h != nil && h.check == k.Check {
		// This store appended the chain's last event it knows of: chain on from it, moving the head
		// only if it is still there. Another server's append (or this store's, rolled back) since
		// leaves the head elsewhere: then nothing is written, and the head is read under its lock.
		seq := h.seq + 1
		chain := k.Func(h.value, store.CanonicalAudit(nil, c, seq, e))
		err := db.QueryRow(ctx, `WITH head AS (UPDATE audit_head SET seq = $15, chain = $16, time = $1 WHERE id = $14 AND seq = $17 AND chain = $18 RETURNING 1)
			INSERT INTO audit (time, operator, role, channel, account_id, holder, caller, action, kind, outcome, attempts_left, reason, replay_of, chain_id, seq, chain, approver, request_id, ticket, session)
			SELECT $1::timestamptz, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::text, $10::text, $11::integer, $12::text, $13::bigint, $14::smallint, $15::bigint, $16::bytea, $19::text, $20::bigint, $21::text, $22::text
			WHERE EXISTS (SELECT FROM head) RETURNING id`,
			e.Time, e.Operator, string(e.Role), string(e.Channel), e.AccountID, e.Holder, e.Caller,
			string(e.Action), string(e.Kind), e.Outcome, left, e.Reason, e.ReplayOf, c, seq, chain, h.seq, h.value, e.Approver, request, e.Ticket, e.Session).Scan(&id)
		if err == nil {
			s.heads[c].Store(&cachedHead{seq: seq, value: chain, check: k.Check})
			return id, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return 0, fmt.Errorf("append audit event: %w", err)
		}
	}
	var seq int64
	var prev []byte
	var check *string
	// A head not yet chained is not locked here (FOR UPDATE locks only the rows returned): the
	// history is chained first, under every head locked in chain order, so two first appends to
	// different chains cannot each hold one head and wait for the other's.
	err := db.QueryRow(ctx, `SELECT seq, chain, key_check FROM audit_head WHERE id = $1 AND chain IS NOT NULL FOR UPDATE`, c).Scan(&seq, &prev, &check)
	if errors.Is(err, pgx.ErrNoRows) {
		heads, _, herr := chainHistory(ctx, db, k)
		if herr != nil {
			return 0, herr
		}
		seq, prev, check, err = heads[c].Seq, heads[c].Value, &heads[c].KeyID, nil
	}
	if err != nil {
		return 0, fmt.Errorf("append audit event: lock the chain head: %w", err)
	}
	recorded := ""
	if check != nil {
		recorded = *check
	}
	if err := store.CheckChainKey(k, recorded); err != nil {
		return 0, err
	}
	seq++
	// PostgreSQL keeps microseconds: e.Time is already the time it will hold, and hashed so.
	chain := k.Func(prev, store.CanonicalAudit(nil, c, seq, e))
	err = db.QueryRow(ctx, `WITH head AS (UPDATE audit_head SET seq = $15, chain = $16, time = $1 WHERE id = $14)
		INSERT INTO audit (time, operator, role, channel, account_id, holder, caller, action, kind, outcome, attempts_left, reason, replay_of, chain_id, seq, chain, approver, request_id, ticket, session)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) RETURNING id`,
		e.Time, e.Operator, string(e.Role), string(e.Channel), e.AccountID, e.Holder, e.Caller,
		string(e.Action), string(e.Kind), e.Outcome, left, e.Reason, e.ReplayOf, c, seq, chain, e.Approver, request, e.Ticket, e.Session).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("append audit event: %w", err)
	}
	s.heads[c].Store(&cachedHead{seq: seq, value: chain, check: k.Check})
	return id, nil
}

// cachedHead is a chain's head as this store last moved it: a hint, checked by the next append's
// statement, never trusted.
type cachedHead struct {
	seq   int64
	value []byte
	check string
}

// lockAuditHeads locks the heads of the chains events will be appended to, in chain order, for a
// transaction that appends to several (an import): two such transactions then queue on their
// first common head instead of each holding one the other waits for.
func lockAuditHeads(ctx context.Context, db dbtx, events []model.AuditEvent) error {
	var chains []int16
	seen := map[int]bool{}
	for _, e := range events {
		if c := store.ChainOf(e.AccountID); !seen[c] {
			seen[c] = true
			chains = append(chains, int16(c))
		}
	}
	if len(chains) < 2 {
		return nil
	}
	if _, err := db.Exec(ctx, `SELECT 1 FROM audit_head WHERE id = ANY($1) ORDER BY id FOR UPDATE`, chains); err != nil {
		return fmt.Errorf("lock the audit chain heads: %w", err)
	}
	return nil
}

// storedTime is t as a timestamptz column gives it back: UTC, whole microseconds.
func storedTime(t time.Time) time.Time {
	return time.UnixMicro(t.UnixMicro()).UTC()
}

// AppendAudit appends an event in a transaction of its own (the head and the row together).
func (s *Store) AppendAudit(ctx context.Context, e model.AuditEvent) (err error) {
	defer mapped(&err)
	return s.inTx(ctx, func(tx pgx.Tx) error { return s.appendAudit(ctx, tx, e) })
}

// DefaultAuditPage is the page size of an audit query that names none.
const DefaultAuditPage = 100

// Audit returns the events matching q, newest (highest id) first. The WHERE clause holds only the
// bounds q sets, so the planner walks audit_account (account_id, id) backwards for an account's
// page, or the primary key for all accounts, and stops after the page.
func (s *Store) Audit(ctx context.Context, q model.AuditQuery) (_ []model.AuditEvent, err error) {
	defer mapped(&err)
	if !storable(q.AccountID, q.Ticket) {
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
	if q.Ticket != "" {
		arg("ticket = ?", q.Ticket)
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
		var request *int64
		err := row.Scan(&e.ID, &e.Time, &e.Operator, &role, &channel, &e.AccountID, &e.Holder, &e.Caller, &action, &kind, &e.Outcome, &left, &e.Reason, &e.ReplayOf,
			&e.Approver, &request, &e.Ticket, &e.Session)
		if request != nil {
			e.Request = *request
		}
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

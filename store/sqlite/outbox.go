package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// A notice rides on a verification after earlier failures and on every lock, so its two inserts
// are among the writer's prepared statements (parsing them cost more than running them).
const sqlInsertNotice = `INSERT INTO outbox (id, type, account_id, notice, created_at, since, next_at, sealed)
	VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?5, ?6)`

// insertNotice writes n to the outbox and the notice log, whose key (the id) is what keeps a
// notice id unique and finds its outbox row (migration 0014); ws is the writer's prepared
// statements (nil: parsed here).
func insertNotice(ctx context.Context, tx *sql.Tx, ws stmts, n model.Notice) error {
	if n.ID == "" {
		return fmt.Errorf("%w: a notice needs an id", model.ErrInvalidInput)
	}
	body, err := json.Marshal(n)
	if err != nil {
		return fmt.Errorf("notice: %w", err)
	}
	res, err := ws.txExec(ctx, tx, sqlInsertNotice, n.ID, string(n.Type), n.AccountID, string(body), nanos(n.Time), n.Sealed)
	if err != nil {
		return fmt.Errorf("write notice: %w", mapErr(err))
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("write notice: %w", mapErr(err))
	}
	return logNotice(ctx, tx, ws, n, seq)
}

// byNoticeID picks the outbox row of notice ?1 through the notice log (the outbox has no index on
// id). The log's outbox_seq may name a later notice's row once its own was delivered (a seq is
// reused after the newest row goes), so the row's id must match too.
const byNoticeID = `seq = (SELECT outbox_seq FROM notice_log WHERE id = ?1) AND id = ?1`

func (t *holderTx) Notify(ctx context.Context, n model.Notice) error {
	return insertNotice(nocancel(ctx), t.tx, t.ws, n)
}

const outboxColumns = `seq, notice, state, attempts, next_at, since, done, last_error, sealed`

func scanOutbox(rows *sql.Rows) ([]store.OutboxEntry, error) {
	defer rows.Close()
	type row struct {
		seq int64
		e   store.OutboxEntry
	}
	var out []row
	for rows.Next() {
		var r row
		var notice, done string
		var next, since int64
		var sealed []byte
		if err := rows.Scan(&r.seq, &notice, &r.e.State, &r.e.Attempts, &next, &since, &done, &r.e.LastError, &sealed); err != nil {
			return nil, mapErr(err)
		}
		if err := json.Unmarshal([]byte(notice), &r.e.Notice); err != nil {
			return nil, fmt.Errorf("outbox: stored notice: %w", err)
		}
		r.e.Sealed = sealed // a contact.code notice's sealed code (its own column, never in the JSON)
		if err := json.Unmarshal([]byte(done), &r.e.Done); err != nil {
			return nil, fmt.Errorf("outbox: stored destinations: %w", err)
		}
		r.e.NextAt, r.e.Since = fromNanos(next), fromNanos(since)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	// RETURNING gives rows in no promised order.
	slices.SortFunc(out, func(a, b row) int { return cmp.Compare(a.seq, b.seq) })
	es := make([]store.OutboxEntry, len(out))
	for i, r := range out {
		es[i] = r.e
	}
	return es, nil
}

// ClaimNotices looks on a reader first, so an idle deliverer's polls never take the write lock
// from verifications; only when a notice is due does it claim, on the writer.
func (s *Store) ClaimNotices(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]store.OutboxEntry, error) {
	if err := s.guard.err(); err != nil {
		return nil, err
	}
	var any int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM outbox WHERE state = 'pending' AND next_at <= ?1
		AND (lease_until IS NULL OR lease_until <= ?1) LIMIT 1)`, nanos(now)).Scan(&any)
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", mapErr(err))
	}
	if any == 0 {
		return nil, nil
	}
	var out []store.OutboxEntry
	err = s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE outbox SET lease_owner = ?1, lease_until = ?2
			WHERE seq IN (SELECT seq FROM outbox WHERE state = 'pending' AND next_at <= ?3
				AND (lease_until IS NULL OR lease_until <= ?3) ORDER BY seq LIMIT ?4)
			RETURNING `+outboxColumns, owner, nanos(now.Add(lease)), nanos(now), limit)
		if err != nil {
			return mapErr(err)
		}
		out, err = scanOutbox(rows)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim notices: %w", err)
	}
	return out, nil
}

func (s *Store) NoticeDelivered(ctx context.Context, id, owner string) error {
	err := s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE `+byNoticeID+` AND lease_owner = ?2`, id, owner)
		return mapErr(err)
	})
	if err != nil {
		return fmt.Errorf("notice %s delivered: %w", id, err)
	}
	return nil
}

func (s *Store) NoticeFailed(ctx context.Context, id, owner string, f store.NoticeFailure) error {
	done, err := json.Marshal(nonNil(f.Done))
	if err != nil {
		return err
	}
	state := store.NoticePending
	if f.Dead {
		state = store.NoticeDead
	}
	err = s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, done = ?3, last_error = ?4, next_at = ?5,
				state = ?6, lease_owner = NULL, lease_until = NULL
			WHERE `+byNoticeID+` AND lease_owner = ?2`, id, owner, string(done), f.Error, nanos(f.NextAt), state)
		return mapErr(err)
	})
	if err != nil {
		return fmt.Errorf("notice %s failed: %w", id, err)
	}
	return nil
}

func (s *Store) Notices(ctx context.Context, q store.NoticeQuery) ([]store.OutboxEntry, error) {
	if err := s.guard.err(); err != nil {
		return nil, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE ?1 = '' OR state = ?1 ORDER BY seq LIMIT ?2`, q.State, limit)
	if err != nil {
		return nil, fmt.Errorf("list notices: %w", mapErr(err))
	}
	return scanOutbox(rows)
}

func (s *Store) RetryNotice(ctx context.Context, id string, now time.Time) error {
	return s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'pending', attempts = 0, since = ?2, next_at = ?2,
				lease_owner = NULL, lease_until = NULL
			WHERE `+byNoticeID+` AND state = 'dead'`, id, nanos(now))
		if err != nil {
			return mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: no dead notice %q", model.ErrInvalidInput, id)
		}
		return nil
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

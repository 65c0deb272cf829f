package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

func insertNotice(ctx context.Context, tx dbtx, n model.Notice) error {
	if n.ID == "" {
		return fmt.Errorf("%w: a notice needs an id", model.ErrInvalidInput)
	}
	body, err := json.Marshal(n)
	if err != nil {
		return fmt.Errorf("notice: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO outbox (id, type, account_id, notice, created_at, since, next_at, sealed)
		VALUES ($1, $2, $3, $4, $5, $5, $5, $6)`, n.ID, string(n.Type), n.AccountID, body, n.Time, n.Sealed); err != nil {
		return fmt.Errorf("write notice: %w", err)
	}
	return logNotice(ctx, tx, n)
}

func (t *holderTx) Notify(ctx context.Context, n model.Notice) error {
	return insertNotice(ctx, t.tx, n)
}

const outboxColumns = `notice, state, attempts, next_at, since, done, last_error, sealed`

func scanOutbox(row pgx.CollectableRow) (store.OutboxEntry, error) {
	var e store.OutboxEntry
	var notice, sealed []byte
	if err := row.Scan(&notice, &e.State, &e.Attempts, &e.NextAt, &e.Since, &e.Done, &e.LastError, &sealed); err != nil {
		return e, err
	}
	if err := json.Unmarshal(notice, &e.Notice); err != nil {
		return e, fmt.Errorf("outbox: stored notice: %w", err)
	}
	e.Sealed = sealed // a contact.code notice's sealed code (its own column, never in the JSON)
	e.NextAt, e.Since, e.Time = e.NextAt.UTC(), e.Since.UTC(), e.Time.UTC()
	if len(e.Done) == 0 {
		e.Done = nil
	}
	return e, nil
}

// ClaimNotices takes due rows with FOR UPDATE SKIP LOCKED: servers claiming at once each take
// other rows, never waiting on one another, and the lease keeps a claimed row from every other
// server until it ends. The claim commits at once, so no row lock is held while a notice is sent.
func (s *Store) ClaimNotices(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) (_ []store.OutboxEntry, err error) {
	defer mapped(&err)
	rows, err := s.pool.Query(ctx, `WITH due AS (
			SELECT seq FROM outbox WHERE state = 'pending' AND next_at <= $3
				AND (lease_until IS NULL OR lease_until <= $3)
			ORDER BY seq LIMIT $4 FOR UPDATE SKIP LOCKED)
		UPDATE outbox o SET lease_owner = $1, lease_until = $2 FROM due WHERE o.seq = due.seq
		RETURNING o.seq, o.notice, o.state, o.attempts, o.next_at, o.since, o.done, o.last_error, o.sealed`, owner, now.Add(lease), now, limit)
	if err != nil {
		return nil, fmt.Errorf("claim notices: %w", err)
	}
	type seqEntry struct {
		seq int64
		e   store.OutboxEntry
	}
	got, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (seqEntry, error) {
		var r seqEntry
		var notice, sealed []byte
		if err := row.Scan(&r.seq, &notice, &r.e.State, &r.e.Attempts, &r.e.NextAt, &r.e.Since, &r.e.Done, &r.e.LastError, &sealed); err != nil {
			return r, err
		}
		if err := json.Unmarshal(notice, &r.e.Notice); err != nil {
			return r, fmt.Errorf("outbox: stored notice: %w", err)
		}
		r.e.Sealed = sealed
		r.e.NextAt, r.e.Since, r.e.Time = r.e.NextAt.UTC(), r.e.Since.UTC(), r.e.Time.UTC()
		if len(r.e.Done) == 0 {
			r.e.Done = nil
		}
		return r, nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim notices: %w", err)
	}
	// RETURNING gives rows in no promised order.
	slices.SortFunc(got, func(a, b seqEntry) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]store.OutboxEntry, len(got))
	for i, r := range got {
		out[i] = r.e
	}
	return out, nil
}

func (s *Store) NoticeDelivered(ctx context.Context, id, owner string) (err error) {
	defer mapped(&err)
	if _, err := s.pool.Exec(ctx, `DELETE FROM outbox WHERE id = $1 AND lease_owner = $2`, id, owner); err != nil {
		return fmt.Errorf("notice %s delivered: %w", id, err)
	}
	return nil
}

func (s *Store) NoticeFailed(ctx context.Context, id, owner string, f store.NoticeFailure) (err error) {
	defer mapped(&err)
	state := store.NoticePending
	if f.Dead {
		state = store.NoticeDead
	}
	done := f.Done
	if done == nil {
		done = []string{}
	}
	if _, err := s.pool.Exec(ctx, `UPDATE outbox SET attempts = attempts + 1, done = $3, last_error = $4, next_at = $5,
			state = $6, lease_owner = NULL, lease_until = NULL
		WHERE id = $1 AND lease_owner = $2`, id, owner, done, f.Error, f.NextAt, state); err != nil {
		return fmt.Errorf("notice %s failed: %w", id, err)
	}
	return nil
}

func (s *Store) Notices(ctx context.Context, q store.NoticeQuery) (_ []store.OutboxEntry, err error) {
	defer mapped(&err)
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.pool.Query(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE $1 = '' OR state = $1 ORDER BY seq LIMIT $2`, q.State, limit)
	if err != nil {
		return nil, fmt.Errorf("list notices: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanOutbox)
	if err != nil {
		return nil, fmt.Errorf("list notices: %w", err)
	}
	return out, nil
}

func (s *Store) RetryNotice(ctx context.Context, id string, now time.Time) (err error) {
	defer mapped(&err)
	if !storable(id) {
		return fmt.Errorf("%w: no dead notice %q", model.ErrInvalidInput, id)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE outbox SET state = 'pending', attempts = 0, since = $2, next_at = $2,
			lease_owner = NULL, lease_until = NULL
		WHERE id = $1 AND state = 'dead'`, id, now)
	if err != nil {
		return fmt.Errorf("retry notice %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: no dead notice %q", model.ErrInvalidInput, id)
	}
	return nil
}

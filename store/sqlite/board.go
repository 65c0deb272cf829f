package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// The lock board's queries (store.LockBoard). Each WHERE names its partial index's condition as
// written in migration 0009, so SQLite may use the index (it matches a partial index's WHERE term
// by term).
const (
	sqlBoardLocked = `SELECT h.account_id, h.holder_id, h.failures, h.locked_at, h.hard_locked_at, a.number, a.name, coalesce(c.name, '')
		FROM holders h INDEXED BY holders_locked
		JOIN accounts a ON a.id = h.account_id
		LEFT JOIN contacts c ON c.account_id = h.account_id AND c.id = h.holder_id
		WHERE (h.locked_at IS NOT NULL OR h.hard_locked_at IS NOT NULL)
		ORDER BY coalesce(h.locked_at, h.hard_locked_at) DESC, h.account_id, h.holder_id`
	// The failing holders, ranked by their failures in a row, then by their latest failure (the
	// audit id orders events as they were appended).
	sqlBoardFailing = `SELECT h.account_id, h.holder_id, h.failures, h.locked_at, h.hard_locked_at, a.number, a.name, coalesce(c.name, ''),
		    (SELECT max(f.id) FROM audit f WHERE f.account_id = h.account_id AND f.holder = h.holder_id
		        AND f.action = 'verify' AND f.outcome = 'mismatch') AS last
		FROM holders h INDEXED BY holders_failing
		JOIN accounts a ON a.id = h.account_id
		LEFT JOIN contacts c ON c.account_id = h.account_id AND c.id = h.holder_id
		WHERE h.failures > 0 AND h.locked_at IS NULL AND h.hard_locked_at IS NULL
		ORDER BY h.failures DESC, last DESC NULLS LAST, h.account_id, h.holder_id
		LIMIT ?`
	sqlBoardAttempts = `SELECT id, time, operator, channel, caller FROM audit INDEXED BY audit_failed
		WHERE account_id = ? AND holder = ? AND action = 'verify' AND outcome = 'mismatch'
		ORDER BY id DESC LIMIT ?`
)

func (s *Store) Board(ctx context.Context, q store.BoardQuery) (model.Board, error) {
	if err := s.guard.err(); err != nil {
		return model.Board{}, err
	}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return model.Board{}, fmt.Errorf("lock board: %w", mapErr(err))
	}
	defer tx.Rollback()
	b := model.Board{Locked: []model.BoardHolder{}, Failing: []model.BoardHolder{}}
	if b.Locked, err = boardHolders(ctx, tx, false, sqlBoardLocked); err != nil {
		return model.Board{}, err
	}
	if b.Failing, err = boardHolders(ctx, tx, true, sqlBoardFailing, q.FailingLimit+1); err != nil {
		return model.Board{}, err
	}
	if len(b.Failing) > q.FailingLimit {
		b.Failing, b.FailingMore = b.Failing[:q.FailingLimit], true
	}
	disputes := map[string][]model.Dispute{}
	for _, rows := range [][]model.BoardHolder{b.Locked, b.Failing} {
		for i := range rows {
			h := &rows[i]
			if h.Attempts, err = boardAttempts(ctx, tx, h.AccountID, h.Holder, store.BoardAttemptsFor(h.Failures, q.Attempts)); err != nil {
				return model.Board{}, err
			}
			d, ok := disputes[h.AccountID]
			if !ok {
				if d, err = openDisputes(ctx, tx, h.AccountID); err != nil {
					return model.Board{}, err
				}
				disputes[h.AccountID] = d
			}
			h.Disputes = d
		}
	}
	return b, nil
}

func boardHolders(ctx context.Context, tx *sql.Tx, ranked bool, query string, args ...any) ([]model.BoardHolder, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("lock board: %w", mapErr(err))
	}
	defer rows.Close()
	out := []model.BoardHolder{}
	for rows.Next() {
		var h model.BoardHolder
		var locked, hard, last sql.NullInt64
		dest := []any{&h.AccountID, &h.Holder, &h.Failures, &locked, &hard, &h.AccountNumber, &h.AccountName, &h.HolderName}
		if ranked {
			dest = append(dest, &last)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("lock board: %w", mapErr(err))
		}
		h.LockedSince, h.HardLocked = fromNull(locked), hard.Valid
		if h.LockedSince == nil {
			h.LockedSince = fromNull(hard)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lock board: %w", mapErr(err))
	}
	return out, nil
}

func boardAttempts(ctx context.Context, tx *sql.Tx, account, holder string, limit int) ([]model.BoardAttempt, error) {
	out := []model.BoardAttempt{}
	if limit <= 0 {
		return out, nil
	}
	rows, err := tx.QueryContext(ctx, sqlBoardAttempts, account, holder, limit)
	if err != nil {
		return nil, fmt.Errorf("lock board: %w", mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var a model.BoardAttempt
		var at int64
		if err := rows.Scan(&a.EventID, &at, &a.Operator, &a.Channel, &a.Caller); err != nil {
			return nil, fmt.Errorf("lock board: %w", mapErr(err))
		}
		a.Time = fromNanos(at)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lock board: %w", mapErr(err))
	}
	return out, nil
}

func openDisputes(ctx context.Context, tx *sql.Tx, account string) ([]model.Dispute, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, holder_id, event_id, event_type, created_at FROM disputes
		WHERE account_id = ? AND cleared_at IS NULL ORDER BY created_at, id`, account)
	if err != nil {
		return nil, fmt.Errorf("lock board: %w", mapErr(err))
	}
	defer rows.Close()
	out := []model.Dispute{}
	for rows.Next() {
		d := model.Dispute{AccountID: account}
		var at int64
		if err := rows.Scan(&d.ID, &d.Holder, &d.EventID, &d.EventType, &at); err != nil {
			return nil, fmt.Errorf("lock board: %w", mapErr(err))
		}
		d.Time = fromNanos(at)
		out = append(out, d)
	}
	return out, mapErr(rows.Err())
}

package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// The lock board's queries (store.LockBoard). Each WHERE names its partial index's condition as
// written in migration 0009, so the planner proves the index applies.
const (
	pgBoardLocked = `SELECT h.account_id, h.holder_id, h.failures, h.locked_at, h.hard_locked_at, a.number, a.name, coalesce(c.name, '')
		FROM holders h
		JOIN accounts a ON a.id = h.account_id
		LEFT JOIN contacts c ON c.account_id = h.account_id AND c.id = h.holder_id
		WHERE (h.locked_at IS NOT NULL OR h.hard_locked_at IS NOT NULL)
		ORDER BY coalesce(h.locked_at, h.hard_locked_at) DESC, h.account_id COLLATE "C", h.holder_id COLLATE "C"`
	// The failing holders, ranked by their failures in a row, then by their latest failure (the
	// audit id orders events as they were appended).
	pgBoardFailing = `SELECT h.account_id, h.holder_id, h.failures, h.locked_at, h.hard_locked_at, a.number, a.name, coalesce(c.name, '')
		FROM holders h
		JOIN accounts a ON a.id = h.account_id
		LEFT JOIN contacts c ON c.account_id = h.account_id AND c.id = h.holder_id
		WHERE h.failures > 0 AND h.locked_at IS NULL AND h.hard_locked_at IS NULL
		ORDER BY h.failures DESC,
		    (SELECT max(f.id) FROM audit f WHERE f.account_id = h.account_id AND f.holder = h.holder_id
		        AND f.action = 'verify' AND f.outcome = 'mismatch') DESC NULLS LAST,
		    h.account_id COLLATE "C", h.holder_id COLLATE "C"
		LIMIT $1`
	// Every listed holder's last failed verifications in one statement: one index range each.
	pgBoardAttempts = `SELECT r.account_id, r.holder_id, f.id, f.time, f.operator, f.channel, f.caller
		FROM unnest($1::text[], $2::text[], $3::int[]) AS r (account_id, holder_id, n)
		CROSS JOIN LATERAL (SELECT id, time, operator, channel, caller FROM audit
		    WHERE account_id = r.account_id AND holder = r.holder_id AND action = 'verify' AND outcome = 'mismatch'
		    ORDER BY id DESC LIMIT r.n) f
		ORDER BY f.id DESC`
	pgBoardDisputes = `SELECT account_id, id, holder_id, event_id, event_type, created_at FROM disputes
		WHERE account_id = ANY($1) AND cleared_at IS NULL ORDER BY created_at, id COLLATE "C"`
)

func (s *Store) Board(ctx context.Context, q store.BoardQuery) (b model.Board, err error) {
	defer mapped(&err)
	err = pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		if b.Locked, err = pgBoardHolders(ctx, tx, pgBoardLocked); err != nil {
			return err
		}
		if b.Failing, err = pgBoardHolders(ctx, tx, pgBoardFailing, q.FailingLimit+1); err != nil {
			return err
		}
		if len(b.Failing) > q.FailingLimit {
			b.Failing, b.FailingMore = b.Failing[:q.FailingLimit], true
		}
		var accts, hAccts, holders []string
		var ns []int32
		rows := map[model.HolderRef]*model.BoardHolder{}
		byAccount := map[string][]*model.BoardHolder{}
		for _, list := range [][]model.BoardHolder{b.Locked, b.Failing} {
			for i := range list {
				h := &list[i]
				h.Attempts, h.Disputes = []model.BoardAttempt{}, []model.Dispute{}
				rows[h.Ref()] = h
				if len(byAccount[h.AccountID]) == 0 {
					accts = append(accts, h.AccountID)
				}
				byAccount[h.AccountID] = append(byAccount[h.AccountID], h)
				if n := store.BoardAttemptsFor(h.Failures, q.Attempts); n > 0 {
					hAccts, holders = append(hAccts, h.AccountID), append(holders, h.Holder)
					ns = append(ns, int32(n))
				}
			}
		}
		if len(rows) == 0 {
			return nil
		}
		if len(holders) > 0 {
			ar, err := tx.Query(ctx, pgBoardAttempts, hAccts, holders, ns)
			if err != nil {
				return fmt.Errorf("lock board: %w", err)
			}
			var ref model.HolderRef
			var a model.BoardAttempt
			var ch string
			_, err = pgx.ForEachRow(ar, []any{&ref.AccountID, &ref.ContactID, &a.EventID, &a.Time, &a.Operator, &ch, &a.Caller}, func() error {
				a.Time, a.Channel = a.Time.UTC(), model.Channel(ch)
				h := rows[ref]
				h.Attempts = append(h.Attempts, a)
				return nil
			})
			if err != nil {
				return fmt.Errorf("lock board: %w", err)
			}
		}
		dr, err := tx.Query(ctx, pgBoardDisputes, accts)
		if err != nil {
			return fmt.Errorf("lock board: %w", err)
		}
		var d model.Dispute
		var typ string
		_, err = pgx.ForEachRow(dr, []any{&d.AccountID, &d.ID, &d.Holder, &d.EventID, &typ, &d.Time}, func() error {
			d.Time, d.EventType = d.Time.UTC(), model.NoticeType(typ)
			for _, h := range byAccount[d.AccountID] {
				h.Disputes = append(h.Disputes, d)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("lock board: %w", err)
		}
		return nil
	})
	if err != nil {
		return model.Board{}, err
	}
	return b, nil
}

func pgBoardHolders(ctx context.Context, tx pgx.Tx, query string, args ...any) ([]model.BoardHolder, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("lock board: %w", err)
	}
	out := []model.BoardHolder{}
	var h model.BoardHolder
	var locked, hard *time.Time
	_, err = pgx.ForEachRow(rows, []any{&h.AccountID, &h.Holder, &h.Failures, &locked, &hard, &h.AccountNumber, &h.AccountName, &h.HolderName}, func() error {
		row := h
		row.LockedSince, row.HardLocked = utcPtr(locked), hard != nil
		if row.LockedSince == nil {
			row.LockedSince = utcPtr(hard)
		}
		out = append(out, row)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("lock board: %w", err)
	}
	return out, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

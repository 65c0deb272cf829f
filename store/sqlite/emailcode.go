package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/pindesk/pindesk/store"
)

// CountCodeSend needs no lock of its own for the scope: the transaction holds the database's one
// write lock since BEGIN IMMEDIATE, so no other send is counted between the reads and the insert.
func (t *holderTx) CountCodeSend(ctx context.Context, scope string, now time.Time, window time.Duration, perHolder, perScope int) (store.CodeSends, error) {
	ctx = nocancel(ctx)
	a, c := t.h.Ref.AccountID, t.h.Ref.ContactID
	var out store.CodeSends
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM code_sends WHERE sent_at <= ?`, nanos(now.Add(-window))); err != nil {
		return out, fmt.Errorf("code sends: %w", mapErr(err))
	}
	var oldest sql.NullInt64
	if err := t.tx.QueryRowContext(ctx, `SELECT count(*), min(sent_at) FROM code_sends WHERE account_id = ? AND holder_id = ?`, a, c).Scan(&out.Holder, &oldest); err != nil {
		return out, fmt.Errorf("code sends: %w", mapErr(err))
	}
	if oldest.Valid {
		out.HolderOldest = fromNanos(oldest.Int64)
	}
	oldest = sql.NullInt64{}
	if err := t.tx.QueryRowContext(ctx, `SELECT count(*), min(sent_at) FROM code_sends WHERE scope = ?`, scope).Scan(&out.Scope, &oldest); err != nil {
		return out, fmt.Errorf("code sends: %w", mapErr(err))
	}
	if oldest.Valid {
		out.ScopeOldest = fromNanos(oldest.Int64)
	}
	if out.Holder >= perHolder || out.Scope >= perScope {
		return out, nil
	}
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO code_sends (account_id, holder_id, scope, sent_at) VALUES (?, ?, ?, ?)`, a, c, scope, nanos(now)); err != nil {
		return out, fmt.Errorf("code sends: %w", mapErr(err))
	}
	out.Recorded = true
	return out, nil
}

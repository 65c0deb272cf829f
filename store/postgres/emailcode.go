package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/pindesk/pindesk/store"
)

// CountCodeSend runs under the holder's row lock (UpdateHolder) and takes a transaction advisory
// lock on the scope, so two servers counting sends of one token wait for each other: the counts
// are exact, never two sends both let through at the limit's last place. Every send transaction
// takes the holder's lock before the scope's, and the audit head's after both, so no two of them
// wait on each other in a cycle.
func (t *holderTx) CountCodeSend(ctx context.Context, scope string, now time.Time, window time.Duration, perHolder, perScope int) (_ store.CodeSends, err error) {
	defer mapped(&err)
	a, c := t.ref()
	cutoff := now.Add(-window)
	var out store.CodeSends
	if _, err := t.tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('pindesk code sends ' || $1, 0))`, scope); err != nil {
		return out, fmt.Errorf("code sends: %w", err)
	}
	// Only rows this transaction holds the locks of are forgotten: the holder's and the scope's.
	if _, err := t.tx.Exec(ctx, `DELETE FROM code_sends WHERE sent_at <= $4 AND ((account_id = $1 AND holder_id = $2) OR scope = $3)`, a, c, scope, cutoff); err != nil {
		return out, fmt.Errorf("code sends: %w", err)
	}
	var oldest *time.Time
	if err := t.tx.QueryRow(ctx, `SELECT count(*), min(sent_at) FROM code_sends WHERE account_id = $1 AND holder_id = $2 AND sent_at > $3`, a, c, cutoff).Scan(&out.Holder, &oldest); err != nil {
		return out, fmt.Errorf("code sends: %w", err)
	}
	if oldest != nil {
		out.HolderOldest = oldest.UTC()
	}
	oldest = nil
	if err := t.tx.QueryRow(ctx, `SELECT count(*), min(sent_at) FROM code_sends WHERE scope = $1 AND sent_at > $2`, scope, cutoff).Scan(&out.Scope, &oldest); err != nil {
		return out, fmt.Errorf("code sends: %w", err)
	}
	if oldest != nil {
		out.ScopeOldest = oldest.UTC()
	}
	if out.Holder >= perHolder || out.Scope >= perScope {
		return out, nil
	}
	if _, err := t.tx.Exec(ctx, `INSERT INTO code_sends (account_id, holder_id, scope, sent_at) VALUES ($1, $2, $3, $4)`, a, c, scope, now); err != nil {
		return out, fmt.Errorf("code sends: %w", err)
	}
	out.Recorded = true
	return out, nil
}

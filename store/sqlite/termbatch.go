package sqlite

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/pindesk/pindesk/store/searchterm"
)

// An account has about sixty search terms (words, word pairs, exact keys, phones in three forms),
// so an import or a reindex writes sixty times as many terms as accounts. One INSERT per term
// cost more in binding, stepping and resetting a statement through database/sql than the row
// itself (the demo's 400 accounts took 200 ms to import, four times what they did before the
// terms). termWriter gathers the terms of many accounts and writes termBatch of them with one
// multi-row INSERT, a statement prepared once per transaction; the rest go in one last statement.
// termBatch is the rows per INSERT: 1,536 parameters, far under SQLite's 32,766. A variable so
// the import benchmark can weigh it against one row per INSERT in the same run.
var termBatch = 256

const termColumns = 6

// termInsert is the INSERT of n term rows. OR IGNORE as before: Account lists no term twice, and
// a term already stored for the account is the same row.
func termInsert(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT OR IGNORE INTO search_terms (term, account_id, contact_id, field, text, number) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?)")
	}
	return b.String()
}

// termWriter writes search terms within one write transaction, termBatch rows at a time. Its
// caller must flush before the transaction ends (and before it reads the terms it wrote).
type termWriter struct {
	tx     *sql.Tx
	full   *sql.Stmt // termInsert(termBatch), prepared on first use
	args   []any
	queued map[string]bool // the accounts with terms in args
}

func newTermWriter(tx *sql.Tx) *termWriter {
	return &termWriter{tx: tx, args: make([]any, 0, termBatch*termColumns), queued: map[string]bool{}}
}

// settle writes the queued terms if some are account id's, so that a DELETE of its terms that
// follows removes them too (an account listed twice in one import keeps the terms of its last
// listing only, as when each term was written at once).
func (w *termWriter) settle(ctx context.Context, id string) error {
	if !w.queued[id] {
		return nil
	}
	return w.flush(ctx)
}

// account queues the terms of account id (whose number is number), writing a batch whenever one
// is full.
func (w *termWriter) account(ctx context.Context, id, number string, terms []searchterm.Term) error {
	for _, t := range terms {
		w.queued[id] = true
		w.args = append(w.args, t.Term, id, t.Contact, t.Field, t.Text, number)
		if len(w.args) == cap(w.args) {
			if err := w.writeFull(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *termWriter) writeFull(ctx context.Context) error {
	if w.full == nil {
		st, err := w.tx.PrepareContext(ctx, termInsert(termBatch))
		if err != nil {
			return mapErr(err)
		}
		w.full = st
	}
	if _, err := w.full.ExecContext(ctx, w.args...); err != nil {
		return mapErr(err)
	}
	w.reset()
	return nil
}

// flush writes the terms still queued.
func (w *termWriter) flush(ctx context.Context) error {
	if len(w.args) == 0 {
		return nil
	}
	if _, err := w.tx.ExecContext(ctx, termInsert(len(w.args)/termColumns), w.args...); err != nil {
		return mapErr(err)
	}
	w.reset()
	return nil
}

func (w *termWriter) reset() {
	clear(w.args) // the strings are not kept alive by the buffer
	w.args = w.args[:0]
	clear(w.queued)
}

// close releases the prepared statement.
func (w *termWriter) close() {
	if w.full != nil {
		w.full.Close()
	}
}

// importCacheKiB is the page cache an import or a reindex runs with. SQLite's default, 2 MB, is
// far less than the pages a large import changes (10,000 accounts write 600,000 terms in two
// B-trees, about 60 MB): once it is full, SQLite writes changed pages to the WAL before the commit
// and reads them back, which took a third of an import's time. The cache is memory taken only as
// pages are read, and given back when the import is over. A variable so the import benchmark can
// weigh it against the default (0: leave the cache as it is).
var importCacheKiB = 64 << 10

// restoreCache puts the connection's page cache back to its size before growCache.
type restoreCache func(ctx context.Context)

// growCache raises the page cache of tx's connection to importCacheKiB for a large write. The
// returned function restores it: pages beyond the old size are freed as the commit releases them.
func growCache(ctx context.Context, tx *sql.Tx) (restoreCache, error) {
	if importCacheKiB == 0 {
		return func(context.Context) {}, nil
	}
	var size int64
	if err := tx.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&size); err != nil {
		return nil, mapErr(err)
	}
	if _, err := tx.ExecContext(ctx, `PRAGMA cache_size = -`+strconv.Itoa(importCacheKiB)); err != nil {
		return nil, mapErr(err)
	}
	return func(ctx context.Context) {
		// A failure leaves the larger cache: memory, not a fault in the data.
		_, _ = tx.ExecContext(ctx, `PRAGMA cache_size = `+strconv.FormatInt(size, 10))
	}, nil
}

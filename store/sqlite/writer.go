package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// maxBatch bounds how many writes share one commit. A batch only ever takes writes that are
// already waiting (the writer never sleeps to let one fill), so a lone write commits at once; the
// cap keeps the first write of a long queue from waiting behind an unbounded run of others.
const maxBatch = 64

// errClosed answers a write sent after Close.
var errClosed = errors.New("the database is closed")

// writeReq is one write waiting for the writer: its function, the caller's context (checked only
// before the write starts) and where its answer goes.
type writeReq struct {
	ctx   context.Context
	fn    func(ctx context.Context, tx *sql.Tx) error
	alone bool // a large write (an import) that commits in a batch of its own
	done  chan writeAnswer
}

// writeAnswer is a write's outcome, sent only after the batch holding it committed or failed.
type writeAnswer struct {
	err      error
	panicked bool
	panicVal any
}

// writer is the one goroutine that runs every write of the Store (group commit, see the package
// doc). Callers hand it requests over an unbuffered channel: Go queues blocked senders in FIFO
// order, so writes run in the order they arrived.
type writer struct {
	db    *sql.DB
	ws    stmts      // savepoint statements among them
	guard *fileGuard // checked before every batch: no write commits to a deleted or replaced file
	reqs  chan *writeReq
	quit  chan struct{}
	exit  chan struct{}
	close sync.Once
	held  *writeReq // an alone write taken while a batch was open, run first in the next batch
	// commits counts committed batches, so a test can see writes share one.
	commits atomic.Int64
	// commit ends a batch: tx.Commit, or in a test a COMMIT that fails and leaves the transaction
	// open, as SQLite's can.
	commit func(tx *sql.Tx) error
}

func newWriter(db *sql.DB, ws stmts, guard *fileGuard) *writer {
	w := &writer{db: db, ws: ws, guard: guard, reqs: make(chan *writeReq), quit: make(chan struct{}), exit: make(chan struct{}),
		commit: (*sql.Tx).Commit}
	go w.run()
	return w
}

// stop ends the writer once the batch it is running is answered; writes sent after it get errClosed.
func (w *writer) stop() {
	w.close.Do(func() { close(w.quit) })
	<-w.exit
}

// do queues fn and waits for its answer. A write whose ctx ends while it waits in the queue is
// dropped with ctx's error; once started it runs to the end under a context that cannot be
// cancelled (an interrupted statement could roll back the whole shared transaction) and its answer
// waits for the commit. A panic in fn is rolled back alone and re-raised here, in the caller.
func (w *writer) do(ctx context.Context, alone bool, fn func(ctx context.Context, tx *sql.Tx) error) error {
	r := &writeReq{ctx: ctx, fn: fn, alone: alone, done: make(chan writeAnswer, 1)}
	select {
	case w.reqs <- r:
	case <-w.quit:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	a := <-r.done
	if a.panicked {
		panic(a.panicVal)
	}
	return a.err
}

func (w *writer) run() {
	defer close(w.exit)
	for {
		first := w.held
		w.held = nil
		if first == nil {
			select {
			case first = <-w.reqs:
			case <-w.quit:
				return
			}
		}
		w.batch(first)
	}
}

// batch runs first and whatever writes are already queued behind it (up to maxBatch) in one
// IMMEDIATE transaction, each inside its own savepoint, commits once and then answers them all.
func (w *writer) batch(first *writeReq) {
	if err := first.ctx.Err(); err != nil {
		first.done <- writeAnswer{err: err}
		return
	}
	if err := w.guard.check(); err != nil {
		first.done <- writeAnswer{err: err}
		return
	}
	// The batch's context is not the caller's: one caller going away must not roll back the others.
	ctx := context.Background()
	tx, err := w.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE (the writer DSN's _txlock); waits busy_timeout
	if err != nil {
		first.done <- writeAnswer{err: mapErr(err)}
		return
	}
	type ran struct {
		r *writeReq
		a writeAnswer
	}
	var batch []ran
	fail := func(err error) {
		w.rollback(tx)
		for _, b := range batch {
			b.r.done <- writeAnswer{err: err}
		}
	}
	next := first
	for next != nil {
		r := next
		next = nil
		if err := r.ctx.Err(); err != nil {
			r.done <- writeAnswer{err: err} // dropped while queued: nothing ran
		} else if len(batch) == 0 {
			// The first write needs no savepoint: its failure rolls back the transaction, which
			// holds nothing else yet. This keeps a lone write at the cost of a plain transaction.
			a := runFn(tx, r)
			if a.err != nil || a.panicked {
				w.rollback(tx)
				r.done <- a
				return
			}
			batch = append(batch, ran{r, a})
			if r.alone {
				break
			}
		} else {
			a, broken := runSavepoint(ctx, tx, w.ws, r)
			batch = append(batch, ran{r, a})
			if broken != nil {
				// The savepoint could not be rolled back or released: SQLite may have ended the
				// transaction itself, and nothing after this may run outside it. Nobody of the batch
				// was answered yet, so all get the error and none is told its write stands.
				fail(fmt.Errorf("write transaction: %w", mapErr(broken)))
				return
			}
			if r.alone {
				break
			}
		}
		if len(batch) >= maxBatch {
			break
		}
		select {
		case q := <-w.reqs:
			if q.alone && len(batch) > 0 {
				w.held = q // an import commits on its own, right after this batch
			} else {
				next = q
			}
		default:
		}
	}
	if len(batch) == 0 {
		w.rollback(tx)
		return
	}
	if err := w.commit(tx); err != nil {
		// A COMMIT that fails (a deferred constraint, SQLITE_BUSY, a full disk) may leave the
		// transaction open: SQLite's, on the connection, which would make every later BEGIN fail
		// with "cannot start a transaction within a transaction", or database/sql's, which would
		// keep the writer's only connection from every later write. End both before the next
		// batch. (The driver rolls back SQLite's itself today; this does not rely on it.)
		w.rollback(tx)
		w.endOpenTx(ctx)
		err = fmt.Errorf("commit: %w", mapErr(err))
		for _, b := range batch {
			b.r.done <- writeAnswer{err: err}
		}
		return
	}
	w.commits.Add(1)
	for _, b := range batch {
		b.r.done <- b.a
	}
}

// rollback ends tx without keeping its writes, and makes sure no transaction stays open on the
// writer's connection even when the ROLLBACK itself fails.
func (w *writer) rollback(tx *sql.Tx) {
	if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		w.endOpenTx(context.Background())
	}
}

// endOpenTx rolls back whatever transaction SQLite still holds open on the writer's one connection
// (database/sql considers it ended). "No transaction is active" is the answer when there is none.
func (w *writer) endOpenTx(ctx context.Context) {
	_, _ = w.db.ExecContext(ctx, "ROLLBACK")
}

// runSavepoint runs one write inside a savepoint of the batch's transaction. Its own error or panic
// rolls back to the savepoint, undoing it alone. broken reports that the savepoint itself failed.
func runSavepoint(ctx context.Context, tx *sql.Tx, ws stmts, r *writeReq) (a writeAnswer, broken error) {
	if _, err := ws.txExec(ctx, tx, sqlSavepoint); err != nil {
		return writeAnswer{err: mapErr(err)}, err
	}
	a = runFn(tx, r)
	if a.err != nil || a.panicked {
		if _, err := ws.txExec(ctx, tx, sqlRollbackSavepoint); err != nil {
			return a, err
		}
	}
	if _, err := ws.txExec(ctx, tx, sqlReleaseSavepoint); err != nil {
		return a, err
	}
	return a, nil
}

// runFn runs the write's function, turning a panic into an answer so the writer survives it.
func runFn(tx *sql.Tx, r *writeReq) (a writeAnswer) {
	defer func() {
		if p := recover(); p != nil {
			a = writeAnswer{panicked: true, panicVal: p}
		}
	}()
	return writeAnswer{err: r.fn(context.WithoutCancel(r.ctx), tx)}
}

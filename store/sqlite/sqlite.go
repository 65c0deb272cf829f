// Package sqlite is pindesk's embedded store: one SQLite file (modernc.org/sqlite, pure Go) that the
// terminal app and `pindesk admin …` may open at the same time.
//
// Durability: the file runs in WAL mode with synchronous=FULL, so a transaction is fsync'd before
// its commit returns and a verification's answer is never shown before its count is on disk
// (NORMAL could lose the last commits on power loss). Every pooled connection gets its pragmas from
// the DSN, so none can run without them.
//
// Concurrency: all writes go through one connection (SetMaxOpenConns(1)), driven by one writer
// goroutine (writer.go) that takes writes from a FIFO queue, and every write transaction begins
// IMMEDIATE, taking the database write lock before it reads, which is what makes UpdateHolder's
// read-decide-write atomic across processes too. Reads (search, account views, audit, tokens) use
// a separate pool that WAL lets run beside the writer. A writer of another process that holds the
// lock past the busy timeout yields model.ErrBusy.
//
// Group commit: an fsync costs far more than the statements of a verification, so when writes
// queue up the writer runs them in one transaction and pays one fsync for all. It begins the
// transaction with the first write waiting, then takes every write already queued behind it (at
// most 64; it never waits for more to arrive, so a lone write commits at once), each inside a
// SAVEPOINT of its own: a write whose function fails or panics is rolled back to its savepoint and
// undoes nothing of the others. Then it COMMITs once and only then answers each write — nil or its
// own error. Durability is unchanged: no write is answered before the commit that holds it is
// fsync'd, so a verification's answer still never precedes its count on disk; if the COMMIT fails,
// every write of the batch is answered with the error and none was told it stood. Atomicity is
// unchanged too: the writes of a batch still run one at a time, in the order they arrived, under
// the database write lock, so each UpdateHolder sees what the one before it wrote, exactly as if
// each had its own transaction. A write whose caller gives up while it is still queued is dropped;
// once started it runs to its end (its statements ignore cancellation: an interrupted statement
// could make SQLite roll back the whole shared transaction). An import commits in a batch of its
// own. Close stops the writer after the batch it is running has been answered.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	sqlite3 "modernc.org/sqlite"
	sqlitelib "modernc.org/sqlite/lib"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/searchterm"
)

// ErrNotDatabase: the file exists but is not a SQLite database, or is another program's.
var ErrNotDatabase = errors.New("not a pindesk database")

// Memory is the path that opens a private in-memory database (tests, demos). It lives as long as
// the Store and is not shared with any other Store or process.
const Memory = ":memory:"

// Option configures Open.
type Option func(*options)

type options struct {
	busyTimeout time.Duration
	readConns   int
	region      string
	throwaway   bool // WithThrowaway (throwaway.go)
}

// WithBusyTimeout sets how long a statement waits for another process's write lock before the
// store answers model.ErrBusy (default 5s).
func WithBusyTimeout(d time.Duration) Option { return func(o *options) { o.busyTimeout = d } }

// WithReadConns sets the size of the read pool (default 4).
func WithReadConns(n int) Option { return func(o *options) { o.readConns = n } }

// WithSearchRegion sets the region a phone number without a country code is read in, for search
// (default searchterm.DefaultRegion, "GB"). A database indexed under another region is indexed
// again on open.
func WithSearchRegion(region string) Option { return func(o *options) { o.region = region } }

// Store is the SQLite implementation of store.Store.
type Store struct {
	w    *sql.DB // one connection; every write transaction, run by wr
	wr   *writer
	r    *sql.DB // read pool; the same as w for an in-memory database
	ws   stmts   // the writer's hot statements, prepared on its one connection (stmts.go)
	rs   stmts   // the read pool's hot statements
	path string
	// guard refuses every read and write once the file at path is no longer the one opened
	// (guard.go); nil for an in-memory database.
	guard *fileGuard
	// region reads phone numbers without a country code, in search terms and queries.
	region string
	// chain links each audit event to the one before in its chain (SetAuditChain); nil until the
	// core sets it.
	chain atomic.Pointer[store.AuditKey]
	// unchained appends audit events as before the chain existed (no seq, no chain, no head): set
	// only by the benchmarks that weigh the chain against its absence.
	unchained bool
	// sessionTTL is how long a verification session lasts (SetSessionTTL, session.go).
	sessionTTL store.SessionTTL
}

var _ store.Store = (*Store)(nil)

// Open opens (creating when absent, mode 0600) the database at path and brings its schema up to
// date. A file that is not SQLite, or is another program's database, is refused with
// ErrNotDatabase; one written by a newer pindesk with store.ErrSchemaTooNew, untouched.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	o := options{busyTimeout: 5 * time.Second, readConns: 4, region: searchterm.DefaultRegion}
	for _, f := range opts {
		f(&o)
	}
	if path == "" {
		return nil, fmt.Errorf("%w: the database path is empty", model.ErrInvalidInput)
	}
	if !searchterm.ValidRegion(o.region) {
		return nil, fmt.Errorf("%w: search region %q is not a region code phone numbers are read in (such as GB or US)", model.ErrInvalidInput, o.region)
	}
	if o.readConns < 1 {
		o.readConns = 1
	}
	memory := path == Memory
	if !memory {
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, fmt.Errorf("open database %s: %w", path, err)
		}
		path = abs
		if err := prepareFile(path); err != nil {
			return nil, err
		}
		// Look before touching: the writer's pragmas convert the file to WAL, so a newer pindesk's
		// database or another program's must be refused by a read-only look first.
		if err := check(ctx, path, o); err != nil {
			return nil, err
		}
	}
	w, err := sql.Open("sqlite", dsn(path, memory, o, false))
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	s := &Store{w: w, r: w, path: path, region: o.region}
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, openError(path, err)
	}
	migrated := migrate
	if memory {
		migrated = func(ctx context.Context, w *sql.DB) error { return migrateMemory(ctx, w, o) }
	}
	if err := migrated(ctx, w); err != nil {
		w.Close()
		return nil, openError(path, err)
	}
	if !memory {
		r, err := sql.Open("sqlite", dsn(path, false, o, true))
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("open database %s: %w", path, err)
		}
		r.SetMaxOpenConns(o.readConns)
		r.SetMaxIdleConns(o.readConns)
		if err := r.PingContext(ctx); err != nil {
			r.Close()
			w.Close()
			return nil, openError(path, err)
		}
		s.r = r
	}
	if s.ws, err = prepare(ctx, w, writerQueries); err != nil {
		s.closeDBs()
		return nil, openError(path, err)
	}
	if s.rs, err = prepare(ctx, s.r, readerQueries); err != nil {
		s.ws.close()
		s.closeDBs()
		return nil, openError(path, err)
	}
	if !memory {
		if s.guard, err = newFileGuard(path, guardInterval); err != nil {
			s.rs.close()
			s.ws.close()
			s.closeDBs()
			return nil, err
		}
	}
	s.wr = newWriter(w, s.ws, s.guard)
	if err := s.reindex(ctx); err != nil {
		s.Close()
		return nil, openError(path, err)
	}
	return s, nil
}

// check reads the schema version through a query-only connection that sets no journal mode.
func check(ctx context.Context, path string, o options) error {
	db, err := sql.Open("sqlite", dsn(path, false, o, true))
	if err != nil {
		return fmt.Errorf("open database %s: %w", path, err)
	}
	defer db.Close()
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	if _, err := schemaVersion(ctx, db, len(ms)); err != nil {
		return openError(path, err)
	}
	return nil
}

// Path is the database file's absolute path (or Memory).
func (s *Store) Path() string { return s.path }

// Close stops the writer once the batch it is running is committed and answered (a write sent
// after Close gets an error), then closes both pools. The last connection to close checkpoints the
// WAL into the file.
func (s *Store) Close() error {
	s.wr.stop()
	s.guard.close()
	return errors.Join(s.rs.close(), s.ws.close(), s.closeDBs())
}

func (s *Store) closeDBs() error {
	var err error
	if s.r != s.w {
		err = s.r.Close()
	}
	return errors.Join(err, s.w.Close())
}

// sqliteHeader opens every SQLite 3 database file.
const sqliteHeader = "SQLite format 3\x00"

// prepareFile creates the folder (0700) and an empty database file (0600) when absent: it holds
// sealed PINs and the audit trail, so others may not read it, and SQLite gives its -wal and -shm
// files the same mode. An existing file must start with the SQLite header (an empty one is a new
// database), so a wrong path is refused before SQLite can write a journal beside it.
func prepareFile(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("open database %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		return f.Close()
	}
	if !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("open database %s: %w", path, err)
	}
	f, err = os.Open(path)
	if err != nil {
		return fmt.Errorf("open database %s: %w", path, err)
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.IsDir() {
		return fmt.Errorf("%w: %s is a folder", ErrNotDatabase, path)
	}
	head := make([]byte, len(sqliteHeader))
	n, err := io.ReadFull(f, head)
	switch {
	case n == 0 && (errors.Is(err, io.EOF)):
		return nil
	case err != nil && !errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("open database %s: %w", path, err)
	case string(head[:n]) != sqliteHeader:
		return fmt.Errorf("%w: %s is not a SQLite database file", ErrNotDatabase, path)
	}
	return nil
}

// dsn builds the connection string. The path goes in a file: URI, escaped, so a name holding '?'
// or '#' cannot be read as parameters. Every connection gets: busy_timeout first (so the pragmas
// after it wait instead of failing), synchronous=FULL and foreign keys; the writer also sets WAL
// and begins every transaction IMMEDIATE; readers are query_only, so a bug cannot write outside
// the writer's queue.
func dsn(path string, memory bool, o options, reader bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(o.busyTimeout.Milliseconds(), 10)+")")
	if !memory && !reader {
		q.Add("_pragma", "journal_mode(WAL)") // persistent in the file: readers need not set it
	}
	q.Add("_pragma", "synchronous("+synchronous(o)+")")
	q.Add("_pragma", "foreign_keys(1)")
	if reader {
		q.Add("_pragma", "query_only(1)")
		q.Add("_pragma", "mmap_size("+strconv.FormatInt(readerMmapSize, 10)+")") // mmap.go
	} else {
		q.Set("_txlock", "immediate")
	}
	if memory {
		return Memory + "?" + q.Encode()
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	return u.String()
}

// openError names the file in an error from opening it, and says plainly when it is not a database.
func openError(path string, err error) error {
	return fmt.Errorf("open database %s: %w", path, mapErr(err))
}

// mapErr turns SQLite's result codes into the model's sentinels where a caller can act on them.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var se *sqlite3.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() & 0xff {
	case sqlitelib.SQLITE_BUSY, sqlitelib.SQLITE_LOCKED:
		return fmt.Errorf("%w: %w", model.ErrBusy, err)
	case sqlitelib.SQLITE_NOTADB:
		return fmt.Errorf("%w: %w", ErrNotDatabase, err)
	case sqlitelib.SQLITE_FULL:
		return fmt.Errorf("%w (the disk holding the database is full): %w", model.ErrUnavailable, err)
	case sqlitelib.SQLITE_READONLY:
		return fmt.Errorf("%w (the database file cannot be written): %w", model.ErrUnavailable, err)
	case sqlitelib.SQLITE_IOERR:
		return fmt.Errorf("%w (the database file cannot be read or written): %w", model.ErrUnavailable, err)
	}
	return err
}

// isUnique reports a UNIQUE or PRIMARY KEY constraint failure.
func isUnique(err error) bool {
	var se *sqlite3.Error
	if !errors.As(err, &se) {
		return false
	}
	return se.Code() == sqlitelib.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlitelib.SQLITE_CONSTRAINT_PRIMARYKEY
}

// Times are stored as UTC unix nanoseconds.

func nanos(t time.Time) int64 { return t.UTC().UnixNano() }

func nullNanos(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().UnixNano()
}

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

func fromNull(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromNanos(n.Int64)
	return &t
}

// writeTx runs fn on the writer (see writer.go), inside the batch's IMMEDIATE transaction and a
// savepoint of its own, and returns once the batch has committed: fn's changes are fsync'd before
// writeTx returns nil. An error or panic of fn undoes fn alone; the panic is re-raised here. fn
// gets a context that cannot be cancelled: once started, a write runs to its end.
func (s *Store) writeTx(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	return s.wr.do(ctx, false, fn)
}

// writeTxAlone is writeTx for a large write (an import): it commits in a batch of its own, so it
// neither delays the answers of small writes queued before it nor shares their fate.
func (s *Store) writeTxAlone(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	return s.wr.do(ctx, true, fn)
}

// Package postgres is pindesk's PostgreSQL store, for a support floor that runs several
// `pindesk serve` behind a load balancer on one database. Everything that must agree between the
// servers lives in the database: accounts, holders with their failure counts and locks, sealed
// PINs, the audit trail, API tokens and idempotency keys.
//
// The lockout holds across servers because every change to a holder runs in one READ COMMITTED
// transaction that first takes the holder's row lock (SELECT … FOR UPDATE): a verification on one
// server waits for one in flight on another, then reads the count that one committed. The count
// itself moves only by one UPDATE … SET failures = failures + 1 … RETURNING. A transaction's
// COMMIT returns only once its WAL is flushed (the store's sessions run with
// synchronous_commit=on unless the URL says otherwise), so an answer is never given for a
// verification the database could lose. A deadlock or serialization failure reruns the
// transaction (at most four runs), then answers model.ErrBusy.
//
// The connection URL is pgx's: postgres://user:password@host:port/db?sslmode=…, plus
//   - pool_max_conns=N: the most connections this server opens (default DefaultMaxConns);
//     WithMaxConns overrides it. Other pgxpool settings (pool_max_conn_lifetime, …) work too.
//   - search_path=pindesk: keep pindesk's tables in a schema of their own (created beforehand);
//     a schema holding another program's tables is refused with ErrForeignSchema.
//   - any server setting, which overrides the store's session defaults: lock_timeout (10s: a
//     verification that waits longer for a holder answers model.ErrBusy),
//     idle_in_transaction_session_timeout (60s: a server that stalls holding a holder's lock is
//     cut off rather than locking that holder out on every server), synchronous_commit (on).
//
// Migrations run at Open, in one transaction under an advisory lock, so servers starting together
// migrate once; a database of a newer schema is refused with store.ErrSchemaTooNew, untouched.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/searchterm"
)

// Store is a store.Store on a PostgreSQL database.
type Store struct {
	pool         *pgxpool.Pool
	denseMatches int // see denseMatches
	// chain links each audit event to the one before in its chain (SetAuditChain); nil until the
	// core sets it.
	chain atomic.Pointer[store.AuditKey]
	// unchained appends audit events as before the chain existed (no seq, no chain, no head): set
	// only by the benchmarks that weigh the chain against its absence.
	unchained bool
	// heads is where this store last left each chain (audit.go, appendAuditID): its next append
	// to the chain tries that head first, in one statement, without reading it under a lock.
	heads [store.AuditChains]atomic.Pointer[cachedHead]
	// region reads phone numbers without a country code, in search terms and queries.
	region string
	// sessionTTL is how long a verification session lasts (SetSessionTTL, session.go).
	sessionTTL store.SessionTTL
}

var _ store.Store = (*Store)(nil)

// Defaults that apply unless the URL or an option says otherwise.
const (
	// DefaultMaxConns bounds one server's connections. A verification holds one for a few
	// milliseconds; more than a few per core only adds waiting on the holder locks.
	DefaultMaxConns = 8
	// DefaultLockTimeout bounds how long a statement waits for a row lock before the caller is
	// told the database is busy (model.ErrBusy) rather than left hanging.
	DefaultLockTimeout = 10 * time.Second
	// DefaultIdleInTxTimeout ends a session that sits in an open transaction: a server that
	// stalls while holding a holder's lock must not lock that holder out on every other server.
	DefaultIdleInTxTimeout = 60 * time.Second
)

type options struct {
	maxConns    int32
	lockTimeout time.Duration
	idleInTx    time.Duration
	dense       int // the tests' WithDenseMatches
	region      string
}

// Option configures Open.
type Option func(*options)

// WithMaxConns sets the pool's size, overriding pool_max_conns in the URL.
func WithMaxConns(n int) Option { return func(o *options) { o.maxConns = int32(n) } }

// WithLockTimeout sets how long a statement waits for a lock (0: the server's setting).
func WithLockTimeout(d time.Duration) Option { return func(o *options) { o.lockTimeout = d } }

// WithSearchRegion sets the region a phone number without a country code is read in, for search
// (default searchterm.DefaultRegion, "GB"). A database indexed under another region is indexed
// again on open.
func WithSearchRegion(region string) Option { return func(o *options) { o.region = region } }

// Open connects to the database at url, creates or upgrades pindesk's tables, and returns the
// store. A database written by a newer pindesk is refused with store.ErrSchemaTooNew, untouched.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	o := options{lockTimeout: DefaultLockTimeout, idleInTx: DefaultIdleInTxTimeout, dense: denseMatches, region: searchterm.DefaultRegion}
	for _, f := range opts {
		f(&o)
	}
	if !searchterm.ValidRegion(o.region) {
		return nil, fmt.Errorf("%w: search region %q is not a region code phone numbers are read in (such as GB or US)", model.ErrInvalidInput, o.region)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx masks a password in the URL it quotes.
		return nil, fmt.Errorf("%w: PostgreSQL URL: %w", model.ErrInvalidInput, err)
	}
	if o.maxConns > 0 {
		cfg.MaxConns = o.maxConns
	} else if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = DefaultMaxConns
	}
	params := cfg.ConnConfig.RuntimeParams
	setDefault(params, "synchronous_commit", "on")
	if o.lockTimeout > 0 {
		setDefault(params, "lock_timeout", fmt.Sprint(o.lockTimeout.Milliseconds()))
	}
	if o.idleInTx > 0 {
		setDefault(params, "idle_in_transaction_session_timeout", fmt.Sprint(o.idleInTx.Milliseconds()))
	}
	setDefault(params, "application_name", "pindesk")
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	s := &Store{pool: pool, denseMatches: o.dense, region: o.region}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if err := s.reindex(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Close closes every connection of the pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Pool exposes the connection pool, for health checks and metrics (pool.Stat()).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// storable reports whether PostgreSQL can hold every s as text: valid UTF-8 without NUL, which
// it refuses (SQLSTATE 22021) where SQLite would not. Imports are validated, so an id that is not
// storable names nothing stored: the store answers as for any unknown id, not with an error.
func storable(ss ...string) bool {
	for _, s := range ss {
		if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
			return false
		}
	}
	return true
}

func setDefault(m map[string]string, k, v string) {
	if _, ok := m[k]; !ok {
		m[k] = v
	}
}

// dbtx is what statements run on: a pgx.Tx, or a connection inside a transaction it began.
type dbtx interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// PostgreSQL error codes the store treats specially.
const (
	codeSerialization = "40001"
	codeDeadlock      = "40P01"
	codeLockTimeout   = "55P03"
	codeUnique        = "23505"
	codeForeignKey    = "23503"
	codeQueryCanceled = "57014"
	codeTooManyConns  = "53300"
	codeReadOnlyTx    = "25006" // read_only_sql_transaction: a standby, or default_transaction_read_only
	// The server is going away or not yet accepting: admin_shutdown (also pg_terminate_backend),
	// crash_shutdown, cannot_connect_now.
	codeAdminShutdown    = "57P01"
	codeCrashShutdown    = "57P02"
	codeCannotConnectNow = "57P03"
)

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// retryable reports an error after which the whole transaction may simply run again.
func retryable(err error) bool {
	c := pgCode(err)
	return c == codeSerialization || c == codeDeadlock
}

// mapErr turns the database's "try again later" answers into model.ErrBusy, and a database that
// cannot be reached or written (refused or lost connection, server shut down, a read-only standby)
// into model.ErrUnavailable: a fault of the server's side, answered 503 so clients retry, not 500.
// An error already mapped is returned as it is.
func mapErr(err error) error {
	if err == nil || errors.Is(err, model.ErrBusy) || errors.Is(err, model.ErrUnavailable) {
		return err
	}
	if unreachable(err) {
		return fmt.Errorf("%w (PostgreSQL cannot be reached): %w", model.ErrUnavailable, err)
	}
	switch pgCode(err) {
	case codeSerialization, codeDeadlock:
		return fmt.Errorf("%w (PostgreSQL: concurrent update): %w", model.ErrBusy, err)
	case codeLockTimeout:
		return fmt.Errorf("%w (PostgreSQL: timed out waiting for a lock): %w", model.ErrBusy, err)
	case codeTooManyConns:
		return fmt.Errorf("%w (PostgreSQL: too many connections): %w", model.ErrBusy, err)
	case codeReadOnlyTx:
		return fmt.Errorf("%w (PostgreSQL refuses writes: a read-only server or standby): %w", model.ErrUnavailable, err)
	}
	return err
}

// mapped applies mapErr to a method's error result (deferred: every return of the method).
func mapped(err *error) { *err = mapErr(*err) }

// unreachable reports an error that says the database is not there rather than that the request
// was wrong: no connection could be made, the connection broke, or the server is shutting down
// or refusing connections (SQLSTATE class 08, 57P01–57P03). The caller's own cancellation is not.
func unreachable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if c := pgCode(err); c != "" {
		return strings.HasPrefix(c, "08") || c == codeAdminShutdown || c == codeCrashShutdown || c == codeCannotConnectNow
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// maxAttempts bounds the runs of one transaction that hit a serialization failure or deadlock.
// With READ COMMITTED and one row lock per holder neither is expected; the retry is a seatbelt.
const maxAttempts = 4

// inTx runs fn in a READ COMMITTED transaction and commits it, running it again (bounded, with
// jitter) after a serialization failure or a deadlock.
func (s *Store) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return retry(ctx, func() error { return s.txOnce(ctx, fn) })
}

// retry runs once, and again (bounded, with jitter) after a serialization failure or a deadlock.
func retry(ctx context.Context, once func() error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = once()
		if err == nil || !retryable(err) || attempt == maxAttempts {
			return mapErr(err)
		}
		backoff := time.Duration(attempt*attempt) * time.Millisecond * time.Duration(1+rand.IntN(5))
		select {
		case <-ctx.Done():
			return mapErr(err)
		case <-time.After(backoff):
		}
	}
}

func (s *Store) txOnce(ctx context.Context, fn func(pgx.Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

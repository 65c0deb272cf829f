package sqlite

import (
	"context"
	"database/sql"
	"errors"
)

// Parsing SQL costs more CPU than running these short statements (pure-Go SQLite: about a quarter
// of a verification's CPU went to sqlite3_prepare), so the statements every verification runs are
// prepared once, when the store opens. The writer's are prepared on its one connection, so inside
// a write transaction tx.StmtContext finds them already prepared there and only binds and steps.
// A query missing from a set still runs, just parsed each time.

// Writer statements: every UpdateHolder and audit append runs these.
const (
	sqlInsertHolder = `INSERT OR IGNORE INTO holders (account_id, holder_id)
		SELECT ?1, ?2 WHERE EXISTS (SELECT 1 FROM accounts WHERE id = ?1)
		AND (?2 = 'account' OR EXISTS (SELECT 1 FROM contacts WHERE account_id = ?1 AND id = ?2))`
	sqlSelectHolder = `SELECT failures, locked_at, hard_locked_at FROM holders WHERE account_id = ? AND holder_id = ?`
	sqlHolderPINs   = `SELECT holder_id, kind, sealed, previous, created_at, expires_at, spent_at
		FROM pins WHERE account_id = ? AND holder_id = ? ORDER BY kind`
	sqlAddFailure = `UPDATE holders
		SET failures = failures + 1,
		    locked_at = CASE WHEN locked_at IS NULL AND failures + 1 >= ?1 THEN ?2 ELSE locked_at END
		WHERE account_id = ?3 AND holder_id = ?4
		RETURNING failures, locked_at`
	sqlResetFailures = `UPDATE holders SET failures = 0
		WHERE account_id = ? AND holder_id = ? AND locked_at IS NULL`
	sqlUnlock = `UPDATE holders SET failures = 0, locked_at = NULL
		WHERE account_id = ? AND holder_id = ?`
	sqlForgetFailures = `DELETE FROM holder_failures WHERE account_id = ? AND holder_id = ? AND at <= ?`
	sqlNoteFailure    = `INSERT INTO holder_failures (account_id, holder_id, at) VALUES (?, ?, ?)`
	sqlCountFailures  = `SELECT count(*) FROM holder_failures WHERE account_id = ? AND holder_id = ?`
	sqlHardLock       = `UPDATE holders
		SET hard_locked_at = CASE WHEN ?1 THEN coalesce(hard_locked_at, ?2) ELSE hard_locked_at END,
		    locked_at = CASE WHEN ?1 THEN coalesce(locked_at, ?2) ELSE locked_at END
		WHERE account_id = ?3 AND holder_id = ?4
		RETURNING locked_at, hard_locked_at`
	sqlClearHardLock = `UPDATE holders SET hard_locked_at = NULL WHERE account_id = ? AND holder_id = ?`
	sqlClearFailures = `DELETE FROM holder_failures WHERE account_id = ? AND holder_id = ?`
	sqlPutPIN        = `INSERT INTO pins (account_id, holder_id, kind, sealed, previous, created_at, expires_at, spent_at)
		VALUES (?1, ?2, ?3, ?4, NULL, ?5, ?6, ?7)
		ON CONFLICT (account_id, holder_id, kind) DO UPDATE SET
			previous = coalesce(pins.sealed, pins.previous),
			sealed = excluded.sealed, created_at = excluded.created_at,
			expires_at = excluded.expires_at, spent_at = excluded.spent_at`
	sqlClearPIN = `UPDATE pins SET previous = sealed, sealed = NULL
		WHERE account_id = ? AND holder_id = ? AND kind = ? AND sealed IS NOT NULL`
	sqlSpendPIN = `UPDATE pins SET spent_at = ?
		WHERE account_id = ? AND holder_id = ? AND kind = ? AND sealed IS NOT NULL AND spent_at IS NULL`
	// A key is claimed by reading it (live rows only) and written with its answer: under SQLite's
	// one write lock nothing can claim it between the two.
	sqlSaveIdempotent = `INSERT INTO idempotency
		(scope, key, fingerprint, account_id, holder_id, created_at, expires_at, result, event_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	sqlIdempotent       = `SELECT fingerprint, result, event_id FROM idempotency WHERE scope = ? AND key = ? AND expires_at > ?`
	sqlSweepIdempotent  = `DELETE FROM idempotency WHERE expires_at <= ?`
	sqlForgetIdempotent = `DELETE FROM idempotency WHERE account_id = ? AND holder_id = ? AND NOT (scope = ? AND key = ?)`
	sqlAppendAudit      = `INSERT INTO audit
		(time, operator, role, channel, account_id, holder, caller, action, kind, outcome, attempts_left, reason, replay_of, chain_id, seq, chain,
		approver, request_id, ticket, session)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	sqlAuditHead         = `SELECT seq, chain, key_check FROM audit_head WHERE id = ?`
	sqlMoveAuditHead     = `UPDATE audit_head SET seq = ?, chain = ?, time = ? WHERE id = ?`
	sqlSavepoint         = `SAVEPOINT w`
	sqlRollbackSavepoint = `ROLLBACK TO w`
	sqlReleaseSavepoint  = `RELEASE w`
)

// Reader statements: every verification reads its account first.
const (
	sqlAccount  = `SELECT id, number, name, product, uses_pins FROM accounts WHERE id = ?`
	sqlContacts = `SELECT id, name, email, phone, role, federated FROM contacts
		WHERE account_id = ? ORDER BY position`
	sqlToken = `SELECT ` + tokenColumns + ` FROM tokens WHERE hash = ? AND revoked_at IS NULL`
)

var writerQueries = []string{
	sqlInsertHolder, sqlSelectHolder, sqlHolderPINs, sqlAddFailure, sqlResetFailures, sqlUnlock,
	sqlForgetFailures, sqlNoteFailure, sqlCountFailures, sqlHardLock, sqlClearHardLock, sqlClearFailures,
	sqlPutPIN, sqlClearPIN, sqlSpendPIN, sqlIdempotent, sqlSweepIdempotent, sqlSaveIdempotent,
	sqlForgetIdempotent, sqlInsertNotice, sqlLogNotice,
	sqlAppendAudit, sqlAuditHead, sqlMoveAuditHead, sqlSavepoint, sqlRollbackSavepoint, sqlReleaseSavepoint,
}

var readerQueries = []string{sqlAccount, sqlContacts, sqlToken}

// stmts holds prepared statements by their SQL text. A nil stmts prepares nothing: every query is
// parsed when it runs.
type stmts map[string]*sql.Stmt

// prepare prepares every query on db. The writer's db has one connection, so that is where its
// statements live.
func prepare(ctx context.Context, db *sql.DB, queries []string) (stmts, error) {
	ss := stmts{}
	for _, q := range queries {
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			ss.close()
			return nil, mapErr(err)
		}
		ss[q] = st
	}
	return ss, nil
}

func (ss stmts) close() error {
	var errs []error
	for _, st := range ss {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}

// Inside a transaction: the prepared statement, bound to the transaction's connection (database/sql
// reuses the one prepared there, and closes the binding when the transaction ends).

func (ss stmts) txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if st := ss[query]; st != nil {
		return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

func (ss stmts) txQuery(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	if st := ss[query]; st != nil {
		return tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, query, args...)
}

func (ss stmts) txQueryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if st := ss[query]; st != nil {
		return tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}

// On a pool: database/sql prepares the statement on each connection the first time it runs there.

func (ss stmts) dbQuery(ctx context.Context, db *sql.DB, query string, args ...any) (*sql.Rows, error) {
	if st := ss[query]; st != nil {
		return st.QueryContext(ctx, args...)
	}
	return db.QueryContext(ctx, query, args...)
}

func (ss stmts) dbQueryRow(ctx context.Context, db *sql.DB, query string, args ...any) *sql.Row {
	if st := ss[query]; st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return db.QueryRowContext(ctx, query, args...)
}

package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"time"

	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/migration"
)

// Migrations are SQL files named NNNN_what.sql, applied in order, each once; the schema_version
// table records which have run. A released migration is never edited: a change is a new file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// loadMigrations reads the embedded migrations in order.
func loadMigrations() ([]migration.Migration, error) {
	return migration.Load(migrationFiles, "migrations")
}

// SchemaVersion is the newest schema version this build knows.
func SchemaVersion() int {
	ms, err := loadMigrations()
	if err != nil {
		return 0
	}
	return migration.Latest(ms)
}

// migrate brings the schema up to date. It reads the version before it writes anything, so a
// database from a newer pindesk, or another program's database, is refused untouched; the
// migrations then run in one IMMEDIATE transaction, which re-reads the version under the write lock
// in case another process migrated in between.
func migrate(ctx context.Context, db *sql.DB) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	latest := migration.Latest(ms)
	v, err := schemaVersion(ctx, db, latest)
	if err != nil || v == latest {
		return err
	}
	tx, err := db.BeginTx(ctx, nil) // IMMEDIATE: the writer DSN sets _txlock
	if err != nil {
		return mapErr(err)
	}
	defer tx.Rollback()
	if v, err = schemaVersion(ctx, tx, latest); err != nil || v == latest {
		return err
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		version    INTEGER PRIMARY KEY,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return mapErr(err)
	}
	for _, m := range ms[v:] {
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, mapErr(err))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version, applied_at) VALUES (?, ?)`, m.Version, nanos(time.Now())); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, mapErr(err))
		}
	}
	return mapErr(tx.Commit())
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// schemaVersion reads the applied version: 0 for an empty database. It refuses a version newer
// than latest, and a database that has tables but no schema_version (not pindesk's).
func schemaVersion(ctx context.Context, q querier, latest int) (int, error) {
	var tables, ours int
	err := q.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE name = 'schema_version')
		FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`).Scan(&tables, &ours)
	if err != nil {
		return 0, mapErr(err)
	}
	if ours == 0 {
		if tables > 0 {
			return 0, fmt.Errorf("%w: it holds %d tables of another program", ErrNotDatabase, tables)
		}
		return 0, nil
	}
	var v sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT max(version) FROM schema_version`).Scan(&v); err != nil {
		return 0, mapErr(err)
	}
	if int(v.Int64) > latest {
		return 0, fmt.Errorf("%w (schema version %d; this pindesk knows up to %d): upgrade pindesk", store.ErrSchemaTooNew, v.Int64, latest)
	}
	return int(v.Int64), nil
}

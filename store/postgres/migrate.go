package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/migration"
)

// ErrForeignSchema: the schema already holds tables that are not pindesk's; it is not touched.
var ErrForeignSchema = errors.New("not a pindesk schema")

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations lists the embedded migrations in order.
func migrations() ([]migration.Migration, error) { return migration.Load(migrationFiles, "migrations") }

// SchemaVersion is the schema version this build writes.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil {
		return 0
	}
	return migration.Latest(ms)
}

// migrate brings the schema up to date in one transaction, under a transaction-level advisory lock
// on the schema's name: servers that start together queue here, and the first migrates while the
// others then find nothing to do. DDL runs only when a migration is due, so a server whose role
// may not create tables runs fine against a database already migrated.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	latest := migration.Latest(ms)
	err = s.txOnce(ctx, func(tx pgx.Tx) error {
		var schema *string
		if err := tx.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
			return fmt.Errorf("read the current schema: %w", err)
		}
		if schema == nil {
			var path string
			_ = tx.QueryRow(ctx, `SHOW search_path`).Scan(&path)
			return fmt.Errorf("%w: no schema of the search_path (%s) exists: create it (CREATE SCHEMA …) or set search_path in the URL", model.ErrInvalidInput, path)
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('pindesk migrate ' || $1, 0))`, *schema); err != nil {
			return fmt.Errorf("take the migration lock: %w", err)
		}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT to_regclass('schema_version') IS NOT NULL`).Scan(&exists); err != nil {
			return fmt.Errorf("read the schema version: %w", err)
		}
		if !exists {
			var tables []string
			rows, err := tx.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename LIMIT 5`, *schema)
			if err == nil {
				tables, err = pgx.CollectRows(rows, pgx.RowTo[string])
			}
			if err != nil {
				return fmt.Errorf("list the schema's tables: %w", err)
			}
			if len(tables) > 0 {
				return fmt.Errorf("%w: schema %q holds tables of another program (%s…) and no schema_version: give pindesk a schema of its own (CREATE SCHEMA pindesk, then search_path=pindesk in the URL)", ErrForeignSchema, *schema, strings.Join(tables, ", "))
			}
		}
		current := 0
		if exists {
			if err := tx.QueryRow(ctx, `SELECT COALESCE(max(version), 0) FROM schema_version`).Scan(&current); err != nil {
				return fmt.Errorf("read the schema version: %w", err)
			}
		}
		if current > latest {
			return fmt.Errorf("%w: its schema is version %d, this pindesk knows up to %d; upgrade pindesk (the database was not changed)", store.ErrSchemaTooNew, current, latest)
		}
		if current == latest {
			return nil
		}
		if !exists {
			if _, err := tx.Exec(ctx, `CREATE TABLE schema_version (version integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
				return fmt.Errorf("create schema_version: %w", err)
			}
		}
		for _, m := range ms[current:] {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_version (version) VALUES ($1)`, m.Version); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("PostgreSQL schema: %w", err)
	}
	return nil
}

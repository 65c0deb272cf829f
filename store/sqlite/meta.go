package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Meta returns the value recorded under name in the meta table.
func (s *Store) Meta(ctx context.Context, name string) (string, bool, error) {
	if err := s.guard.err(); err != nil {
		return "", false, err
	}
	var v string
	err := s.r.QueryRowContext(ctx, `SELECT value FROM meta WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read %s: %w", name, mapErr(err))
	}
	return v, true, nil
}

// PutMeta records value under name, replacing what was there.
func (s *Store) PutMeta(ctx context.Context, name, value string) error {
	err := s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
		return err
	})
	if err != nil {
		return fmt.Errorf("record %s: %w", name, mapErr(err))
	}
	return nil
}

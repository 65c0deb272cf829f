package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Meta returns the value recorded under name in the meta table.
func (s *Store) Meta(ctx context.Context, name string) (_ string, _ bool, err error) {
	defer mapped(&err)
	var v string
	err = s.pool.QueryRow(ctx, `SELECT value FROM meta WHERE name = $1`, name).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read %s: %w", name, mapErr(err))
	}
	return v, true, nil
}

// PutMeta records value under name, replacing what was there.
func (s *Store) PutMeta(ctx context.Context, name, value string) (err error) {
	defer mapped(&err)
	_, err = s.pool.Exec(ctx, `INSERT INTO meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
	if err != nil {
		return fmt.Errorf("record %s: %w", name, mapErr(err))
	}
	return nil
}

// readyCheckName is the meta row CheckWritable rewrites.
const readyCheckName = "ready_check"

// CheckWritable proves the database can be written now: a small write (a meta row) commits, with
// the session's synchronous_commit. A server that is down, unreachable, read-only (a standby after
// a failover) or out of disk fails here, as model.ErrUnavailable where it is one of those.
func (s *Store) CheckWritable(ctx context.Context) error {
	return s.PutMeta(ctx, readyCheckName, strconv.FormatInt(time.Now().UnixNano(), 10))
}

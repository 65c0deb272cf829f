package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// CreateToken records a token by its hash; an id or hash already recorded is store.ErrDuplicate.
func (s *Store) CreateToken(ctx context.Context, t store.Token) error {
	if t.ID == "" || len(t.Hash) == 0 {
		return fmt.Errorf("%w: a token needs an id and a hash", model.ErrInvalidInput)
	}
	err := s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO tokens (id, hash, operator, role, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)`,
			t.ID, t.Hash, t.Operator.Name, string(t.Operator.Role), nanos(t.CreatedAt), nullNanos(t.RevokedAt))
		return err
	})
	if isUnique(err) {
		return fmt.Errorf("create token %q: %w", t.ID, store.ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("create token: %w", mapErr(err))
	}
	return nil
}

const tokenColumns = `id, hash, operator, role, created_at, revoked_at`

func scanToken(sc interface{ Scan(...any) error }) (store.Token, error) {
	var t store.Token
	var created int64
	var revoked sql.NullInt64
	if err := sc.Scan(&t.ID, &t.Hash, &t.Operator.Name, &t.Operator.Role, &created, &revoked); err != nil {
		return t, err
	}
	t.CreatedAt, t.RevokedAt = fromNanos(created), fromNull(revoked)
	return t, nil
}

// TokenByHash returns the live token with the hash; an unknown or revoked one is
// model.ErrUnauthorized, the same answer for both so a caller learns nothing from it.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (store.Token, error) {
	if err := s.guard.err(); err != nil {
		return store.Token{}, err
	}
	t, err := scanToken(s.rs.dbQueryRow(ctx, s.r, sqlToken, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Token{}, fmt.Errorf("%w: unknown or revoked token", model.ErrUnauthorized)
	}
	if err != nil {
		return store.Token{}, fmt.Errorf("token: %w", mapErr(err))
	}
	return t, nil
}

// Tokens lists every token, revoked ones included, oldest first.
func (s *Store) Tokens(ctx context.Context) ([]store.Token, error) {
	if err := s.guard.err(); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+tokenColumns+` FROM tokens ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", mapErr(err))
	}
	defer rows.Close()
	out := []store.Token{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("tokens: %w", mapErr(err))
		}
		out = append(out, t)
	}
	return out, mapErr(rows.Err())
}

// RevokeToken revokes the token at now; revoking it again keeps the first time. An unknown id is
// model.ErrInvalidInput.
func (s *Store) RevokeToken(ctx context.Context, id string, now time.Time) error {
	var n int64
	err := s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?`, nanos(now), id)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("revoke token: %w", mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("%w: no token %q", model.ErrInvalidInput, id)
	}
	return nil
}

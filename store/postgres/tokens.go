package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// CreateToken stores a token's record; an id or hash already stored is store.ErrDuplicate.
func (s *Store) CreateToken(ctx context.Context, t store.Token) (err error) {
	defer mapped(&err)
	if t.ID == "" || len(t.Hash) == 0 {
		return fmt.Errorf("%w: a token needs an id and a hash", model.ErrInvalidInput)
	}
	if !storable(t.ID, t.Operator.Name, string(t.Operator.Role)) {
		return fmt.Errorf("%w: a token's id and operator must be UTF-8 without NUL characters", model.ErrInvalidInput)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO tokens (id, hash, operator, role, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		t.ID, t.Hash, t.Operator.Name, string(t.Operator.Role), t.CreatedAt, t.RevokedAt)
	if pgCode(err) == codeUnique {
		return fmt.Errorf("%w: token %s", store.ErrDuplicate, t.ID)
	}
	if err != nil {
		return fmt.Errorf("create token: %w", mapErr(err))
	}
	return nil
}

const tokenColumns = `id, hash, operator, role, created_at, revoked_at`

func scanToken(row pgx.CollectableRow) (store.Token, error) {
	var t store.Token
	var role string
	if err := row.Scan(&t.ID, &t.Hash, &t.Operator.Name, &role, &t.CreatedAt, &t.RevokedAt); err != nil {
		return t, err
	}
	t.Operator.Role = model.OperatorRole(role)
	t.CreatedAt = t.CreatedAt.UTC()
	t.RevokedAt = utc(t.RevokedAt)
	return t, nil
}

// TokenByHash returns the live token with the hash; an unknown or revoked one is
// model.ErrUnauthorized, the same answer for both so a caller learns nothing from it.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (_ store.Token, err error) {
	defer mapped(&err)
	rows, err := s.pool.Query(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE hash = $1 AND revoked_at IS NULL`, hash)
	if err != nil {
		return store.Token{}, fmt.Errorf("look up token: %w", mapErr(err))
	}
	t, err := pgx.CollectExactlyOneRow(rows, scanToken)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Token{}, fmt.Errorf("%w: unknown or revoked token", model.ErrUnauthorized)
	}
	if err != nil {
		return store.Token{}, fmt.Errorf("look up token: %w", err)
	}
	return t, nil
}

// Tokens lists every token, revoked ones included, oldest first.
func (s *Store) Tokens(ctx context.Context) (_ []store.Token, err error) {
	defer mapped(&err)
	rows, err := s.pool.Query(ctx, `SELECT `+tokenColumns+` FROM tokens ORDER BY created_at, id COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", mapErr(err))
	}
	out, err := pgx.CollectRows(rows, scanToken)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	if out == nil {
		out = []store.Token{}
	}
	return out, nil
}

// RevokeToken marks the token revoked at now; revoking it again keeps the first time.
func (s *Store) RevokeToken(ctx context.Context, id string, now time.Time) (err error) {
	defer mapped(&err)
	if !storable(id) {
		return fmt.Errorf("%w: no token %q", model.ErrInvalidInput, id)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1`, id, now)
	if err != nil {
		return fmt.Errorf("revoke token: %w", mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: no token %q", model.ErrInvalidInput, id)
	}
	return nil
}

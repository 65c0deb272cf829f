package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// TokenPrefix starts every pindesk API token, so a leaked one is recognisable (secret scanners,
// logs) and a string that is not one is refused without a database lookup.
const TokenPrefix = "pd_"

// tokenBytes of crypto/rand make a token: 256 bits, beyond guessing.
const tokenBytes = 32

// tokenLen is the length of every token pindesk issues.
var tokenLen = len(TokenPrefix) + base64.RawURLEncoding.EncodedLen(tokenBytes)

// TokenStore is the part of store.Store the server needs for tokens.
type TokenStore interface {
	CreateToken(ctx context.Context, t store.Token) error
	TokenByHash(ctx context.Context, hash []byte) (store.Token, error)
	Tokens(ctx context.Context) ([]store.Token, error)
	RevokeToken(ctx context.Context, id string, now time.Time) error
}

// HashToken is what the store keeps of a token: its SHA-256. A token has 256 random bits, so a
// plain hash cannot be reversed by guessing; no salt or slow hash is needed.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// IssueToken creates a token for op and stores its hash. The token is returned once; pindesk keeps
// no copy it could show again.
func IssueToken(ctx context.Context, st TokenStore, op model.Operator, now time.Time) (string, store.Token, error) {
	if err := checkOperator(op); err != nil {
		return "", store.Token{}, err
	}
	secret := make([]byte, tokenBytes)
	if _, err := rand.Read(secret); err != nil {
		return "", store.Token{}, fmt.Errorf("issue token: %w", err)
	}
	id := make([]byte, 6)
	if _, err := rand.Read(id); err != nil {
		return "", store.Token{}, fmt.Errorf("issue token: %w", err)
	}
	token := TokenPrefix + base64.RawURLEncoding.EncodeToString(secret)
	rec := store.Token{ID: "tok_" + hex.EncodeToString(id), Hash: HashToken(token), Operator: op, CreatedAt: now.UTC()}
	if err := st.CreateToken(ctx, rec); err != nil {
		return "", store.Token{}, fmt.Errorf("issue token: %w", err)
	}
	return token, rec, nil
}

// checkOperator refuses a token for a role that does not exist or a name that would make the audit
// trail ambiguous or unreadable.
func checkOperator(op model.Operator) error {
	if _, err := model.ParseOperatorRole(string(op.Role)); err != nil {
		return err
	}
	name := strings.TrimSpace(op.Name)
	switch {
	case name == "" || name != op.Name:
		return fmt.Errorf("%w: an operator name is required, without leading or trailing spaces", model.ErrInvalidInput)
	case !utf8.ValidString(name) || utf8.RuneCountInString(name) > model.MaxIDLength:
		return fmt.Errorf("%w: an operator name has at most %d characters", model.ErrInvalidInput, model.MaxIDLength)
	}
	// The name is shown in the audit trail and token lists, on terminals too.
	return model.CheckText("token name", name)
}

// caller is who sent a request, as its bearer token says.
type caller struct {
	op      model.Operator
	tokenID string
}

// authenticate finds the operator of the request's bearer token. A missing, malformed, unknown or
// revoked token is model.ErrUnauthorized; the store being unreachable is not (it answers 503, so a
// client does not conclude its token is bad).
func (s *Server) authenticate(r *http.Request) (caller, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return caller{}, fmt.Errorf("%w: send Authorization: Bearer <token>", model.ErrUnauthorized)
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return caller{}, fmt.Errorf("%w: the Authorization header must use the Bearer scheme", model.ErrUnauthorized)
	}
	token = strings.TrimSpace(token)
	if len(token) != tokenLen || !strings.HasPrefix(token, TokenPrefix) {
		return caller{}, fmt.Errorf("%w: that is not a pindesk token", model.ErrUnauthorized)
	}
	hash := HashToken(token)
	now := time.Now()
	if c, ok := s.tokenCache.get(hash, now); ok {
		return c, nil
	}
	rec, err := s.tokens.TokenByHash(r.Context(), hash)
	if errors.Is(err, model.ErrUnauthorized) {
		return caller{}, fmt.Errorf("%w: unknown or revoked token", model.ErrUnauthorized)
	}
	if err != nil {
		// The cause stays in the log: a store error may name tables or columns.
		s.log.Error("token lookup failed", "error", err.Error())
		if errors.Is(err, model.ErrBusy) {
			return caller{}, fmt.Errorf("%w: cannot check the token now", model.ErrBusy)
		}
		return caller{}, fmt.Errorf("%w: the server cannot check tokens now", model.ErrUnavailable)
	}
	if rec.RevokedAt != nil {
		return caller{}, fmt.Errorf("%w: unknown or revoked token", model.ErrUnauthorized)
	}
	if _, err := model.ParseOperatorRole(string(rec.Operator.Role)); err != nil {
		return caller{}, fmt.Errorf("%w: the token's role is not known to this server", model.ErrUnauthorized)
	}
	// The operator carries its token: idempotency keys belong to the token, not to a name that
	// another token may share.
	op := rec.Operator
	op.TokenID = rec.ID
	c := caller{op: op, tokenID: rec.ID}
	s.tokenCache.put(hash, c, now)
	return c, nil
}

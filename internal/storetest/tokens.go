package storetest

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

func runTokens(t *testing.T, newStore func(t *testing.T) store.Store) {
	hash := func(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }
	same := func(a, b store.Token) bool {
		return a.ID == b.ID && string(a.Hash) == string(b.Hash) && a.Operator == b.Operator && a.CreatedAt.Equal(b.CreatedAt) &&
			a.CreatedAt.Location() == time.UTC && (a.RevokedAt == nil) == (b.RevokedAt == nil) && (a.RevokedAt == nil || a.RevokedAt.Equal(*b.RevokedAt))
	}

	t.Run("tokens are created, found by hash, listed and revoked", func(t *testing.T) {
		st := newStore(t)
		ctx := t.Context()
		t1 := store.Token{ID: "tok-1", Hash: hash("secret-1"), Operator: Agent, CreatedAt: Start}
		t2 := store.Token{ID: "tok-2", Hash: hash("secret-2"), Operator: Supervisor, CreatedAt: Start.Add(time.Minute)}
		for _, tok := range []store.Token{t1, t2} {
			if err := st.CreateToken(ctx, tok); err != nil {
				t.Fatal(err)
			}
		}
		got, err := st.TokenByHash(ctx, hash("secret-1"))
		if err != nil || !same(got, t1) {
			t.Fatalf("token by hash: %+v, %v; want %+v", got, err, t1)
		}
		_, err = st.TokenByHash(ctx, hash("secret-3"))
		wantErr(t, err, model.ErrUnauthorized)

		wantErr(t, st.CreateToken(ctx, store.Token{ID: "tok-1", Hash: hash("other"), Operator: Admin, CreatedAt: Start}), store.ErrDuplicate)
		wantErr(t, st.CreateToken(ctx, store.Token{ID: "tok-9", Hash: hash("secret-2"), Operator: Admin, CreatedAt: Start}), store.ErrDuplicate)

		list, err := st.Tokens(ctx)
		if err != nil || len(list) != 2 || !same(list[0], t1) || !same(list[1], t2) {
			t.Fatalf("tokens: %+v, %v; want tok-1 then tok-2", list, err)
		}

		revoked := Start.Add(time.Hour)
		if err := st.RevokeToken(ctx, "tok-1", revoked); err != nil {
			t.Fatal(err)
		}
		_, err = st.TokenByHash(ctx, hash("secret-1"))
		wantErr(t, err, model.ErrUnauthorized)
		if got, err := st.TokenByHash(ctx, hash("secret-2")); err != nil || !same(got, t2) {
			t.Fatalf("revoking tok-1 touched tok-2: %+v, %v", got, err)
		}
		if err := st.RevokeToken(ctx, "tok-1", revoked.Add(time.Hour)); err != nil {
			t.Fatalf("revoking twice: %v", err)
		}
		list, err = st.Tokens(ctx)
		if err != nil || len(list) != 2 || list[0].RevokedAt == nil || !list[0].RevokedAt.Equal(revoked) || list[1].RevokedAt != nil {
			t.Fatalf("tokens after revoking: %+v, %v; want tok-1 revoked at %v", list, err, revoked)
		}
		wantErr(t, st.RevokeToken(ctx, "tok-nobody", revoked), model.ErrInvalidInput)
	})

	t.Run("a store with no tokens lists none", func(t *testing.T) {
		st := newStore(t)
		list, err := st.Tokens(t.Context())
		if err != nil || len(list) != 0 {
			t.Fatalf("tokens of an empty store: %+v, %v", list, err)
		}
	})
}

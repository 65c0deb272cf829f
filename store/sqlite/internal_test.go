package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/pindesk/pindesk/internal/storetest"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

func TestEveryConnectionHasTheDurabilityPragmas(t *testing.T) {
	t.Parallel()
	st, err := Open(t.Context(), filepath.Join(t.TempDir(), "p.db"), WithReadConns(3))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	check := func(name string, db *sql.DB, n int, queryOnly int) {
		// Hold n connections at once so each is a distinct pooled connection.
		var conns []*sql.Conn
		for range n {
			c, err := db.Conn(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
		}
		for i, c := range conns {
			for pragma, want := range map[string]int{"synchronous": 2, "foreign_keys": 1, "busy_timeout": 5000, "query_only": queryOnly} {
				var got int
				if err := c.QueryRowContext(t.Context(), "PRAGMA "+pragma).Scan(&got); err != nil || got != want {
					t.Errorf("%s connection %d: %s = %d (%v), want %d", name, i, pragma, got, err, want)
				}
			}
			var mode string
			if err := c.QueryRowContext(t.Context(), "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
				t.Errorf("%s connection %d: journal_mode %q (%v), want wal", name, i, mode, err)
			}
			c.Close()
		}
	}
	check("writer", st.w, 1, 0)
	check("reader", st.r, 3, 1)
}

func TestReadersCannotWrite(t *testing.T) {
	t.Parallel()
	st, err := Open(t.Context(), filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.r.ExecContext(t.Context(), `DELETE FROM audit`); err == nil {
		t.Fatal("a read-pool connection wrote to the database")
	}
}

func TestExpiredIdempotencyKeysLeaveTheTable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	acct := model.Account{ID: "a", Number: "1", Name: "A", UsesPINs: true}
	if err := storetest.Seed(ctx, st, []model.Account{acct}); err != nil {
		t.Fatal(err)
	}
	h := model.HolderRef{AccountID: "a", ContactID: model.AccountWide}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	claim := func(key string, now time.Time) {
		err := st.UpdateHolder(ctx, h, func(tx store.HolderTx) error {
			k := store.IdempotencyKey{Scope: "local:x", Key: key}
			if _, _, err := tx.ClaimIdempotent(ctx, k, []byte("f"), now, now.Add(10*time.Minute)); err != nil {
				return err
			}
			return tx.SaveIdempotent(ctx, k, model.VerifyResult{Outcome: model.OutcomeMismatch, AttemptsLeft: 5}, 1)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	rows := func() (keys []string) {
		r, err := st.r.QueryContext(ctx, `SELECT key FROM idempotency ORDER BY key`)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		for r.Next() {
			var k string
			if err := r.Scan(&k); err != nil {
				t.Fatal(err)
			}
			keys = append(keys, k)
		}
		return keys
	}
	claim("old", t0)
	claim("recent", t0.Add(5*time.Minute))
	claim("new", t0.Add(10*time.Minute+time.Second))
	if got := fmt.Sprint(rows()); got != "[new recent]" {
		t.Fatalf("keys kept after the first expired: %s; want [new recent]", got)
	}
}

func TestEverySearchPlanPassesTheSearchSuite(t *testing.T) {
	t.Parallel()
	for name, threshold := range map[string]int{"terms read and sorted": 1 << 30, "accounts walked in number order": 0} {
		t.Run(name, func(t *testing.T) {
			saved := denseMatches
			denseMatches = threshold
			defer func() { denseMatches = saved }()
			storetest.RunSearch(t, func(t *testing.T) store.Store {
				st, err := Open(t.Context(), filepath.Join(t.TempDir(), "p.db"))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				return st
			})
		})
	}
}

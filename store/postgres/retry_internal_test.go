package postgres

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pindesk/pindesk/model"
)

// The retry is internal: a deadlock or serialization failure cannot be provoked on demand through
// UpdateHolder (its one row lock never deadlocks), so the transaction runner is tested directly
// with the errors PostgreSQL would raise.
func TestATransactionThatMeetsADeadlockRunsAgainBoundedThenAnswersBusy(t *testing.T) {
	t.Parallel()
	u := os.Getenv("PINDESK_TEST_POSTGRES_URL")
	if u == "" {
		t.Skip("PostgreSQL tests skipped: set PINDESK_TEST_POSTGRES_URL (see scripts/pg-test-cluster.sh)")
	}
	pool, err := pgxpool.New(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	s := &Store{pool: pool}
	defer s.Close()
	ctx := context.Background()
	tests := []struct {
		name      string
		code      string
		failTimes int
		wantRuns  int
		wantErr   error
	}{
		{"a deadlock once: the second run commits", codeDeadlock, 1, 2, nil},
		{"a serialization failure three times: the fourth run commits", codeSerialization, 3, 4, nil},
		{"a deadlock every time: busy after four runs", codeDeadlock, 100, maxAttempts, model.ErrBusy},
		{"a unique violation is not retried", codeUnique, 100, 1, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			runs := 0
			err := s.inTx(ctx, func(tx pgx.Tx) error {
				runs++
				if _, err := tx.Exec(ctx, "SELECT 1"); err != nil {
					return err
				}
				if runs <= tc.failTimes {
					return &pgconn.PgError{Code: tc.code, Message: "injected"}
				}
				return nil
			})
			if runs != tc.wantRuns {
				t.Fatalf("ran %d times, want %d", runs, tc.wantRuns)
			}
			switch {
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			case tc.code == codeUnique && (err == nil || errors.Is(err, model.ErrBusy)):
				t.Fatalf("error %v, want the unique violation itself", err)
			case tc.wantErr == nil && tc.code != codeUnique && err != nil:
				t.Fatalf("error %v, want a commit", err)
			}
		})
	}
}

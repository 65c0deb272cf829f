package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/postgres"
)

// UpdateHolder begins and ends its transaction itself (BEGIN rides in the first batch); these
// tests hold it to what pgx.Tx would guarantee.

func TestUpdateHolderReportsATransactionPostgreSQLRolledBackEvenIfTheFunctionIgnoredTheError(t *testing.T) {
	ctx := context.Background()
	s := floor(t, 1, 1)[0].store
	h := holder(0)
	err := s.UpdateHolder(ctx, h, func(tx store.HolderTx) error {
		_, _, _ = tx.AddFailure(ctx, 6, time.Now())
		// A kind PostgreSQL cannot hold fails the statement, and with it the transaction.
		_ = tx.PutPIN(ctx, store.SealedPIN{PINState: model.PINState{Kind: "bad\x00kind", CreatedAt: time.Now()}, Sealed: []byte("x")})
		return nil
	})
	if err == nil {
		t.Fatal("UpdateHolder reported success for a transaction PostgreSQL rolled back")
	}
	hs, err := s.Holders(ctx, h.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range hs {
		if x.Failures != 0 || len(x.PINs) != 0 {
			t.Fatalf("the rolled-back transaction left %+v", x)
		}
	}
}

func TestACallerThatGivesUpMidTransactionLeavesNothingAndTheConnectionUsable(t *testing.T) {
	u := floor(t, 1, 1)[0].store.Pool().Config().ConnString()
	s := open(t, u, postgres.WithMaxConns(1)) // one connection: a leaked transaction would block the next call
	h := holder(0)
	ctx, cancel := context.WithCancel(context.Background())
	err := s.UpdateHolder(ctx, h, func(tx store.HolderTx) error {
		if _, _, err := tx.AddFailure(ctx, 6, time.Now()); err != nil {
			return err
		}
		cancel()
		_, _, err := tx.AddFailure(ctx, 6, time.Now())
		return err
	})
	if err == nil {
		t.Fatal("UpdateHolder succeeded on a cancelled context")
	}
	done := make(chan error, 1)
	go func() {
		done <- s.UpdateHolder(context.Background(), h, func(tx store.HolderTx) error {
			if f := tx.Holder().Failures; f != 0 {
				return errors.New("the abandoned transaction's failure was kept")
			}
			return nil
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the next UpdateHolder is stuck behind the abandoned transaction")
	}
}

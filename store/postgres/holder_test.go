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
	t.Parallel()
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
	t.Parallel()
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

// TestAClaimOfAKeyAnotherServerHoldsWaitsForItsTransactionAndThenSeesIt is why a key reused for
// another holder is refused before any comparison, across servers: the second claim blocks on the
// primary key until the first transaction commits, then finds the first claim (with its answer),
// never a gap between them.
func TestAClaimOfAKeyAnotherServerHoldsWaitsForItsTransactionAndThenSeesIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	servers := floor(t, 2, 2)
	key := store.IdempotencyKey{Scope: "token:tok_1", Key: "call-1"}
	now := time.Now()
	claimed, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- servers[0].store.UpdateHolder(ctx, holder(0), func(tx store.HolderTx) error {
			if _, found, err := tx.ClaimIdempotent(ctx, key, []byte("first"), now, now.Add(time.Minute)); err != nil || found {
				return errors.Join(err, errors.New("the first claim found a claim"))
			}
			if err := tx.SaveIdempotent(ctx, key, model.VerifyResult{Outcome: model.OutcomeVerified}, 1); err != nil {
				return err
			}
			close(claimed)
			<-release
			return nil
		})
	}()
	<-claimed
	type claim struct {
		prev  store.Idempotent
		found bool
		err   error
	}
	second := make(chan claim, 1)
	go func() {
		var c claim
		c.err = servers[1].store.UpdateHolder(ctx, holder(1), func(tx store.HolderTx) error {
			c.prev, c.found, c.err = tx.ClaimIdempotent(ctx, key, []byte("second"), now, now.Add(time.Minute))
			return c.err
		})
		second <- c
	}()
	select {
	case c := <-second:
		t.Fatalf("the second claim returned while the first transaction was open: %+v", c)
	case <-time.After(500 * time.Millisecond):
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	c := <-second
	if c.err != nil || !c.found || string(c.prev.Fingerprint) != "first" || !c.prev.Answered || c.prev.Result.Outcome != model.OutcomeVerified || c.prev.EventID != 1 {
		t.Fatalf("the second claim: %+v; want the first claim, answered", c)
	}
}

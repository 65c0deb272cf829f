package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/pindesk/pindesk/internal/storetest"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/postgres"
)

// tamper writes to the store's schema directly, as a database administrator could.
func tamper(t *testing.T, st store.Store, statements ...string) {
	t.Helper()
	for _, q := range statements {
		if _, err := st.(*postgres.Store).Pool().Exec(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func TestAuditTamperingIsFound(t *testing.T) {
	baseURL(t)
	storetest.RunAuditTamper(t, func(t *testing.T) store.Store { return open(t, newSchema(t)) }, tamper)
}

// Two servers on one database append at once — verifications, unlocks, resets, refusals, each in
// its own transaction under its holder's lock — and the head's row lock chains them one after
// another: the chain verifies from either server, without a gap.
func TestTwoServersAppendingAtOnceLeaveAChainThatVerifies(t *testing.T) {
	ctx := context.Background()
	servers := floor(t, 2, 8)
	var wg sync.WaitGroup
	for s, srv := range servers {
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				h := model.HolderRef{AccountID: accountID(i), ContactID: "c-1"}
				for j := range 6 {
					_, err := srv.svc.Verify(ctx, agent, model.VerifyRequest{AccountID: h.AccountID, Holder: h.ContactID,
						PIN: fmt.Sprintf("0%05d", j), Channel: model.ChannelPhone})
					if err != nil {
						t.Error(err)
					}
					if j == 3 && s == i%2 {
						if _, err := srv.svc.ResetAccount(ctx, admin, model.ResetRequest{AccountID: h.AccountID, Reason: "test"}); err != nil {
							t.Error(err)
						}
					}
				}
			}()
		}
	}
	wg.Wait()
	for _, srv := range servers {
		st, err := srv.svc.VerifyAudit(ctx, admin, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !st.Intact || st.Events != st.Head.Events() {
			t.Fatalf("%s: %+v", srv.name, st)
		}
		if want := int64(1 + 2*8*6 + 8); st.Head.Events() != want {
			t.Fatalf("%s: the heads count %d events, want %d (an import, %d verifications, 8 resets)", srv.name, st.Head.Events(), want, 2*8*6)
		}
	}
}

// The state migration 0007 leaves an older database in — rows without a chain, heads with none —
// is chained from the genesis values, in id order, on the first open with the key; servers
// starting together chain it once.
func TestAnUpgradedHistoryIsChainedOnceOnFirstOpenWithTheKey(t *testing.T) {
	ctx := context.Background()
	servers := floor(t, 2, 30)
	pool := servers[0].store.Pool()
	for _, q := range []string{
		`INSERT INTO audit (time, operator, role, channel, account_id, action, outcome)
			SELECT now() - make_interval(secs => g), 'root', 'admin', 'admin', 'a-000', 'unlock', 'ok' FROM generate_series(1, 2500) g`,
		`UPDATE audit SET chain_id = NULL, seq = NULL, chain = NULL`,
		`UPDATE audit_head SET seq = 0, chain = NULL, time = NULL, key_check = NULL`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var wg sync.WaitGroup
	chained := make([]int, 2)
	for i, srv := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := srv.svc.ChainAuditHistory(ctx)
			if err != nil {
				t.Error(err)
			}
			chained[i] = n
		}()
	}
	wg.Wait()
	if total := chained[0] + chained[1]; total != 2501 || chained[0] != 0 && chained[1] != 0 {
		t.Fatalf("the servers chained %v events; want the 2501 by one of them", chained)
	}
	st, err := servers[1].svc.VerifyAudit(ctx, admin, 1, nil)
	if err != nil || !st.Intact || st.Head.Events() != 2501 || st.Events != 2501 {
		t.Fatalf("%+v, %v", st, err)
	}
}

package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store/postgres"
	"github.com/pindesk/pindesk/store/secret"
)

// These tests stand up a support floor in miniature: two pindesk servers, each with its own store
// (its own connection pool) and its own core, on one database. What one server does must hold on
// the other, whatever the interleaving.

var (
	agent      = model.Operator{Name: "alice", Role: model.OpAgent}
	agent2     = model.Operator{Name: "bob", Role: model.OpAgent}
	supervisor = model.Operator{Name: "sarah", Role: model.OpSupervisor}
	portal     = model.Operator{Name: "portal", Role: model.OpPortal}
	admin      = model.Operator{Name: "root", Role: model.OpAdmin}
)

const thePIN = "482915"

type server struct {
	name  string
	store *postgres.Store
	svc   *core.Service
}

// floor opens n servers on one fresh schema and imports accounts a-001… each with one contact c-1.
func floor(t testing.TB, n, accounts int) []server {
	t.Helper()
	u := newSchema(t)
	sealer, err := secret.New(bytes.Repeat([]byte{0x5a}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	var out []server
	for i := range n {
		st := open(t, u)
		svc, err := core.New(st, sealer)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, server{name: fmt.Sprintf("server %d", i+1), store: st, svc: svc})
	}
	var accts []model.Account
	for i := range accounts {
		accts = append(accts, model.Account{
			ID: accountID(i), Number: fmt.Sprintf("%06d", 500000+i), Name: fmt.Sprintf("Floor Test %d", i),
			Product: "broadband", UsesPINs: true,
			Contacts: []model.Contact{{ID: "c-1", Name: fmt.Sprintf("Caller %d", i), Role: model.RoleHolder}},
		})
	}
	if err := out[0].svc.Import(context.Background(), admin, accts); err != nil {
		t.Fatalf("import: %v", err)
	}
	return out
}

// rounds is how often a race is repeated: full normally, short with -short (a quick loop).
func rounds(full, short int) int {
	if testing.Short() {
		return short
	}
	return full
}

func accountID(i int) string { return fmt.Sprintf("a-%03d", i) }

func holder(i int) model.HolderRef { return model.HolderRef{AccountID: accountID(i), ContactID: "c-1"} }

func change(h model.HolderRef, kind model.Kind) model.PINChange {
	return model.PINChange{AccountID: h.AccountID, Holder: h.ContactID, Kind: kind, OnBehalfOf: h.ContactID}
}

func verifyReq(h model.HolderRef, pin string) model.VerifyRequest {
	return model.VerifyRequest{AccountID: h.AccountID, Holder: h.ContactID, PIN: pin, Channel: model.ChannelPhone}
}

// wrongPIN never equals thePIN: it starts with 0.
func wrongPIN(i int) string { return fmt.Sprintf("0%05d", i%100000) }

// race runs n verifications at once, the i-th through servers[i%len(servers)], and returns their
// results and errors in order.
func race(servers []server, n int, req func(i int) model.VerifyRequest) ([]model.VerifyResult, []error) {
	results, errs := make([]model.VerifyResult, n), make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			op := agent
			if i%2 == 1 {
				op = agent2
			}
			<-start
			results[i], errs[i] = servers[i%len(servers)].svc.Verify(context.Background(), op, req(i))
		}()
	}
	close(start)
	wg.Wait()
	return results, errs
}

func TestTwoServersCountExactlySixOfSixtyFourConcurrentWrongPINs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	servers := floor(t, 2, 1)
	h := holder(0)
	if _, err := servers[0].svc.Set(ctx, portal, change(h, model.KindMaster), thePIN); err != nil {
		t.Fatal(err)
	}
	const attempts = 64
	for round := range rounds(3, 1) {
		results, errs := race(servers, attempts, func(i int) model.VerifyRequest { return verifyReq(h, wrongPIN(i)) })
		counted := map[int]int{} // attempts left → how many answers said it
		locked := 0
		for i, r := range results {
			if errs[i] != nil {
				t.Fatalf("round %d: attempt %d through %s: %v", round, i, servers[i%2].name, errs[i])
			}
			switch r.Outcome {
			case model.OutcomeMismatch:
				counted[r.AttemptsLeft]++
			case model.OutcomeLocked:
				locked++
			default:
				t.Fatalf("round %d: attempt %d answered %s", round, i, r.Outcome)
			}
		}
		// Decided one at a time: the six counted answers said 5, 4, 3, 2, 1 and 0 left, once each.
		if len(counted) != 6 || locked != attempts-6 {
			t.Fatalf("round %d: counted answers %v and %d locked, want 6 counted (5…0 left, once each) and %d locked", round, counted, locked, attempts-6)
		}
		for left := range 6 {
			if counted[left] != 1 {
				t.Fatalf("round %d: %d answers said %d attempts left, want 1 (%v)", round, counted[left], left, counted)
			}
		}
		for _, s := range servers {
			v, err := s.svc.Account(ctx, agent, h.AccountID)
			if err != nil {
				t.Fatal(err)
			}
			st, _ := v.Holder(h.ContactID)
			if st.Failures != 6 || !st.Locked() {
				t.Fatalf("round %d: %s sees %+v, want 6 failures and locked", round, s.name, st)
			}
		}
		evs, err := servers[1].svc.Audit(ctx, supervisor, model.AuditQuery{AccountID: h.AccountID, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		var mism, lockedEvents int
		for _, ev := range evs[:attempts] {
			switch ev.Outcome {
			case string(model.OutcomeMismatch):
				mism++
			case string(model.OutcomeLocked):
				lockedEvents++
			}
		}
		if mism != 6 || lockedEvents != attempts-6 {
			t.Fatalf("round %d: the audit holds %d mismatches and %d locked, want 6 and %d", round, mism, lockedEvents, attempts-6)
		}
		if err := servers[round%2].svc.Unlock(ctx, supervisor, model.UnlockRequest{AccountID: h.AccountID, Holder: h.ContactID, Reason: "next round"}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTwoServersSpendAOneTimePINExactlyOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	servers := floor(t, 2, 1)
	h := holder(0)
	for round := range rounds(3, 1) {
		g, err := servers[round%2].svc.Generate(ctx, portal, change(h, model.KindOneTime))
		if err != nil {
			t.Fatal(err)
		}
		results, errs := race(servers, 32, func(int) model.VerifyRequest { return verifyReq(h, g.PIN) })
		outcomes := map[model.Outcome]int{}
		for i, r := range results {
			if errs[i] != nil {
				t.Fatalf("round %d: attempt %d: %v", round, i, errs[i])
			}
			outcomes[r.Outcome]++
		}
		if outcomes[model.OutcomeVerified] != 1 || outcomes[model.OutcomeSpent] != 31 {
			t.Fatalf("round %d: outcomes %v, want 1 verified and 31 spent", round, outcomes)
		}
	}
}

func TestAnUnlockOnOneServerIsSeenAtOnceByTheOther(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	servers := floor(t, 2, 1)
	one, other := servers[0].svc, servers[1].svc
	h := holder(0)
	if _, err := one.Set(ctx, portal, change(h, model.KindMaster), thePIN); err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		if r, err := one.Verify(ctx, agent, verifyReq(h, wrongPIN(i))); err != nil || r.Outcome != model.OutcomeMismatch {
			t.Fatalf("wrong PIN %d on server 1: %+v, %v", i+1, r, err)
		}
	}
	if r, err := other.Verify(ctx, agent2, verifyReq(h, thePIN)); err != nil || r.Outcome != model.OutcomeLocked {
		t.Fatalf("the right PIN on server 2 after server 1 locked the holder: %+v, %v; want locked", r, err)
	}
	if err := other.Unlock(ctx, supervisor, model.UnlockRequest{AccountID: h.AccountID, Holder: h.ContactID, Reason: "caller identified by callback"}); err != nil {
		t.Fatal(err)
	}
	if r, err := one.Verify(ctx, agent, verifyReq(h, wrongPIN(7))); err != nil || r.Outcome != model.OutcomeMismatch || r.AttemptsLeft != 5 {
		t.Fatalf("a wrong PIN on server 1 right after the unlock on server 2: %+v, %v; want mismatch with 5 left", r, err)
	}
	if r, err := one.Verify(ctx, agent, verifyReq(h, thePIN)); err != nil || r.Outcome != model.OutcomeVerified {
		t.Fatalf("the right PIN on server 1 after the unlock on server 2: %+v, %v; want verified", r, err)
	}
}

func TestAHolderHeldByAStalledServerAnswersBusyAfterTheLockTimeout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	servers := floor(t, 1, 1)
	h := holder(0)
	if _, err := servers[0].svc.Set(ctx, portal, change(h, model.KindMaster), thePIN); err != nil {
		t.Fatal(err)
	}
	// A second server with a short lock timeout, and a "stalled server" holding the holder's row.
	u := newSchemaURLOf(t, servers[0].store)
	impatient := open(t, u, postgres.WithLockTimeout(200*time.Millisecond))
	sealer, _ := secret.New(bytes.Repeat([]byte{0x5a}, secret.KeySize))
	svc, err := core.New(impatient, sealer)
	if err != nil {
		t.Fatal(err)
	}
	stalled, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close(ctx)
	tx, err := stalled.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM holders WHERE account_id = $1 AND holder_id = $2 FOR UPDATE`, h.AccountID, h.ContactID); err != nil {
		t.Fatal(err)
	}
	_, err = svc.Verify(ctx, agent, verifyReq(h, wrongPIN(1)))
	if !errors.Is(err, model.ErrBusy) {
		t.Fatalf("verify while another session holds the holder: %v, want model.ErrBusy", err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := svc.Verify(ctx, agent, verifyReq(h, wrongPIN(1)))
	if err != nil || r.Outcome != model.OutcomeMismatch || r.AttemptsLeft != 5 {
		t.Fatalf("verify once the holder is free: %+v, %v; want the first counted failure (the busy one was not counted)", r, err)
	}
}

// newSchemaURLOf returns the URL the store was opened with (its search_path included).
func newSchemaURLOf(t testing.TB, s *postgres.Store) string {
	t.Helper()
	return s.Pool().Config().ConnString()
}

func TestTwoServersImportingTheSameAccountsInOppositeOrdersBothSucceed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	servers := floor(t, 2, 0)
	var forward, backward []model.Account
	for i := range 100 {
		a := model.Account{ID: accountID(i), Number: fmt.Sprintf("%06d", 800000+i), Name: fmt.Sprintf("Import %d", i), UsesPINs: true,
			Contacts: []model.Contact{{ID: "c-1", Name: "Someone", Role: model.RoleHolder}}}
		forward = append(forward, a)
		backward = append([]model.Account{a}, backward...)
	}
	for round := range rounds(5, 2) { // the second and later re-import what the first imported
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, accts := range [][]model.Account{forward, backward} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = servers[i].svc.Import(ctx, admin, accts)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: import through %s: %v", round, servers[i].name, err)
			}
		}
	}
	got, err := servers[1].store.SearchAccounts(ctx, "import", 200, 0)
	if err != nil || len(got) != 100 {
		t.Fatalf("search after the imports: %d accounts, %v; want 100", len(got), err)
	}
}

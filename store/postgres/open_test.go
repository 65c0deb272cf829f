package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pindesk/pindesk/internal/storetest"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/postgres"
)

// snapshot describes a schema: its tables, its versions and its accounts, to tell whether anything
// was touched.
func snapshot(t *testing.T, u string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var tables, versions, accounts string
	err = conn.QueryRow(ctx, `SELECT
		(SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = current_schema()),
		(SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_version),
		(SELECT string_agg(id || '=' || number || '/' || name, ',' ORDER BY id) FROM accounts)`).Scan(&tables, &versions, &accounts)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("tables %s; versions %s; accounts %s", tables, versions, accounts)
}

func TestADatabaseFromANewerPindeskIsRefusedUntouched(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := newSchema(t)
	s, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if err := storetest.Seed(ctx, s, []model.Account{{ID: "a-1", Number: "1", Name: "Kept", UsesPINs: true}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	newer := postgres.SchemaVersion() + 1
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO schema_version (version) VALUES ($1)`, newer); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	before := snapshot(t, u)

	s, err = postgres.Open(ctx, u)
	if err == nil {
		s.Close()
		t.Fatal("a database of a newer schema version was opened")
	}
	if !errors.Is(err, store.ErrSchemaTooNew) {
		t.Fatalf("error %v, want store.ErrSchemaTooNew", err)
	}
	for _, want := range []string{fmt.Sprint(newer), fmt.Sprint(postgres.SchemaVersion()), "upgrade pindesk"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error %q does not say %q", err, want)
		}
	}
	if after := snapshot(t, u); after != before {
		t.Fatalf("the refused database changed:\nbefore %s\nafter  %s", before, after)
	}
}

func TestServersStartingTogetherMigrateOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := newSchema(t)
	const servers = 4
	errs := make([]error, servers)
	var wg sync.WaitGroup
	for i := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := postgres.Open(ctx, u)
			if err == nil {
				s.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("server %d: %v", i+1, err)
		}
	}
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var rows, latest int
	if err := conn.QueryRow(ctx, `SELECT count(*), max(version) FROM schema_version`).Scan(&rows, &latest); err != nil {
		t.Fatal(err)
	}
	if rows != postgres.SchemaVersion() || latest != postgres.SchemaVersion() {
		t.Fatalf("schema_version holds %d rows up to %d, want each of the %d migrations once", rows, latest, postgres.SchemaVersion())
	}
}

func TestThePoolSizeComesFromTheURLOrTheOption(t *testing.T) {
	t.Parallel()
	u := newSchema(t)
	tests := []struct {
		name string
		url  string
		opts []postgres.Option
		want int32
	}{
		{"without a setting a server opens at most the default", u, nil, postgres.DefaultMaxConns},
		{"pool_max_conns in the URL sets it", withParam(u, "pool_max_conns", "3"), nil, 3},
		{"WithMaxConns overrides the URL", withParam(u, "pool_max_conns", "3"), []postgres.Option{postgres.WithMaxConns(12)}, 12},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t, tc.url, tc.opts...)
			if got := s.Pool().Config().MaxConns; got != tc.want {
				t.Fatalf("max conns %d, want %d", got, tc.want)
			}
		})
	}
}

func TestAnUnparsableURLIsRefusedWithoutItsPassword(t *testing.T) {
	t.Parallel()
	_, err := postgres.Open(context.Background(), "postgres://pindesk:s3cretpw@db.example:notaport/pindesk")
	if !errors.Is(err, model.ErrInvalidInput) {
		t.Fatalf("error %v, want model.ErrInvalidInput", err)
	}
	if strings.Contains(err.Error(), "s3cretpw") {
		t.Fatalf("the error shows the password: %v", err)
	}
}

func TestSessionsRunWithTheStoreDefaultsUnlessTheURLSaysOtherwise(t *testing.T) {
	t.Parallel()
	u := newSchema(t)
	tests := []struct {
		name string
		url  string
		want map[string]string
	}{
		{"the defaults: durable commits, a bounded lock wait, stalled transactions cut off", u,
			map[string]string{"synchronous_commit": "on", "lock_timeout": "10s", "idle_in_transaction_session_timeout": "1min"}},
		{"settings in the URL win", withParam(withParam(u, "lock_timeout", "3s"), "synchronous_commit", "remote_apply"),
			map[string]string{"synchronous_commit": "remote_apply", "lock_timeout": "3s"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t, tc.url)
			for setting, want := range tc.want {
				var got string
				if err := s.Pool().QueryRow(context.Background(), "SHOW "+setting).Scan(&got); err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("%s is %q in the store's sessions, want %q", setting, got, want)
				}
			}
		})
	}
}

// PostgreSQL refuses NUL and invalid UTF-8 in text where SQLite stores them; a request carrying
// them must get the answer an unknown id or bad input gets on either store, not an internal error.
func TestTextPostgreSQLCannotHoldIsUnknownOrInvalidNotAnInternalError(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	servers := floor(t, 1, 1)
	s, svc := servers[0].store, servers[0].svc
	h := holder(0)
	if _, err := svc.Set(ctx, portal, change(h, model.KindMaster), thePIN); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"a-000\x00", "a-\xff"} {
		if _, err := s.Account(ctx, bad); !errors.Is(err, model.ErrUnknownAccount) {
			t.Errorf("Account(%q): %v, want model.ErrUnknownAccount", bad, err)
		}
		if _, err := svc.Verify(ctx, agent, verifyReq(model.HolderRef{AccountID: h.AccountID, ContactID: "c-1\x00"}, thePIN)); !errors.Is(err, model.ErrUnknownHolder) {
			t.Errorf("verify a holder id with NUL: %v, want model.ErrUnknownHolder", err)
		}
		if err := s.UpdateHolder(ctx, model.HolderRef{AccountID: bad, ContactID: "c-1"}, func(store.HolderTx) error { return nil }); !errors.Is(err, model.ErrUnknownAccount) {
			t.Errorf("UpdateHolder(%q): %v, want model.ErrUnknownAccount", bad, err)
		}
		if got, err := s.SearchAccounts(ctx, "floor"+bad, 10, 0); err != nil || len(got) != 0 {
			t.Errorf("search %q: %v, %v; want no match", bad, got, err)
		}
		if err := s.RevokeToken(ctx, bad, time.Now()); !errors.Is(err, model.ErrInvalidInput) {
			t.Errorf("RevokeToken(%q): %v, want model.ErrInvalidInput", bad, err)
		}
		if err := storetest.Seed(ctx, s, []model.Account{{ID: "a-new", Number: "9", Name: "Bad " + bad, UsesPINs: true}}); !errors.Is(err, model.ErrInvalidInput) {
			t.Errorf("import a name with %q: %v, want model.ErrInvalidInput", bad, err)
		}
	}
	// An unlock reason is free text: one holding NUL is refused and nothing changes.
	for i := range 6 {
		if _, err := svc.Verify(ctx, agent, verifyReq(h, wrongPIN(i))); err != nil {
			t.Fatal(err)
		}
	}
	err := svc.Unlock(ctx, supervisor, model.UnlockRequest{AccountID: h.AccountID, Holder: h.ContactID, Reason: "called\x00back"})
	if !errors.Is(err, model.ErrInvalidInput) {
		t.Fatalf("unlock with a NUL in the reason: %v, want model.ErrInvalidInput", err)
	}
	if r, err := svc.Verify(ctx, agent, verifyReq(h, thePIN)); err != nil || r.Outcome != model.OutcomeLocked {
		t.Fatalf("after the refused unlock: %+v, %v; want still locked", r, err)
	}
}

func TestASearchPathNamingNoSchemaIsRefusedPlainly(t *testing.T) {
	t.Parallel()
	u := withParam(baseURL(t), "search_path", "pindesk_no_such_schema")
	s, err := postgres.Open(context.Background(), u)
	if err == nil {
		s.Close()
		t.Fatal("opened a store with no schema to create its tables in")
	}
	if !errors.Is(err, model.ErrInvalidInput) || !strings.Contains(err.Error(), "pindesk_no_such_schema") || !strings.Contains(err.Error(), "CREATE SCHEMA") {
		t.Fatalf("error %v, want model.ErrInvalidInput naming the search_path and how to fix it", err)
	}
}

func TestASchemaHoldingAnotherProgramsTablesIsRefusedUntouched(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := newSchema(t)
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE TABLE accounts (id integer PRIMARY KEY, balance numeric)`); err != nil {
		t.Fatal(err)
	}
	s, err := postgres.Open(ctx, u)
	if err == nil {
		s.Close()
		t.Fatal("opened a schema that holds another program's tables")
	}
	if !errors.Is(err, postgres.ErrForeignSchema) || !strings.Contains(err.Error(), "accounts") || !strings.Contains(err.Error(), "search_path") {
		t.Fatalf("error %v, want postgres.ErrForeignSchema naming the table and the way out", err)
	}
	var tables int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()`).Scan(&tables); err != nil || tables != 1 {
		t.Fatalf("the schema holds %d tables after the refusal (%v), want only the other program's", tables, err)
	}
}

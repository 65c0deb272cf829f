package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/pindesk/pindesk/demo/sample"
	"github.com/pindesk/pindesk/internal/storetest"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store/searchterm"
)

// storedTerms lists the rows of search_terms, sorted, as "account term field text contact number".
func storedTerms(t *testing.T, st *Store) []string {
	t.Helper()
	rows, err := st.r.QueryContext(t.Context(), `SELECT account_id, term, field, text, contact_id, number FROM search_terms`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, term, text, contact, number string
		var field int
		if err := rows.Scan(&id, &term, &field, &text, &contact, &number); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %q %d %q %s %s", id, term, field, text, contact, number))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// wantTerms is what storedTerms must read for accounts: searchterm.Account of each.
func wantTerms(accounts []model.Account) []string {
	var out []string
	for _, a := range accounts {
		for _, term := range searchterm.Account(a, searchterm.DefaultRegion) {
			out = append(out, fmt.Sprintf("%s %q %d %q %s %s", a.ID, term.Term, term.Field, term.Text, term.Contact, a.Number))
		}
	}
	slices.Sort(out)
	return out
}

func sameTerms(t *testing.T, when string, got, want []string) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	missing, extra := 0, 0
	for _, w := range want {
		if _, ok := slices.BinarySearch(got, w); !ok {
			missing++
		}
	}
	for _, g := range got {
		if _, ok := slices.BinarySearch(want, g); !ok {
			extra++
		}
	}
	t.Fatalf("%s: %d terms stored, want %d (%d missing, %d not wanted)", when, len(got), len(want), missing, extra)
}

func TestAnImportAndAReindexWriteEveryTermOfEveryAccountWhateverTheBatches(t *testing.T) {
	t.Parallel()
	// 60 accounts make some 3,600 terms: many full batches of termBatch and a part one.
	accounts := sample.Accounts(sample.Seed, 60)
	path := filepath.Join(t.TempDir(), "p.db")
	st, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := storetest.Seed(t.Context(), st, accounts); err != nil {
		t.Fatal(err)
	}
	if n := len(wantTerms(accounts)); n < 4*termBatch || n%termBatch == 0 {
		t.Fatalf("%d terms do not make several batches and a part one of %d", n, termBatch)
	}
	sameTerms(t, "after the import", storedTerms(t, st), wantTerms(accounts))

	// Imported again, changed: each account's old terms go, its new ones are all there.
	changed := slices.Clone(accounts)
	for i := range changed {
		changed[i].Name = fmt.Sprintf("Renamed Trading %d", i)
		changed[i].Contacts = changed[i].Contacts[:1]
		changed[i].Contacts[0].Phone = fmt.Sprintf("+44 20 7946 %04d", i)
	}
	if _, err := st.ImportAccounts(t.Context(), changed, storetest.SeedOptions()); err != nil {
		t.Fatal(err)
	}
	// Contacts the file leaves out stay (no prune), so the stored accounts are the ones to index.
	stored := make([]model.Account, len(changed))
	for i, a := range changed {
		if stored[i], err = st.Account(t.Context(), a.ID); err != nil {
			t.Fatal(err)
		}
	}
	sameTerms(t, "after importing the changes", storedTerms(t, st), wantTerms(stored))

	// A stale index is built again on open, through the same batches.
	if _, err := st.w.Exec(`DELETE FROM search_terms; DELETE FROM meta WHERE name = ?`, searchterm.MetaIndex); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if st, err = Open(t.Context(), path); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sameTerms(t, "after the reindex", storedTerms(t, st), wantTerms(stored))
}

func TestAnAccountListedTwiceInOneImportKeepsTheTermsOfItsLastListingOnly(t *testing.T) {
	t.Parallel()
	st, err := Open(t.Context(), Memory)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	accounts := sample.Accounts(sample.Seed, 3)
	first := accounts[0]
	first.Name = "Quayside Chandlery"
	last := accounts[0]
	last.Contacts = last.Contacts[:1]
	if err := storetest.Seed(t.Context(), st, []model.Account{first, accounts[1], accounts[2], last}); err != nil {
		t.Fatal(err)
	}
	stored, err := st.Account(t.Context(), last.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Name != last.Name || len(stored.Contacts) != 1 {
		t.Fatalf("stored %q with %d contacts, want the last listing: %q with 1", stored.Name, len(stored.Contacts), last.Name)
	}
	sameTerms(t, "after the import", storedTerms(t, st), wantTerms([]model.Account{stored, accounts[1], accounts[2]}))
}

func TestAnImportAndAReindexGiveBackThePageCacheTheyGrew(t *testing.T) {
	t.Parallel()
	st, err := Open(t.Context(), filepath.Join(t.TempDir(), "p.db")) // a new database: indexed on open
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	check := func(when string) {
		t.Helper()
		var n int
		err := st.writeTx(t.Context(), func(ctx context.Context, tx *sql.Tx) error {
			return tx.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&n)
		})
		if err != nil {
			t.Fatal(err)
		}
		if n != sqliteDefaultCache {
			t.Errorf("the writer's page cache is %d %s, want SQLite's default %d", n, when, sqliteDefaultCache)
		}
	}
	check("after the open's reindex")
	if err := storetest.Seed(t.Context(), st, sample.Accounts(sample.Seed, 5)); err != nil {
		t.Fatal(err)
	}
	check("after an import")
}

// sqliteDefaultCache is SQLite's default cache_size: 2,000 KiB.
const sqliteDefaultCache = -2000

func TestAThrowawayDatabaseSkipsTheFsyncAndNothingElse(t *testing.T) {
	t.Parallel()
	st, err := Open(t.Context(), filepath.Join(t.TempDir(), "p.db"), WithThrowaway())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for name, db := range map[string]*sql.DB{"writer": st.w, "reader": st.r} {
		var sync, fk int
		var mode string
		if err := db.QueryRow(`PRAGMA synchronous`).Scan(&sync); err != nil || sync != 0 {
			t.Errorf("%s: synchronous = %d (%v), want 0 (OFF)", name, sync, err)
		}
		if err := db.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
			t.Errorf("%s: foreign_keys = %d (%v), want 1", name, fk, err)
		}
		if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
			t.Errorf("%s: journal_mode = %q (%v), want wal", name, mode, err)
		}
	}
}

package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/pindesk/pindesk/model"
)

// bigBook imports n accounts "Dense Customer NNNNN" numbered 700000+i in reverse order (so number
// order is not import order), each with a contact whose phone ends in the account's digits.
func bigBook(t *testing.T, n int) (string, *server) {
	t.Helper()
	servers := floor(t, 1, 0)
	var accts []model.Account
	for i := n - 1; i >= 0; i-- {
		accts = append(accts, model.Account{
			ID: fmt.Sprintf("d-%05d", i), Number: fmt.Sprintf("%06d", 700000+i), Name: fmt.Sprintf("Dense Customer %05d", i),
			Product: "broadband", UsesPINs: true,
			Contacts: []model.Contact{{ID: "c-1", Name: "Pat Dense", Phone: fmt.Sprintf("+1 (555) 1%05d", i), Role: model.RoleHolder}},
		})
	}
	if err := servers[0].svc.Import(context.Background(), admin, accts); err != nil {
		t.Fatal(err)
	}
	return servers[0].store.Pool().Config().ConnString(), &servers[0]
}

func TestSearchPagesInNumberOrderWhetherAPrefixIsRareOrCommon(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("imports 3,500 accounts")
	}
	ctx := context.Background()
	const n = 3500 // "dense" matches 7,000 terms (name and contact word): past the switch to the dense plan
	_, srv := bigBook(t, n)
	tests := []struct {
		name          string
		q             string
		offset, limit int
		first, count  int // the first account index expected, and how many
		on            string
	}{
		{"a common word pages from the start", "dense", 0, 20, 0, 20, "name"},
		{"a common word pages deep into the book", "DENSE", 3490, 20, 3490, 10, "name"},
		{"a rare prefix of the name finds its ten accounts", "dense customer 0012", 0, 50, 120, 10, "name"},
		{"an account number prefix", "70345", 0, 50, 3450, 10, "number"},
		{"a phone written another way finds by its digits", "+1 555 1034", 0, 50, 3400, 100, "phone"},
		{"a word no account has finds nothing", "sparse", 0, 50, 0, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := srv.store.SearchAccounts(ctx, tc.q, tc.limit, tc.offset)
			if err != nil {
				t.Fatal(err)
			}
			want := min(tc.count, tc.limit)
			if len(got) != want {
				t.Fatalf("%d results, want %d", len(got), want)
			}
			for i, a := range got {
				if wantNum := fmt.Sprintf("%06d", 700000+tc.first+i); a.Number != wantNum || a.MatchedOn != tc.on {
					t.Fatalf("result %d: %s matched on %s, want %s matched on %s", i, a.Number, a.MatchedOn, wantNum, tc.on)
				}
			}
		})
	}
}

func TestAPrefixSearchReadsTheTermIndexNotTheTable(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("imports 3,500 accounts")
	}
	ctx := context.Background()
	u, _ := bigBook(t, 3500)
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ query, index string }{
		{`EXPLAIN SELECT account_id FROM search_terms WHERE term >= 'dense customer 0012' AND term < 'dense customer 0013'`, "search_terms_pkey"},
		{`EXPLAIN SELECT id FROM accounts WHERE lower(number) >= '70345' AND lower(number) < '70346' ORDER BY lower(number), id LIMIT 21`, "accounts_number_nocase"},
	} {
		rows, err := conn.Query(ctx, c.query)
		if err != nil {
			t.Fatal(err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		plan := strings.Join(lines, "\n")
		if !strings.Contains(plan, c.index) || strings.Contains(plan, "Seq Scan") {
			t.Fatalf("a prefix range is not a range scan of %s:\n%s", c.index, plan)
		}
	}
}

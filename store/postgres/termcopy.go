package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store/searchterm"
)

// copyTerms writes the search terms of accounts whose old terms queueAccount removed, by COPY:
// an account has dozens of terms, and COPY writes them several times faster than INSERT. made
// hands out the accounts' terms (searchterm.Ahead, started on a list that holds accounts next, in
// order): they are made on another goroutine while the writes travel, and streamed into the COPY
// as it sends, never all held at once (a reindex of 100,000 accounts has six million).
func copyTerms(ctx context.Context, tx pgx.Tx, accounts []model.Account, made *searchterm.Terms) error {
	var terms []searchterm.Term
	next, row := 0, make([]any, len(termColumns))
	var id, number string
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"search_terms"}, termColumns, pgx.CopyFromFunc(func() ([]any, error) {
		for len(terms) == 0 {
			if next == len(accounts) {
				return nil, nil
			}
			id, number, terms = accounts[next].ID, asciiLower(accounts[next].Number), made.Next()
			next++
		}
		t := terms[0]
		terms = terms[1:]
		row[0], row[1], row[2], row[3], row[4], row[5] = t.Term, id, t.Contact, int16(t.Field), t.Text, number
		return row, nil
	}))
	return err
}

// termColumns are the columns of search_terms that copyTerms writes.
var termColumns = []string{"term", "account_id", "contact_id", "field", "text", "number"}

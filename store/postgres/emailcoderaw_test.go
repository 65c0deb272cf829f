package postgres_test

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql's "pgx" driver: a reader beside the store

	"github.com/pindesk/pindesk/internal/storetest"
	"github.com/pindesk/pindesk/store"
)

// notText are the column types whose values are no text or bytes (numbers, times, flags): the
// code's digits cannot be in them as ASCII. Every other column is read, as text or raw bytea.
var notText = map[string]bool{"smallint": true, "integer": true, "bigint": true, "numeric": true, "real": true,
	"double precision": true, "boolean": true, "date": true, "interval": true, "timestamp with time zone": true,
	"timestamp without time zone": true, "time with time zone": true, "time without time zone": true}

// rawCells reads every text and bytea cell of every table of the test's schema (search_path of
// u) through database/sql, not through the store.
func rawCells(u string) storetest.RawCells {
	return func(t *testing.T, visit func(table, column string, value []byte)) {
		t.Helper()
		db, err := sql.Open("pgx", u)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		rows, err := db.Query(`SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
			JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
			WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' ORDER BY 1, c.ordinal_position`)
		if err != nil {
			t.Fatal(err)
		}
		type column struct{ table, name, typ string }
		var cols []column
		for rows.Next() {
			var c column
			if err := rows.Scan(&c.table, &c.name, &c.typ); err != nil {
				t.Fatal(err)
			}
			cols = append(cols, c)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		if len(cols) == 0 {
			t.Fatal("no table in the schema")
		}
		quote := func(id string) string { return `"` + strings.ReplaceAll(id, `"`, `""`) + `"` }
		for _, c := range cols {
			if notText[c.typ] {
				continue
			}
			expr := quote(c.name) + "::text" // text, varchar, json, arrays, enums: as PostgreSQL prints them
			if c.typ == "bytea" {
				expr = quote(c.name) // the raw bytes
			}
			q := fmt.Sprintf(`SELECT %s FROM %s WHERE %s IS NOT NULL`, expr, quote(c.table), quote(c.name))
			rows, err := db.Query(q)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			for rows.Next() {
				var v []byte
				if err := rows.Scan(&v); err != nil {
					t.Fatal(err)
				}
				visit(c.table, c.name, v)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			rows.Close()
		}
	}
}

func TestTheEmailedCodeIsInNoCellOfThePostgreSQLSchema(t *testing.T) {
	t.Parallel()
	baseURL(t)
	storetest.RunEmailCodeRaw(t, func(t *testing.T) (store.Store, storetest.RawCells) {
		u := newSchema(t)
		return open(t, u), rawCells(u)
	})
}

package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/pindesk/pindesk/model"
)

// Columns are the CSV columns, in the order WriteCSV writes them.
var Columns = []string{
	"account_id", "account_number", "account_name", "product", "uses_pins",
	"contact_id", "contact_name", "email", "phone", "role", "federated",
}

var requiredColumns = []string{"account_id", "account_number", "account_name", "contact_id", "contact_name", "role"}

var contactColumns = []string{"contact_id", "contact_name", "email", "phone", "role", "federated"}

// csvAccount is an account being gathered from its rows.
type csvAccount struct {
	located
	usesPINsSet bool
	firstLine   map[string]int // column → the line that set it, for disagreement messages
}

// ReadCSV reads accounts from CSV, one row per contact. name labels errors.
func ReadCSV(name string, r io.Reader) ([]model.Account, error) {
	ls, err := readCSV(name, r)
	if err != nil {
		return nil, err
	}
	return accountsOf(ls), nil
}

func readCSV(name string, r io.Reader) ([]located, error) {
	c := &collector{file: name}
	br := bufio.NewReader(r)
	if b, _ := br.Peek(len(bom)); bytes.Equal(b, bom) {
		br.Discard(len(bom))
	}
	cr := csv.NewReader(br)
	cr.Comma = delimiter(br)
	cr.FieldsPerRecord = -1 // counted here, for a clearer message than the csv package's
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &Errors{List: []*LineError{{File: name, Msg: "is empty; the first row must name the columns (" + strings.Join(Columns, ",") + ")", Err: model.ErrInvalidInput}}}
	}
	if err != nil {
		c.add(lineOf(err, 1), csvFault(err))
		return nil, c.err()
	}
	hline, _ := cr.FieldPos(0)
	col := c.header(header, hline)
	if c.err() != nil {
		return nil, c.err()
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}

	var order []*csvAccount
	byID := map[string]*csvAccount{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// A broken quote leaves the rest of the file's structure unknown: stop here.
			c.add(lineOf(err, 0), csvFault(err))
			break
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			c.addf(line, "has %d fields; the header has %d", len(rec), len(header))
			continue
		}
		if blank(rec) {
			// A row of empty fields is most often a row whose text was lost (a spreadsheet cell
			// cleared, a bad export); skipping it would drop a contact silently.
			c.addf(line, "is an empty row (every field is empty)")
			continue
		}
		id := get(rec, "account_id")
		if id == "" {
			c.addf(line, "account_id is empty")
			continue
		}
		a := byID[id]
		if a == nil {
			a = &csvAccount{located: located{acct: model.Account{ID: id, UsesPINs: true, Contacts: []model.Contact{}}, line: line}, firstLine: map[string]int{}}
			byID[id] = a
			order = append(order, a)
		}
		c.accountColumns(a, line, rec, get)
		c.contact(a, line, rec, get)
	}
	if c.err() == nil && len(order) == 0 {
		return nil, &Errors{List: []*LineError{{File: name, Line: 1, Msg: errEmpty.Error() + " (only a header row)", Err: model.ErrInvalidInput}}}
	}
	accounts := make([]located, len(order))
	for i, a := range order {
		accounts[i] = a.located
	}
	c.check(accounts)
	if err := c.err(); err != nil {
		return nil, err
	}
	return accounts, nil
}

// delimiter is ';' when the header row has semicolons and no commas, else ','.
func delimiter(br *bufio.Reader) rune {
	peek, _ := br.Peek(4096)
	if i := bytes.IndexByte(peek, '\n'); i >= 0 {
		peek = peek[:i]
	}
	if bytes.IndexByte(peek, ';') >= 0 && bytes.IndexByte(peek, ',') < 0 {
		return ';'
	}
	return ','
}

// header maps each known column to its index and reports unknown, repeated and missing ones.
func (c *collector) header(header []string, line int) map[string]int {
	col := map[string]int{}
	known := map[string]bool{}
	for _, k := range Columns {
		known[k] = true
	}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		name = strings.NewReplacer(" ", "_", "-", "_").Replace(name)
		_, dup := col[name]
		switch {
		case name == "":
			c.addf(line, "column %d has no name", i+1)
		case !known[name]:
			c.addf(line, "unknown column %q (columns: %s)", strings.TrimSpace(h), strings.Join(Columns, ", "))
		case dup:
			c.addf(line, "column %q appears twice", name)
		default:
			col[name] = i
		}
	}
	for _, name := range requiredColumns {
		if _, ok := col[name]; !ok && len(c.errs.List) < MaxErrors {
			c.addf(line, "the header has no %s column", name)
		}
	}
	return col
}

// accountColumns sets the account's fields from a row, or checks the row agrees with them.
func (c *collector) accountColumns(a *csvAccount, line int, rec []string, get func([]string, string) string) {
	set := func(column string, field *string) {
		v := get(rec, column)
		switch {
		case v == "":
		case a.firstLine[column] == 0:
			*field, a.firstLine[column] = v, line
		case v != *field:
			c.addf(line, "account %s: %s %q differs from %q on line %d", a.acct.ID, column, v, *field, a.firstLine[column])
		}
	}
	set("account_number", &a.acct.Number)
	set("account_name", &a.acct.Name)
	set("product", &a.acct.Product)
	if v := get(rec, "uses_pins"); v != "" {
		b, err := parseBool(v)
		switch {
		case err != nil:
			c.addf(line, "uses_pins %q (want true or false)", v)
		case !a.usesPINsSet:
			a.acct.UsesPINs, a.usesPINsSet, a.firstLine["uses_pins"] = b, true, line
		case b != a.acct.UsesPINs:
			c.addf(line, "account %s: uses_pins %q differs from %t on line %d", a.acct.ID, v, a.acct.UsesPINs, a.firstLine["uses_pins"])
		}
	}
}

// contact adds the row's contact, unless the contact columns are all empty (an account without
// contacts). A contact whose role or federated flag cannot be read is reported and left out.
func (c *collector) contact(a *csvAccount, line int, rec []string, get func([]string, string) string) {
	empty := true
	for _, k := range contactColumns {
		if get(rec, k) != "" {
			empty = false
		}
	}
	if empty {
		return
	}
	ct := model.Contact{ID: get(rec, "contact_id"), Name: get(rec, "contact_name"), Email: get(rec, "email"), Phone: get(rec, "phone")}
	ok := true
	roleText := get(rec, "role")
	role, err := model.ParseContactRole(normalizeRole(roleText))
	if err != nil {
		c.addf(line, "role %q (want holder, sub-account or sub-contact)", roleText)
		ok = false
	}
	ct.Role = role
	if v := get(rec, "federated"); v != "" {
		b, err := parseBool(v)
		if err != nil {
			c.addf(line, "federated %q (want true or false)", v)
			ok = false
		}
		ct.Federated = b
	}
	if ok {
		a.acct.Contacts = append(a.acct.Contacts, ct)
		a.contactLines = append(a.contactLines, line)
	}
}

// normalizeRole accepts the spellings a spreadsheet produces: "Sub Account", "sub_account",
// "subaccount".
func normalizeRole(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.NewReplacer(" ", "-", "_", "-").Replace(s)
	switch s {
	case "subaccount":
		return string(model.RoleSubAccount)
	case "subcontact":
		return string(model.RoleSubContact)
	}
	return s
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "y", "1", "t":
		return true, nil
	case "false", "no", "n", "0", "f":
		return false, nil
	}
	return false, strconv.ErrSyntax
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func lineOf(err error, fallback int) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.StartLine // where the broken record began, not where the reader gave up
	}
	return fallback
}

func csvFault(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("not valid CSV: %v", pe.Err)
	}
	return fmt.Errorf("cannot read: %v", err)
}

// WriteCSV writes accounts in the CSV import format: one row per contact, and one row with empty
// contact columns for an account without contacts.
func WriteCSV(w io.Writer, accounts []model.Account) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Columns); err != nil {
		return err
	}
	for _, a := range accounts {
		head := []string{a.ID, a.Number, a.Name, a.Product, strconv.FormatBool(a.UsesPINs)}
		if len(a.Contacts) == 0 {
			if err := cw.Write(append(head, "", "", "", "", "", "")); err != nil {
				return err
			}
		}
		for _, ct := range a.Contacts {
			row := append(append([]string{}, head...), ct.ID, ct.Name, ct.Email, ct.Phone, string(ct.Role), strconv.FormatBool(ct.Federated))
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

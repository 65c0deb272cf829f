// Package importer reads the accounts and contacts an installation loads with `pindesk admin
// import`: a CSV file with one row per contact, or a JSON array of accounts. It only parses and
// checks; the store writes, all or nothing.
//
// A file is checked completely before anything is written, and every fault is reported with its
// file and line (up to MaxErrors of them), so a user fixes the whole file in one pass rather than
// one error per run. The rules are the model's (model.ValidateAccount): the importer applies them
// contact by contact so that each fault points at its own line.
//
// # CSV
//
// A header row names the columns, in any order, case-insensitive:
//
//	account_id, account_number, account_name, product, uses_pins,
//	contact_id, contact_name, email, phone, role, federated
//
// account_id, account_number, account_name, contact_id, contact_name and role are required
// columns; the others may be left out. Each row is one contact; the rows of an account are
// gathered by account_id (they need not be adjacent) and must agree on its number, name, product
// and uses_pins — a later row may leave them empty. An account without contacts is one row with the
// contact columns empty. uses_pins is true unless it says false (true/false, yes/no, 1/0, y/n);
// federated is false unless it says true. role is holder, sub-account or sub-contact. A file
// whose header has semicolons and no commas (a spreadsheet in a European locale) is read with
// semicolons; a leading byte-order mark is skipped.
//
// # JSON
//
// An array of accounts as model.Account encodes them:
//
//	[{"id": "A-1001", "number": "100-1001", "name": "…", "product": "…", "uses_pins": true,
//	  "contacts": [{"id": "c1", "name": "…", "email": "…", "phone": "…", "role": "holder", "federated": false}]}]
//
// Unknown fields are refused (a misspelt "uses_pin" would otherwise silently mean false). A
// missing uses_pins means true, as in the CSV.
package importer

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pindesk/pindesk/internal/termsafe"
	"github.com/pindesk/pindesk/model"
)

// MaxErrors is how many faults a file reports before it stops listing them.
const MaxErrors = 50

// Format is a file format.
type Format string

const (
	CSV  Format = "csv"
	JSON Format = "json"
)

// ReadFile reads accounts from a file, choosing the format by its extension, or by its content
// when the extension says neither. "-" reads standard input.
func ReadFile(path string) ([]model.Account, error) {
	if path == "-" {
		return Read("stdin", "", os.Stdin)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(filepath.Base(path), formatOf(path), f)
}

func formatOf(path string) Format {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return CSV
	case ".json":
		return JSON
	}
	return ""
}

// Read reads accounts in the format (sniffed from the content when empty). name labels errors.
func Read(name string, format Format, r io.Reader) ([]model.Account, error) {
	br := bufio.NewReader(r)
	if format == "" {
		format = sniff(br)
	}
	switch format {
	case CSV:
		return ReadCSV(name, br)
	case JSON:
		return ReadJSON(name, br)
	}
	return nil, fmt.Errorf("%w: format %q (want csv or json)", model.ErrInvalidInput, format)
}

// sniff takes a file whose first non-blank character opens a JSON array for JSON, anything else
// for CSV.
func sniff(br *bufio.Reader) Format {
	peek, _ := br.Peek(4096)
	peek = bytes.TrimPrefix(peek, bom)
	if t := bytes.TrimLeft(peek, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		return JSON
	}
	return CSV
}

var bom = []byte("\xef\xbb\xbf")

// LineError is one fault of a file.
type LineError struct {
	File string
	Line int // 0 when the fault belongs to no line (an empty file)
	Msg  string
	Err  error // the sentinel it wraps: model.ErrInvalidInput
}

func (e *LineError) Error() string {
	if e.Line == 0 {
		return e.File + ": " + e.Msg
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

func (e *LineError) Unwrap() error { return e.Err }

// Errors is every fault found in a file, in line order of discovery, up to MaxErrors.
type Errors struct {
	List []*LineError
	More int // faults found beyond MaxErrors
}

func (e *Errors) Error() string {
	var b strings.Builder
	for i, le := range e.List {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(le.Error())
	}
	if e.More > 0 {
		fmt.Fprintf(&b, "\n… and %d more", e.More)
	}
	return b.String()
}

func (e *Errors) Unwrap() error { return model.ErrInvalidInput }

// collector gathers a file's faults.
type collector struct {
	file string
	errs Errors
}

func (c *collector) add(line int, err error) {
	if len(c.errs.List) >= MaxErrors {
		c.errs.More++
		return
	}
	msg := strings.ReplaceAll(err.Error(), model.ErrInvalidInput.Error()+": ", "")
	c.errs.List = append(c.errs.List, &LineError{File: c.file, Line: line, Msg: msg, Err: model.ErrInvalidInput})
}

func (c *collector) addf(line int, format string, args ...any) {
	c.add(line, fmt.Errorf(format, args...))
}

// err returns the faults in line order, or nil.
func (c *collector) err() error {
	if len(c.errs.List) == 0 {
		return nil
	}
	sort.SliceStable(c.errs.List, func(i, j int) bool { return c.errs.List[i].Line < c.errs.List[j].Line })
	return &c.errs
}

// located is an account with the lines of its parts, for checking.
type located struct {
	acct         model.Account
	line         int   // where the account starts
	contactLines []int // where each contact starts
}

// check applies the model's rules to each account, contact by contact so a fault points at its
// line, and refuses an id or number used twice in the file.
func (c *collector) check(accounts []located) {
	firstID, firstNumber := map[string]int{}, map[string]int{}
	for _, l := range accounts {
		a := l.acct
		head := a
		head.Contacts = nil
		// Every control character is reported, field by field; the model's other rules then report
		// the first fault of a head or contact that has none.
		if !c.controls(l.line, "account "+label(a.ID), model.AccountText(a)) {
			if err := model.ValidateAccount(head); err != nil {
				c.add(l.line, fmt.Errorf("account %s: %w", label(a.ID), err))
			}
		}
		if prev, ok := firstID[a.ID]; ok && a.ID != "" {
			c.addf(l.line, "account id %q appears twice (first on line %d)", a.ID, prev)
		} else {
			firstID[a.ID] = l.line
		}
		if prev, ok := firstNumber[a.Number]; ok && a.Number != "" {
			c.addf(l.line, "account number %q appears twice (first on line %d)", a.Number, prev)
		} else {
			firstNumber[a.Number] = l.line
		}
		// Checked on a stand-in account so that only the contact's own fault is reported.
		stand := model.Account{ID: "x", Number: "x", Name: "x"}
		seen := map[string]int{}
		for i, ct := range a.Contacts {
			line := l.contactLines[i]
			stand.Contacts = []model.Contact{ct}
			if !c.controls(line, "contact "+label(ct.ID), model.ContactText(ct)) {
				if err := model.ValidateAccount(stand); err != nil {
					c.add(line, fmt.Errorf("contact %s: %w", label(ct.ID), err))
				}
			}
			if prev, ok := seen[ct.ID]; ok && ct.ID != "" {
				c.addf(line, "contact id %q appears twice on account %s (first on line %d)", ct.ID, a.ID, prev)
			} else {
				seen[ct.ID] = line
			}
		}
	}
}

// controls reports each field holding a control character, and whether there was one.
func (c *collector) controls(line int, what string, fields [][2]string) bool {
	found := false
	for _, f := range fields {
		if err := model.CheckText(f[0], f[1]); err != nil {
			c.add(line, fmt.Errorf("%s: %w", what, err))
			found = true
		}
	}
	return found
}

// label names an account or contact in a fault; an id that is itself unsafe to print is escaped.
func label(id string) string {
	if id == "" {
		return "(no id)"
	}
	return termsafe.String(id)
}

func accountsOf(ls []located) []model.Account {
	out := make([]model.Account, len(ls))
	for i, l := range ls {
		out[i] = l.acct
	}
	return out
}

var errEmpty = errors.New("holds no accounts")

// File is an import file read and checked: its accounts, where each starts, and the SHA-256 of
// its bytes (for the audit: which file was imported).
type File struct {
	Name     string
	Accounts []model.Account
	SHA256   string
	lines    map[string]int // account id → the line where it starts
}

// ParseFile reads and checks a file as ReadFile does, keeping its lines and SHA-256.
func ParseFile(path string) (*File, error) {
	if path == "-" {
		return Parse("stdin", "", os.Stdin)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(filepath.Base(path), formatOf(path), f)
}

// Parse reads and checks a file as Read does, keeping its lines and SHA-256.
func Parse(name string, format Format, r io.Reader) (*File, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	sum := sha256.Sum256(data)
	br := bufio.NewReader(bytes.NewReader(data))
	if format == "" {
		format = sniff(br)
	}
	var ls []located
	switch format {
	case CSV:
		ls, err = readCSV(name, br)
	case JSON:
		ls, err = readJSON(name, br)
	default:
		return nil, fmt.Errorf("%w: format %q (want csv or json)", model.ErrInvalidInput, format)
	}
	if err != nil {
		return nil, err
	}
	f := &File{Name: name, Accounts: accountsOf(ls), SHA256: hex.EncodeToString(sum[:]), lines: map[string]int{}}
	for _, l := range ls {
		f.lines[l.acct.ID] = l.line
	}
	return f, nil
}

// Line is where the account starts in the file (0 when the file has no such account).
func (f *File) Line(accountID string) int { return f.lines[accountID] }

// Locate turns an import's clashes with the database (a *model.ImportClashError in err) into the
// file's faults, each at the line of its account, all listed at once; any other error is
// returned as it is.
func (f *File) Locate(err error) error {
	var clash *model.ImportClashError
	if !errors.As(err, &clash) {
		return err
	}
	c := &collector{file: f.Name}
	for _, cl := range clash.Clashes {
		c.addf(f.Line(cl.AccountID), "%s", cl)
	}
	return c.err()
}

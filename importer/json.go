package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/pindesk/pindesk/model"
)

// jsonAccount mirrors model.Account as the file writes it. uses_pins is a pointer so that a
// missing field means true, as in the CSV, rather than false; contacts stay raw so that each can
// be located in the file.
type jsonAccount struct {
	ID       string            `json:"id"`
	Number   string            `json:"number"`
	Name     string            `json:"name"`
	Product  string            `json:"product"`
	UsesPINs *bool             `json:"uses_pins"`
	Contacts []json.RawMessage `json:"contacts"`
}

// ReadJSON reads a JSON array of accounts. name labels errors.
func ReadJSON(name string, r io.Reader) ([]model.Account, error) {
	ls, err := readJSON(name, r)
	if err != nil {
		return nil, err
	}
	return accountsOf(ls), nil
}

func readJSON(name string, r io.Reader) ([]located, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	data = bytes.TrimPrefix(data, bom)
	c := &collector{file: name}
	lineAt := func(off int64) int {
		return 1 + bytes.Count(data[:min(max(off, 0), int64(len(data)))], []byte("\n"))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if errors.Is(err, io.EOF) {
		return nil, &Errors{List: []*LineError{{File: name, Msg: "is empty; want a JSON array of accounts", Err: model.ErrInvalidInput}}}
	}
	if err != nil {
		c.add(lineAt(syntaxOffset(err, dec)), jsonFault(err))
		return nil, c.err()
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		c.addf(lineAt(dec.InputOffset()), "want a JSON array of accounts: [ {\"id\": …}, … ]")
		return nil, c.err()
	}
	var accounts []located
	for i := 1; dec.More(); i++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			c.add(lineAt(syntaxOffset(err, dec)), jsonFault(err))
			return nil, c.err() // the file's structure is lost past a syntax error
		}
		start := dec.InputOffset() - int64(len(raw))
		if l, ok := c.jsonAccount(raw, start, lineAt); ok {
			accounts = append(accounts, l)
		}
	}
	if _, err := dec.Token(); err != nil { // the closing bracket
		c.add(lineAt(syntaxOffset(err, dec)), jsonFault(err))
		return nil, c.err()
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		c.addf(lineAt(dec.InputOffset()), "text after the closing bracket of the array")
	}
	if c.err() == nil && len(accounts) == 0 {
		return nil, &Errors{List: []*LineError{{File: name, Line: 1, Msg: errEmpty.Error() + " (an empty array)", Err: model.ErrInvalidInput}}}
	}
	c.check(accounts)
	if err := c.err(); err != nil {
		return nil, err
	}
	return accounts, nil
}

// jsonAccount decodes one element of the array, which starts at offset start of the file.
func (c *collector) jsonAccount(raw json.RawMessage, start int64, lineAt func(int64) int) (located, bool) {
	line := lineAt(start)
	if isEmptyObject(raw) {
		c.addf(line, "account: an empty object")
		return located{}, false
	}
	var ja jsonAccount
	if err := strict(raw, &ja); err != nil {
		// An unknown field leaves the rest readable: check it too, so one run reports all.
		if json.Unmarshal(raw, &ja) != nil {
			c.add(lineAt(start+faultOffset(err, raw)), fmt.Errorf("account: %w", decodeFault(err)))
			return located{}, false
		}
		c.add(lineAt(start+faultOffset(err, raw)), fmt.Errorf("account %s: %w", label(ja.ID), decodeFault(err)))
	}
	acct := model.Account{ID: ja.ID, Number: ja.Number, Name: ja.Name, Product: ja.Product, UsesPINs: ja.UsesPINs == nil || *ja.UsesPINs, Contacts: []model.Contact{}}
	l := located{acct: acct, line: line}
	from := 0
	for _, cr := range ja.Contacts {
		// A RawMessage is the very bytes of the file, so its place in the account's text is its
		// line; the search goes on from the previous contact, so two identical ones get their own.
		i := from + max(bytes.Index(raw[from:], cr), 0)
		from = i + len(cr)
		at := start + int64(i)
		if isEmptyObject(cr) {
			c.addf(lineAt(at), "account %s: contact: an empty object", label(acct.ID))
			continue
		}
		var ct model.Contact
		if err := strict(cr, &ct); err != nil {
			c.add(lineAt(at+faultOffset(err, cr)), fmt.Errorf("account %s: contact: %w", label(acct.ID), decodeFault(err)))
			if json.Unmarshal(cr, &ct) != nil {
				continue
			}
		}
		l.acct.Contacts = append(l.acct.Contacts, ct)
		l.contactLines = append(l.contactLines, lineAt(at))
	}
	return l, true
}

// isEmptyObject reports whether raw is {} (with any spacing): most often an element whose text was
// lost, refused by itself rather than as a list of missing fields.
func isEmptyObject(raw []byte) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(raw, &m) == nil && m != nil && len(m) == 0
}

func strict(raw []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	return d.Decode(v)
}

// faultOffset is where in raw a decode error lies: the offset a type error carries, or the key an
// unknown-field error names.
func faultOffset(err error, raw []byte) int64 {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Offset
	}
	if field, ok := unknownField(err); ok {
		if i := bytes.Index(raw, []byte(strconv.Quote(field))); i >= 0 {
			return int64(i)
		}
	}
	return 0
}

func unknownField(err error) (string, bool) {
	msg := err.Error()
	const prefix = "json: unknown field "
	if !strings.HasPrefix(msg, prefix) {
		return "", false
	}
	f, err := strconv.Unquote(strings.TrimPrefix(msg, prefix))
	return f, err == nil
}

func decodeFault(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("%s is a JSON %s; want %s", te.Field, te.Value, jsonKind(te.Type.Kind().String()))
	}
	if field, ok := unknownField(err); ok {
		return fmt.Errorf("unknown field %q", field)
	}
	return err
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice":
		return "a list"
	case "struct":
		return "an object"
	}
	return goKind
}

func syntaxOffset(err error, dec *json.Decoder) int64 {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return se.Offset
	}
	return dec.InputOffset()
}

func jsonFault(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errors.New("not valid JSON: the file ends too soon")
	}
	return fmt.Errorf("not valid JSON: %v", err)
}

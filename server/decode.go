package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/pindesk/pindesk/api"
	"github.com/pindesk/pindesk/model"
)

// strict is how a request body is read: keys match exactly (case and all), a key given twice is
// refused rather than the last one silently winning, and a key the request does not define is
// refused. With encoding/json, {"PIN": ...} matched "pin" and a duplicate key overrode the first.
var strict = jsonv2.JoinOptions(jsonv2.RejectUnknownMembers(true))

// decode reads exactly one JSON object of type T from the body, capped at limit bytes. Unknown,
// wrongly cased and duplicate keys, trailing data, a wrong type and an empty body are refused with
// a sentence naming the problem (and the key, when there is one), so a client's mistake is visible
// rather than ignored. The body itself is never echoed or logged: it may hold a PIN.
func decode(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return fmt.Errorf("%w: the body must be application/json", model.ErrInvalidInput)
		}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return fmt.Errorf("%w: the body is larger than %d bytes", api.ErrTooLarge, limit)
		}
		return fmt.Errorf("%w: the request body could not be read", model.ErrInvalidInput)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return fmt.Errorf("%w: the request body is empty; send a JSON object", model.ErrInvalidInput)
	}
	// Unmarshal refuses anything after the one value, so two objects or a paste with a tail fail.
	if err := jsonv2.Unmarshal(data, v, strict); err != nil {
		return jsonError(err)
	}
	return nil
}

// jsonError turns a decoding error into a sentence that names the key, never the value: the
// library's own messages may quote a value (a PIN sent as a number), so they are not passed on.
func jsonError(err error) error {
	var (
		syntax   *jsontext.SyntacticError
		semantic *jsonv2.SemanticError
	)
	switch {
	case errors.As(err, &syntax) && errors.Is(syntax.Err, jsontext.ErrDuplicateName):
		return fmt.Errorf("%w: key %s is given more than once", model.ErrInvalidInput, keyName(syntax.JSONPointer))
	case errors.As(err, &syntax) && errors.Is(syntax.Err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: the JSON body ends too early", model.ErrInvalidInput)
	case errors.As(err, &syntax) && strings.Contains(syntax.Err.Error(), "after top-level value"):
		return fmt.Errorf("%w: unexpected data after the JSON object", model.ErrInvalidInput)
	case errors.As(err, &syntax):
		return fmt.Errorf("%w: malformed JSON at byte %d", model.ErrInvalidInput, syntax.ByteOffset)
	case errors.As(err, &semantic) && errors.Is(semantic.Err, jsonv2.ErrUnknownName):
		return fmt.Errorf("%w: key %s is not a field of this request (keys are case-sensitive)", model.ErrInvalidInput, keyName(semantic.JSONPointer))
	case errors.As(err, &semantic) && semantic.JSONPointer == "":
		return fmt.Errorf("%w: the body must be a JSON object", model.ErrInvalidInput)
	case errors.As(err, &semantic) && semantic.GoType != nil:
		return fmt.Errorf("%w: field %s must be %s", model.ErrInvalidInput, keyName(semantic.JSONPointer), jsonKind(semantic.GoType.Kind().String()))
	}
	return fmt.Errorf("%w: the body is not valid JSON", model.ErrInvalidInput)
}

// keyName quotes the key a pointer ends at, with the path to it when it is nested
// ("name" in accounts/0/contacts/1), clipped: a client chooses the key.
func keyName(p jsontext.Pointer) string {
	name := strconv.Quote(clip(p.LastToken()))
	if parent := p.Parent(); parent != "" {
		name += " in " + clip(strings.TrimPrefix(string(parent), "/"))
	}
	return name
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "int", "int64", "int32", "float64":
		return "a number"
	case "slice":
		return "an array"
	case "struct", "map":
		return "an object"
	}
	return "of another type"
}

// writeJSON answers status with v as JSON. Answers are never cached: they describe live PIN state
// and may hold a PIN the portal asked for.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = writeJSONBody(w, v)
}

func writeJSONBody(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // an API answer is not HTML; "<token>" should read as written
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// query reads a request's query parameters, refusing any it does not know (a misspelt filter must
// not silently widen an audit export) and any given twice.
type query struct {
	values url.Values
	err    error
}

func newQuery(r *http.Request, allowed ...string) *query {
	q := &query{values: r.URL.Query()}
	for name, vs := range q.values {
		ok := false
		for _, a := range allowed {
			ok = ok || a == name
		}
		switch {
		case !ok:
			q.err = fmt.Errorf("%w: unknown query parameter %q (want one of %s)", model.ErrInvalidInput, clip(name), strings.Join(allowed, ", "))
		case len(vs) > 1:
			q.err = fmt.Errorf("%w: query parameter %q given more than once", model.ErrInvalidInput, name)
		}
		if q.err != nil {
			break
		}
	}
	return q
}

func (q *query) str(name string) string { return q.values.Get(name) }

func (q *query) int(name string) int {
	v := q.values.Get(name)
	if v == "" || q.err != nil {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		q.err = fmt.Errorf("%w: query parameter %q must be a whole number", model.ErrInvalidInput, name)
	}
	return n
}

// bool reads true or false; absent is false.
func (q *query) bool(name string) bool {
	v := q.values.Get(name)
	if v == "" || q.err != nil {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		q.err = fmt.Errorf("%w: query parameter %q must be true or false", model.ErrInvalidInput, name)
	}
	return b
}

func (q *query) int64(name string) int64 {
	v := q.values.Get(name)
	if v == "" || q.err != nil {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		q.err = fmt.Errorf("%w: query parameter %q must be a whole number", model.ErrInvalidInput, name)
	}
	return n
}

func (q *query) time(name string) time.Time {
	v := q.values.Get(name)
	if v == "" || q.err != nil {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		q.err = fmt.Errorf("%w: query parameter %q must be an RFC 3339 time such as 2025-01-31T09:00:00Z", model.ErrInvalidInput, name)
	}
	return t
}

// clip shortens a client-supplied string before it goes into a message.
func clip(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}

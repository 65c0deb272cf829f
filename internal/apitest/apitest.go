// Package apitest holds the OpenAPI document of the pindesk API to the code, in tests. Validation is
// pb33f/libopenapi-validator's (OpenAPI 3.1, JSON Schema 2020-12), not ours: Middleware checks every
// request a test sends and every answer the server gives; Operations and CheckSchemas hold the
// routes and the Go types to the document (package api holds the problem codes to it).
//
// Only tests import this package, so the validator never reaches the pindesk binary.
package apitest

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	"github.com/pb33f/libopenapi-validator/content"
	liberrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// JSONLines is the media type of the audit export: one JSON value per line.
const JSONLines = "application/x-ndjson"

// Spec is a loaded OpenAPI document and a validator over it. It is safe for concurrent use.
type Spec struct {
	model     *v3.Document
	validator validator.Validator
	schemas   schema_validation.SchemaValidator
	mu        sync.Mutex // the library does not document its validators as safe for concurrent use
}

// Load parses an OpenAPI 3.1 document and builds the validator. The document itself must be valid
// OpenAPI: a document the library cannot read would make every check below meaningless.
func Load(doc []byte) (*Spec, error) {
	d, err := libopenapi.NewDocument(doc)
	if err != nil {
		return nil, fmt.Errorf("parse OpenAPI document: %w", err)
	}
	m, err := d.BuildV3Model()
	if err != nil {
		return nil, fmt.Errorf("build OpenAPI model: %w", err)
	}
	if !strings.HasPrefix(m.Model.Version, "3.1") {
		return nil, fmt.Errorf("not an OpenAPI 3.1 document (openapi: %q)", m.Model.Version)
	}
	s := &Spec{model: &m.Model, schemas: schema_validation.NewSchemaValidator(config.WithFormatAssertions())}
	// Format assertions make "date-time" a check, not a comment; the standard decoders check a
	// text/plain answer (metrics) as a string; a media type with no decoder is refused rather than
	// passed unread. JSON lines have no decoder in the
	// library (and its JSON fallback would read the whole body as one value), so each line is
	// validated here against the media type's schema.
	v, errs := validator.NewValidator(d,
		config.WithFormatAssertions(),
		config.WithStandardBodyDecoders(),
		config.WithBodyDecoder(JSONLines, content.DecoderFunc(s.decodeJSONLines)),
		config.WithRejectUnsupportedBodyContent())
	if len(errs) > 0 {
		return nil, fmt.Errorf("build the validator: %v", errs)
	}
	s.validator = v
	if ok, errs := s.validator.ValidateDocument(); !ok {
		return nil, fmt.Errorf("the OpenAPI document is not valid OpenAPI: %s", describe(errs))
	}
	return s, nil
}

// MustLoad is Load for a package-level variable: a document that does not load fails every test.
func MustLoad(doc []byte) *Spec {
	s, err := Load(doc)
	if err != nil {
		panic(err)
	}
	return s
}

// decodeJSONLines validates each line of a JSON-lines body against the schema and returns nil, so
// the library has no whole-body value left to check.
func (s *Spec) decodeJSONLines(in *content.DecodeInput) (any, error) {
	body, err := io.ReadAll(in.Body)
	if err != nil {
		return nil, err
	}
	if len(body) > 0 && !bytes.HasSuffix(body, []byte("\n")) {
		return nil, fmt.Errorf("the last line has no newline")
	}
	for i, line := range bytes.Split(bytes.TrimSuffix(body, []byte("\n")), []byte("\n")) {
		if len(body) == 0 {
			break
		}
		if ok, errs := s.schemas.ValidateSchemaBytes(in.Schema, line); !ok {
			return nil, fmt.Errorf("line %d: %s", i+1, describe(errs))
		}
	}
	return nil, nil
}

var methods = []string{"GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"}

// Operations lists every documented operation as "METHOD /path", the form of a ServeMux pattern.
func (s *Spec) Operations() []string {
	var out []string
	for path, item := range s.model.Paths.PathItems.FromOldest() {
		ops := item.GetOperations()
		for _, m := range methods {
			if _, ok := ops.Get(strings.ToLower(m)); ok {
				out = append(out, m+" "+path)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Schema is a component schema by name, nil if the document has none.
func (s *Spec) Schema(name string) *base.Schema {
	if s.model.Components == nil {
		return nil
	}
	p, ok := s.model.Components.Schemas.Get(name)
	if !ok {
		return nil
	}
	return p.Schema()
}

// ValidateValue checks a JSON document against a component schema.
func (s *Spec) ValidateValue(schema string, data []byte) error {
	sc := s.Schema(schema)
	if sc == nil {
		return fmt.Errorf("the document has no schema %s", schema)
	}
	s.mu.Lock()
	ok, errs := s.schemas.ValidateSchemaBytes(sc, data)
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("not a %s: %s", schema, describe(errs))
	}
	return nil
}

// Check checks one exchange: the request as the server read it (body included), and the answer.
// pattern is the ServeMux pattern that served it ("" or "/" when no route matched, whose answer must
// be a 404 or 405 Problem).
//
// The request rule: a request the document refuses must be refused by the server (a status of 400
// or more). A request the document allows may still be refused — the server checks more than a
// schema can say (a PIN's policy, a role) — but one it refuses must never succeed.
func (s *Spec) Check(pattern string, req *http.Request, reqBody []byte, status int, header http.Header, body []byte) error {
	if pattern == "" || pattern == "/" {
		return s.checkUnmatched(status, header, body)
	}
	if !slices.Contains(s.Operations(), pattern) {
		return fmt.Errorf("%s is served but not documented", pattern)
	}
	vreq := req.Clone(req.Context())
	vreq.Body = io.NopCloser(bytes.NewReader(reqBody))
	vreq.ContentLength = int64(len(reqBody))
	resp := &http.Response{StatusCode: status, Header: header.Clone(), Body: io.NopCloser(bytes.NewReader(body)), Request: vreq}
	s.mu.Lock()
	reqOK, reqErrs := s.validator.ValidateHttpRequestSync(vreq)
	vreq.Body = io.NopCloser(bytes.NewReader(reqBody))
	respOK, respErrs := s.validator.ValidateHttpResponse(vreq, resp)
	s.mu.Unlock()
	var problems []string
	if !reqOK && status < 400 {
		problems = append(problems, fmt.Sprintf("the server answered %d to a request the document refuses: %s", status, describe(reqErrs)))
	}
	if !respOK {
		problems = append(problems, fmt.Sprintf("answer %d: %s", status, describe(respErrs)))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}

func (s *Spec) checkUnmatched(status int, header http.Header, body []byte) error {
	if status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
		return fmt.Errorf("a request no route matched was answered %d, want 404 or 405", status)
	}
	if mt, _, _ := mime.ParseMediaType(header.Get("Content-Type")); mt != "application/problem+json" {
		return fmt.Errorf("a request no route matched was answered with Content-Type %q, want application/problem+json", header.Get("Content-Type"))
	}
	return s.ValidateValue("Problem", body)
}

// describe turns the library's errors into one line each: what failed, why, and where.
func describe(errs []*liberrors.ValidationError) string {
	var out []string
	for _, e := range errs {
		msg := e.Message
		if e.Reason != "" {
			msg += " (" + e.Reason + ")"
		}
		for _, f := range e.SchemaValidationErrors {
			msg += "; " + f.Error()
		}
		out = append(out, msg)
	}
	return strings.Join(out, " | ")
}

// Middleware returns h with every exchange checked against the document; a mismatch fails t. Wrap
// the server under test in it, so every request any test makes is checked.
func (s *Spec) Middleware(t testing.TB, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The body is captured as the server reads it rather than read ahead, so a test of a slow or
		// oversized body sees the server behave as it would without the check.
		var reqBody bytes.Buffer
		if r.Body != nil {
			r.Body = struct {
				io.Reader
				io.Closer
			}{io.TeeReader(r.Body, &reqBody), r.Body}
		}
		rec := &recorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		if err := s.Check(r.Pattern, r, reqBody.Bytes(), status, rec.sent(), rec.body.Bytes()); err != nil {
			t.Errorf("%s %s does not match the OpenAPI document: %v", r.Method, r.URL.RequestURI(), err)
		}
	})
}

type recorder struct {
	http.ResponseWriter
	status int
	header http.Header // as sent with the status
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
		r.header = r.ResponseWriter.Header().Clone()
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

func (r *recorder) sent() http.Header {
	if r.header != nil {
		return r.header
	}
	return r.ResponseWriter.Header()
}

// Flush keeps a streaming handler (the audit export) streaming through the check.
func (r *recorder) Flush() {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// CheckSchemas fails t unless every component schema is paired in types with the Go type it
// describes (a value of it; nil for a schema with no Go struct, such as a map), and each pair has
// the same properties: the schema's property names are the type's JSON field names, as
// encoding/json would write them. For a type the server sends (out), a required property must also
// be a field always sent (not omitempty).
func (s *Spec) CheckSchemas(t testing.TB, types map[string]any, out map[string]bool) {
	t.Helper()
	for name, proxy := range s.model.Components.Schemas.FromOldest() {
		v, ok := types[name]
		if !ok {
			t.Errorf("schema %s has no Go type to hold it to; add it to the list", name)
			continue
		}
		if v == nil {
			continue
		}
		sc := proxy.Schema()
		fields := jsonFields(reflect.TypeOf(v))
		props := map[string]bool{}
		if sc.Properties != nil {
			for p := range sc.Properties.KeysFromOldest() {
				props[p] = true
				if _, ok := fields[p]; !ok {
					t.Errorf("schema %s has property %q that %T has no JSON field for", name, p, v)
				}
			}
		}
		for f, omitempty := range fields {
			if !props[f] {
				t.Errorf("%T has JSON field %q that schema %s does not describe", v, f, name)
			}
			if out[name] && omitempty && slices.Contains(sc.Required, f) {
				t.Errorf("schema %s requires %q, but %T omits it when empty", name, f, v)
			}
		}
	}
	for name := range types {
		if s.Schema(name) == nil {
			t.Errorf("%s is listed but the document has no such schema", name)
		}
	}
}

// jsonFields is the JSON names of a struct's fields, as encoding/json writes them (embedded structs
// without a tag inlined), each with whether it is omitted when empty.
func jsonFields(t reflect.Type) map[string]bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	out := map[string]bool{}
	if t.Kind() != reflect.Struct {
		return out
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			for k, v := range jsonFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = slices.Contains(strings.Split(opts, ","), "omitempty") || slices.Contains(strings.Split(opts, ","), "omitzero")
	}
	return out
}

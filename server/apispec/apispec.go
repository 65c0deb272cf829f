// Package apispec checks HTTP responses against the OpenAPI 3.1 document of the pindesk API. It is
// a deliberately small validator — operation lookup, documented status and media type, and the
// JSON Schema keywords the document uses (type, enum, format date-time, properties, required,
// additionalProperties false, items, minimum, maxLength, pattern, $ref) — so the document can be
// held to the server in tests without a dependency. A keyword it does not know fails loudly
// rather than passing silently.
package apispec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"mime"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// Spec is a parsed OpenAPI document.
type Spec struct {
	doc   map[string]any
	paths map[string]any

	mu   sync.Mutex
	seen map[string]bool // "METHOD /path STATUS" answered while recording
}

// Load parses an OpenAPI 3.1 document in JSON.
func Load(data []byte) (*Spec, error) {
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse OpenAPI document: %w", err)
	}
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1") {
		return nil, fmt.Errorf("not an OpenAPI 3.1 document (openapi: %q)", v)
	}
	paths, ok := doc["paths"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the document has no paths")
	}
	return &Spec{doc: doc, paths: paths, seen: map[string]bool{}}, nil
}

var methods = []string{"get", "put", "post", "delete", "patch", "head", "options"}

// Operations lists every documented operation as "METHOD /path", the form of a ServeMux pattern.
func (s *Spec) Operations() []string {
	var out []string
	for path, item := range s.paths {
		ops, _ := item.(map[string]any)
		for _, m := range methods {
			if _, ok := ops[m]; ok {
				out = append(out, strings.ToUpper(m)+" "+path)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Seen lists the "METHOD /path STATUS" combinations checked so far.
func (s *Spec) Seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// CheckResponse checks one response to the route pattern ("METHOD /path", as http.Request.Pattern
// holds it; empty or "/" for a request no route matched, whose answer must be a Problem).
func (s *Spec) CheckResponse(pattern string, status int, contentType string, body []byte) error {
	method, path, _ := strings.Cut(pattern, " ")
	if pattern == "" || pattern == "/" {
		// 431: a request whose header is over the API's cap is refused before any route is matched.
		if status != http.StatusNotFound && status != http.StatusMethodNotAllowed && status != http.StatusRequestHeaderFieldsTooLarge {
			return fmt.Errorf("unmatched request answered %d, want 404, 405 or 431", status)
		}
		return s.checkBody(s.schema("Problem"), "application/problem+json", contentType, body)
	}
	item, ok := s.paths[path].(map[string]any)
	if !ok {
		return fmt.Errorf("%s: path not documented", pattern)
	}
	op, ok := item[strings.ToLower(method)].(map[string]any)
	if !ok {
		return fmt.Errorf("%s: method not documented", pattern)
	}
	responses, _ := op["responses"].(map[string]any)
	resp, ok := responses[strconv.Itoa(status)]
	if !ok {
		return fmt.Errorf("%s: status %d not documented", pattern, status)
	}
	s.mu.Lock()
	s.seen[pattern+" "+strconv.Itoa(status)] = true
	s.mu.Unlock()
	r, err := s.resolve(resp)
	if err != nil {
		return err
	}
	content, _ := r["content"].(map[string]any)
	if len(content) == 0 {
		if len(bytes.TrimSpace(body)) != 0 {
			return fmt.Errorf("%s %d: documented without content, answered %d bytes", pattern, status, len(body))
		}
		return nil
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("%s %d: bad Content-Type %q", pattern, status, contentType)
	}
	media, ok := content[mt].(map[string]any)
	if !ok {
		return fmt.Errorf("%s %d: Content-Type %s not documented", pattern, status, mt)
	}
	if err := s.checkBody(media["schema"], mt, contentType, body); err != nil {
		return fmt.Errorf("%s %d: %w", pattern, status, err)
	}
	return nil
}

func (s *Spec) schema(name string) any {
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

// checkBody validates a body of media type mt: JSON against the schema, JSON lines line by line,
// anything else not at all.
func (s *Spec) checkBody(schema any, mt, contentType string, body []byte) error {
	got, _, _ := mime.ParseMediaType(contentType)
	if got != mt {
		return fmt.Errorf("Content-Type %q, want %s", contentType, mt)
	}
	switch {
	case mt == "application/x-ndjson":
		for i, line := range bytes.Split(bytes.TrimSuffix(body, []byte("\n")), []byte("\n")) {
			if len(line) == 0 && len(body) == 0 {
				break
			}
			if err := s.checkJSON(schema, line); err != nil {
				return fmt.Errorf("line %d: %w", i+1, err)
			}
		}
		return nil
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return s.checkJSON(schema, body)
	}
	return nil
}

func (s *Spec) checkJSON(schema any, body []byte) error {
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("body is not JSON: %w", err)
	}
	return s.Validate(schema, v, "$")
}

// resolve follows a local $ref ("#/components/...").
func (s *Spec) resolve(node any) (map[string]any, error) {
	m, ok := node.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("schema is not an object")
	}
	for i := 0; i < 10; i++ {
		ref, ok := m["$ref"].(string)
		if !ok {
			return m, nil
		}
		if !strings.HasPrefix(ref, "#/") {
			return nil, fmt.Errorf("only local references are supported: %s", ref)
		}
		var cur any = s.doc
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			obj, _ := cur.(map[string]any)
			if cur, ok = obj[part]; !ok {
				return nil, fmt.Errorf("dangling reference %s", ref)
			}
		}
		if m, ok = cur.(map[string]any); !ok {
			return nil, fmt.Errorf("reference %s is not an object", ref)
		}
	}
	return nil, fmt.Errorf("reference chain too long")
}

// known are the schema keywords Validate understands or may ignore (annotations).
var known = map[string]bool{
	"$ref": true, "type": true, "enum": true, "format": true, "properties": true, "required": true,
	"additionalProperties": true, "items": true, "minimum": true, "maxLength": true, "pattern": true,
	"description": true, "title": true, "example": true,
}

// Validate checks a decoded JSON value (numbers as json.Number) against a schema.
func (s *Spec) Validate(schema any, v any, at string) error {
	sc, err := s.resolve(schema)
	if err != nil {
		return fmt.Errorf("%s: %w", at, err)
	}
	for k := range sc {
		if !known[k] {
			return fmt.Errorf("%s: schema keyword %q is not supported by this validator", at, k)
		}
	}
	if t, ok := sc["type"]; ok {
		if err := checkType(t, v, at); err != nil {
			return err
		}
	}
	if enum, ok := sc["enum"].([]any); ok && v != nil {
		found := false
		for _, e := range enum {
			found = found || fmt.Sprint(e) == fmt.Sprint(v)
		}
		if !found {
			return fmt.Errorf("%s: %v is not one of %v", at, v, enum)
		}
	}
	switch x := v.(type) {
	case string:
		if sc["format"] == "date-time" {
			if _, err := time.Parse(time.RFC3339Nano, x); err != nil {
				return fmt.Errorf("%s: %q is not an RFC 3339 date-time", at, x)
			}
		}
		if n, ok := sc["maxLength"].(float64); ok && utf8.RuneCountInString(x) > int(n) {
			return fmt.Errorf("%s: longer than %v characters", at, n)
		}
		if p, ok := sc["pattern"].(string); ok {
			re, err := regexp.Compile(p)
			if err != nil {
				return fmt.Errorf("%s: bad pattern %q", at, p)
			}
			if !re.MatchString(x) {
				return fmt.Errorf("%s: does not match %s", at, p)
			}
		}
	case json.Number:
		if min, ok := sc["minimum"].(float64); ok {
			if f, _ := x.Float64(); f < min {
				return fmt.Errorf("%s: %v is below %v", at, x, min)
			}
		}
	case []any:
		if items, ok := sc["items"]; ok {
			for i, e := range x {
				if err := s.Validate(items, e, fmt.Sprintf("%s[%d]", at, i)); err != nil {
					return err
				}
			}
		}
	case map[string]any:
		props, _ := sc["properties"].(map[string]any)
		if req, ok := sc["required"].([]any); ok {
			for _, r := range req {
				if _, ok := x[r.(string)]; !ok {
					return fmt.Errorf("%s: required property %q missing", at, r)
				}
			}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ps, ok := props[k]
			if !ok {
				if sc["additionalProperties"] == false {
					return fmt.Errorf("%s: property %q is not documented", at, k)
				}
				continue
			}
			if err := s.Validate(ps, x[k], at+"."+k); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkType(t any, v any, at string) error {
	var types []string
	switch x := t.(type) {
	case string:
		types = []string{x}
	case []any:
		for _, e := range x {
			types = append(types, e.(string))
		}
	}
	for _, want := range types {
		if typeMatches(want, v) {
			return nil
		}
	}
	return fmt.Errorf("%s: %s, want %s", at, describe(v), strings.Join(types, " or "))
}

func typeMatches(want string, v any) bool {
	switch x := v.(type) {
	case nil:
		return want == "null"
	case bool:
		return want == "boolean"
	case string:
		return want == "string"
	case []any:
		return want == "array"
	case map[string]any:
		return want == "object"
	case json.Number:
		if want == "number" {
			return true
		}
		f, err := x.Float64()
		return want == "integer" && err == nil && f == math.Trunc(f) && !strings.ContainsAny(x.String(), ".eE")
	}
	return false
}

func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	case json.Number:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}

// Middleware returns h with every response checked against the spec; a mismatch fails t. Use it
// around the server under test so every request any test makes is checked.
func (s *Spec) Middleware(t testing.TB, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		if err := s.CheckResponse(r.Pattern, status, rec.Header().Get("Content-Type"), rec.body.Bytes()); err != nil {
			t.Errorf("response does not match the OpenAPI document: %s %s: %v", r.Method, r.URL.Path, err)
		}
	})
}

type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pindesk/pindesk/server"
)

// TestEveryRouteIsDocumentedAndEveryDocumentedRouteIsServed holds the OpenAPI document and the
// mux to the same set of operations. (Every request any test in this package sends, and every
// answer, is checked against the document by the middleware newEnv installs.)
func TestEveryRouteIsDocumentedAndEveryDocumentedRouteIsServed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	served := map[string]bool{}
	for _, r := range e.srv.Routes() {
		served[r] = true
	}
	documented := map[string]bool{}
	for _, op := range spec.Operations() {
		documented[op] = true
		if !served[op] {
			t.Errorf("%s is documented but not served", op)
		}
	}
	for r := range served {
		if !documented[r] {
			t.Errorf("%s is served but not documented", r)
		}
	}
}

func TestTheServerServesItsOpenAPIDocument(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	r := e.callToken("", "GET", "/openapi.json", nil)
	if r.status != 200 || string(r.body) != string(server.OpenAPI) {
		t.Fatalf("%d, %d bytes", r.status, len(r.body))
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
	}
	r.decode(t, &doc)
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
}

// TestEverySchemaHasTheFieldsOfItsGoType holds each component schema's properties to the JSON
// fields of the Go type the server reads or writes for it, so a field added on one side only fails.
func TestEverySchemaHasTheFieldsOfItsGoType(t *testing.T) {
	t.Parallel()
	spec.CheckSchemas(t, server.SchemaTypes, server.ResponseSchemas)
}

// TestTheAuditExportDeclaresTheMediaTypeTheServerSends: the document's JSON-lines media type is
// what the export's Content-Type says (the middleware would refuse any other).
func TestTheAuditExportDeclaresTheMediaTypeTheServerSends(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	r := e.call("supervisor", "GET", "/v1/audit/export", nil)
	if r.status != 200 || r.header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("%d %q", r.status, r.header.Get("Content-Type"))
	}
}

// tb records what a check reports instead of failing the test, to show the checks can fail.
type tb struct {
	testing.TB
	errs []string
}

func (t *tb) Helper() {}
func (t *tb) Errorf(format string, args ...any) {
	t.errs = append(t.errs, fmt.Sprintf(format, args...))
}
func (t *tb) Fatal(args ...any) { t.errs = append(t.errs, fmt.Sprint(args...)); panic(t) }

// TestTheAgreementChecksFailWhenCodeAndDocumentDisagree shows the schema check is not vacuous: a
// field on one side only is reported.
func TestTheAgreementChecksFailWhenCodeAndDocumentDisagree(t *testing.T) {
	t.Parallel()
	run := func(check func(t *tb)) []string {
		r := &tb{TB: t}
		func() {
			defer func() {
				if v := recover(); v != nil && v != r {
					panic(v)
				}
			}()
			check(r)
		}()
		return r.errs
	}
	cases := []struct {
		name  string
		check func(t *tb)
		want  string
	}{
		{"a Go field the schema does not describe", func(t *tb) {
			spec.CheckSchemas(t, map[string]any{"Time": struct {
				Now  time.Time `json:"now"`
				Zone string    `json:"zone"`
			}{}}, nil)
		}, `JSON field "zone" that schema Time does not describe`},
		{"a schema property the Go type lacks", func(t *tb) {
			spec.CheckSchemas(t, map[string]any{"Time": struct{}{}}, nil)
		}, `schema Time has property "now"`},
		{"a required property the server may leave out", func(t *tb) {
			spec.CheckSchemas(t, map[string]any{"Time": struct {
				Now *time.Time `json:"now,omitempty"`
			}{}}, map[string]bool{"Time": true})
		}, `requires "now"`},
		{"a schema with no Go type", func(t *tb) {
			spec.CheckSchemas(t, map[string]any{}, nil)
		}, "schema Problem has no Go type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := run(c.check)
			if !strings.Contains(strings.Join(errs, "\n"), c.want) {
				t.Fatalf("reported %q, want one mentioning %s", errs, c.want)
			}
		})
	}
}

// TestTheValidatorRefusesExchangesThatBreakTheDocument shows the check the middleware applies can
// fail: a validator that passes everything would make every other test's check meaningless.
func TestTheValidatorRefusesExchangesThatBreakTheDocument(t *testing.T) {
	t.Parallel()
	good := `{"outcome":"mismatch","attempts_left":5,"max_attempts":6}`
	const verify = "POST /v1/accounts/{account}/holders/{holder}/verify"
	const verifyPath = "/v1/accounts/acc-1/holders/c-ada/verify"
	goodReq := `{"pin":"135790"}`
	problem := `{"type":"urn:pindesk:problem:invalid_input","title":"t","status":400,"code":"invalid_input","detail":"d"}`
	cases := []struct {
		name, pattern, method, path, auth, reqBody string
		status                                     int
		ct, body                                   string
		wantErr                                    string
	}{
		{"a documented exchange passes", verify, "POST", verifyPath, "Bearer x", goodReq, 200, "application/json", good, ""},
		{"a missing required property fails", verify, "POST", verifyPath, "Bearer x", goodReq, 200, "application/json", `{"outcome":"mismatch","attempts_left":5}`, "max_attempts"},
		{"a wrong type fails", verify, "POST", verifyPath, "Bearer x", goodReq, 200, "application/json", `{"outcome":"mismatch","attempts_left":"5","max_attempts":6}`, "attempts_left"},
		{"a value outside its enum fails", verify, "POST", verifyPath, "Bearer x", goodReq, 200, "application/json", `{"outcome":"maybe","attempts_left":5,"max_attempts":6}`, "outcome"},
		{"an undocumented property fails", verify, "POST", verifyPath, "Bearer x", goodReq, 200, "application/json", `{"outcome":"mismatch","attempts_left":5,"max_attempts":6,"pin":"1"}`, "pin"},
		{"a bad date-time fails", verify, "POST", verifyPath, "Bearer x", goodReq, 200, "application/json", `{"outcome":"locked","attempts_left":0,"max_attempts":6,"locked_since":"yesterday"}`, "date-time"},
		{"an undocumented status fails", verify, "POST", verifyPath, "Bearer x", goodReq, 418, "application/json", good, "418"},
		{"an undocumented route fails", "GET /v1/secret", "GET", "/v1/secret", "Bearer x", "", 200, "application/json", `{}`, "not documented"},
		{"an undocumented media type fails", verify, "POST", verifyPath, "Bearer x", goodReq, 200, "text/html", good, "text/html"},
		{"a problem missing its code fails", verify, "POST", verifyPath, "Bearer x", goodReq, 400, "application/problem+json", `{"type":"x","title":"t","status":400,"detail":"d"}`, "code"},
		{"an unmatched request must answer a problem", "/", "GET", "/nowhere", "", "", 404, "application/json", `{}`, "application/problem+json"},
		{"an unmatched request must answer 404 or 405", "/", "GET", "/nowhere", "", "", 200, "application/problem+json", problem, "want 404 or 405"},
		{"a request body the document refuses must not succeed", verify, "POST", verifyPath, "Bearer x", `{"pin":135790}`, 200, "application/json", good, "refuses"},
		{"a request without its token must not succeed", verify, "POST", verifyPath, "", goodReq, 200, "application/json", good, "refuses"},
		{"a request body the document refuses may be refused", verify, "POST", verifyPath, "Bearer x", `{"pin":135790}`, 400, "application/problem+json", problem, ""},
		{"JSON lines are checked line by line", "GET /v1/audit/export", "GET", "/v1/audit/export", "Bearer x", "", 200, "application/x-ndjson", "{\"id\":1}\n", "line 1"},
		{"an empty export passes", "GET /v1/audit/export", "GET", "/v1/audit/export", "Bearer x", "", 200, "application/x-ndjson", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.reqBody))
			if c.reqBody != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if c.auth != "" {
				req.Header.Set("Authorization", c.auth)
			}
			h := http.Header{}
			if c.ct != "" {
				h.Set("Content-Type", c.ct)
			}
			err := spec.Check(c.pattern, req, []byte(c.reqBody), c.status, h, []byte(c.body))
			if c.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("err %v, want one mentioning %s", err, c.wantErr)
			}
		})
	}
}

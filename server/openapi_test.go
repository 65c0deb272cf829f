package server_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pindesk/pindesk/api"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/server"
)

// TestEveryRouteIsDocumentedAndEveryDocumentedRouteIsServed holds the OpenAPI document and the
// mux to the same set of operations. (Every response any test in this package sees is checked
// against the document by the middleware newEnv installs.)
func TestEveryRouteIsDocumentedAndEveryDocumentedRouteIsServed(t *testing.T) {
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

// TestTheDocumentDescribesEveryProblemCode keeps the Problem schema's code enum in step with the
// codes the server can answer.
func TestTheDocumentDescribesEveryProblemCode(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(server.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	enum := doc["components"].(map[string]any)["schemas"].(map[string]any)["Problem"].(map[string]any)["properties"].(map[string]any)["code"].(map[string]any)["enum"].([]any)
	got := map[string]bool{}
	for _, c := range enum {
		got[c.(string)] = true
	}
	// Every code of the contract's table (api.ErrorCodes); api's own test also holds the enum to no more.
	for _, row := range api.ErrorCodes() {
		c := row.Code
		if !got[c] {
			t.Errorf("code %q is not in the document", c)
		}
	}
}

// TestTheValidatorRefusesResponsesThatBreakTheDocument shows the check the middleware applies can
// fail: a validator that passes everything would make every other test's check meaningless.
func TestTheValidatorRefusesResponsesThatBreakTheDocument(t *testing.T) {
	good := `{"outcome":"mismatch","attempts_left":5,"max_attempts":6}`
	const verify = "POST /v1/accounts/{account}/holders/{holder}/verify"
	cases := []struct {
		name, pattern string
		status        int
		ct, body      string
		wantErr       string
	}{
		{"a documented answer passes", verify, 200, "application/json", good, ""},
		{"a missing required property fails", verify, 200, "application/json", `{"outcome":"mismatch","attempts_left":5}`, "max_attempts"},
		{"a wrong type fails", verify, 200, "application/json", `{"outcome":"mismatch","attempts_left":"5","max_attempts":6}`, "attempts_left"},
		{"a value outside its enum fails", verify, 200, "application/json", `{"outcome":"maybe","attempts_left":5,"max_attempts":6}`, "maybe"},
		{"an undocumented property fails", verify, 200, "application/json", `{"outcome":"mismatch","attempts_left":5,"max_attempts":6,"pin":"1"}`, `"pin"`},
		{"a bad date-time fails", verify, 200, "application/json", `{"outcome":"locked","attempts_left":0,"max_attempts":6,"locked_since":"yesterday"}`, "date-time"},
		{"an undocumented status fails", verify, 418, "application/json", good, "418"},
		{"an undocumented route fails", "GET /v1/secret", 200, "application/json", `{}`, "not documented"},
		{"an undocumented method fails", "PATCH /v1/me", 200, "application/json", `{}`, "not documented"},
		{"an undocumented media type fails", verify, 200, "text/html", good, "text/html"},
		{"a problem missing its code fails", verify, 400, "application/problem+json", `{"type":"x","title":"t","status":400,"detail":"d"}`, "code"},
		{"a body on a no-content answer fails", "DELETE /v1/tokens/{id}", 204, "", `{}`, "without content"},
		{"an unmatched request must answer a problem", "", 404, "application/json", `{}`, "Content-Type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := spec.CheckResponse(c.pattern, c.status, c.ct, []byte(c.body))
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
	_ = model.OutcomeMismatch
}

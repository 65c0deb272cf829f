package server_test

import (
	"strings"
	"testing"
)

// concrete fills a documented path's parameters with fixture values.
func concrete(path string) string {
	return strings.NewReplacer("/v1/approvals/{id}", "/v1/approvals/1", "{account}", acct, "{holder}", ada, "{kind}", "master", "{id}", "tok_x").Replace(path)
}

// TestEveryOperationAnswersTheSharedFailuresAsDocumented walks every operation of the OpenAPI
// document: without a token each /v1 operation is 401; with a body over the cap each that takes
// a body is 413; with the database gone each is 503. The middleware checks every answer against
// the document, so each of these statuses is documented where it can occur.
func TestEveryOperationAnswersTheSharedFailuresAsDocumented(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	ops := spec.Operations()
	hasBody := func(method string) bool { return method == "POST" || method == "PUT" }
	for _, op := range ops {
		method, path, _ := strings.Cut(op, " ")
		if !strings.HasPrefix(path, "/v1/") {
			continue
		}
		t.Run(op+" without a token is 401", func(t *testing.T) {
			var body any
			if hasBody(method) {
				body = map[string]string{}
			}
			if r := e.call("", method, concrete(path), body); r.status != 401 || r.problem(t).Code != "unauthorized" {
				t.Fatalf("%d %s", r.status, r.body)
			}
		})
		if hasBody(method) {
			t.Run(op+" with an oversized body is 413", func(t *testing.T) {
				big := `{"reason":"` + strings.Repeat("x", 9<<20) + `"}`
				if r := e.call("admin", method, concrete(path), big); r.status != 413 && r.status != 403 {
					t.Fatalf("%d %s", r.status, r.body)
				}
			})
		}
	}
	// A fresh token, so no cached lookup hides that the database is gone.
	tok := e.issue("late-admin", "admin")
	e.st.Close()
	for _, op := range ops {
		method, path, _ := strings.Cut(op, " ")
		if !strings.HasPrefix(path, "/v1/") {
			continue
		}
		t.Run(op+" with the database gone is 503", func(t *testing.T) {
			var body any
			if hasBody(method) {
				body = map[string]string{}
			}
			r := e.callToken(tok, method, concrete(path), body)
			if r.status != 503 || r.problem(t).Code != "unavailable" || strings.Contains(string(r.body), "sql") {
				t.Fatalf("%d %s", r.status, r.body)
			}
		})
	}
}

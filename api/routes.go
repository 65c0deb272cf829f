// Package api is pindesk's HTTP contract, written once for both sides: the routes, the request
// and response bodies that are not model types, the problem answer, and the one table that maps
// problem codes to model errors and HTTP statuses. The server registers its handlers and answers
// its errors from it; client.Remote builds its URLs, sends its bodies and rebuilds its errors from
// it. The OpenAPI document (server/openapi.json) describes the same contract for everyone else, and
// a test in this package fails when the two disagree.
//
// Adding an error means a sentinel in model, a row in Errors and the code in the document's enum;
// adding an endpoint means a Route here (and in Routes), its bodies, and its path in the document.
//
// The package imports only model and the standard library.
package api

import (
	"net/url"
	"strconv"
	"strings"
)

// Route is one operation as a net/http ServeMux pattern, "METHOD /path/{wildcard}". The server
// registers it as it is; the client fills its wildcards with URL.
type Route string

// The API's routes. Every one is described in the OpenAPI document under the same path.
const (
	Me      Route = "GET /v1/me"
	Policy  Route = "GET /v1/policy"
	Time    Route = "GET /v1/time"
	Search  Route = "GET /v1/accounts"
	Account Route = "GET /v1/accounts/{account}"
	Verify  Route = "POST /v1/accounts/{account}/holders/{holder}/verify"
	// VerifyCaller verifies who is calling: every PIN the contact may give is compared.
	VerifyCaller Route = "POST /v1/accounts/{account}/contacts/{contact}/verify"
	Generate     Route = "POST /v1/accounts/{account}/holders/{holder}/pins/{kind}/generate"
	SetPIN       Route = "PUT /v1/accounts/{account}/holders/{holder}/pins/{kind}"
	ClearPIN     Route = "DELETE /v1/accounts/{account}/holders/{holder}/pins/{kind}"
	ReadPIN      Route = "POST /v1/accounts/{account}/holders/{holder}/pins/{kind}/read"
	Unlock       Route = "POST /v1/accounts/{account}/holders/{holder}/unlock"
	Reset        Route = "POST /v1/accounts/{account}/reset"
	// Dispute is the customer's "that wasn't me" about a notice (the portal only); ClearDispute
	// lifts the DISPUTED mark it leaves (a supervisor, trainer or admin).
	Dispute      Route = "POST /v1/accounts/{account}/disputes"
	ClearDispute Route = "POST /v1/accounts/{account}/disputes/{dispute}/clear"
	Audit        Route = "GET /v1/audit"
	ExportAudit  Route = "GET /v1/audit/export"
	AuditChain   Route = "GET /v1/audit/chain"
	Import       Route = "POST /v1/import"
	ListTokens   Route = "GET /v1/tokens"
	CreateToken  Route = "POST /v1/tokens"
	RevokeToken  Route = "DELETE /v1/tokens/{id}"
	// Board is the lock board (model.Board): supervisors and trainers.
	Board Route = "GET /v1/board"
	// Dual control: the pending approval requests, one request, and a second person's decision.
	ListApprovals Route = "GET /v1/approvals"
	GetApproval   Route = "GET /v1/approvals/{id}"
	Approve       Route = "POST /v1/approvals/{id}/approve"
	Refuse        Route = "POST /v1/approvals/{id}/refuse"
	// Alerts lists the open anomaly alerts; ClearAlert clears one with a reason (a supervisor,
	// trainer or admin).
	Alerts     Route = "GET /v1/alerts"
	ClearAlert Route = "POST /v1/alerts/{alert}/clear"

	// Routes served without a token.
	Healthz Route = "GET /healthz"
	Readyz  Route = "GET /readyz"
	Metrics Route = "GET /metrics"
	OpenAPI Route = "GET /openapi.json"
)

// Routes lists every route of the API, those that take a bearer token first.
func Routes() []Route {
	return []Route{
		Me, Policy, Time, Search, Account, Verify, VerifyCaller, Generate, SetPIN, ClearPIN, ReadPIN, Unlock, Reset,
		Dispute, ClearDispute, SendCode, Alerts, ClearAlert,
		Audit, ExportAudit, AuditChain, Import, ListTokens, CreateToken, RevokeToken,
		Board,
		ListApprovals, GetApproval, Approve, Refuse,
		Healthz, Readyz, Metrics, OpenAPI,
	}
}

// Method is the route's HTTP method.
func (r Route) Method() string {
	m, _, _ := strings.Cut(string(r), " ")
	return m
}

// Path is the route's path pattern, wildcards and all.
func (r Route) Path() string {
	_, p, _ := strings.Cut(string(r), " ")
	return p
}

// URL is the route's path with its wildcards filled, in order, by args, each escaped as one path
// segment: an account id "a/b" stays one segment ("a%2Fb") and cannot name another route. It
// panics when the number of args is not the number of wildcards: that is a bug in the caller, not
// input.
func (r Route) URL(args ...string) string {
	segs := strings.Split(r.Path(), "/")
	n := 0
	for i, s := range segs {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			if n >= len(args) {
				panic("api: " + string(r) + " needs more than " + strconv.Itoa(len(args)) + " arguments")
			}
			segs[i] = url.PathEscape(args[n])
			n++
		}
	}
	if n != len(args) {
		panic("api: " + string(r) + " takes " + strconv.Itoa(n) + " arguments, not " + strconv.Itoa(len(args)))
	}
	return strings.Join(segs, "/")
}

package server

import "github.com/pindesk/pindesk/model"

// What the OpenAPI agreement test (openapi_test.go) holds to the document. It is test-only, so the
// unexported request types and the code table need not be exported from the package; when the
// contract moves to a package of its own, point the test at that package's lists instead.

// ProblemCodes is every code the server can answer: the code table's, and the ones it gives
// itself (unknown route, wrong method, an error it does not recognise).
func ProblemCodes() []string {
	codes := []string{CodeNotFound, CodeMethodNotAllowed, CodeInternal}
	for _, c := range errorCodes {
		codes = append(codes, c.code)
	}
	return codes
}

// SchemaTypes pairs each component schema of the document with the Go type the server reads or
// writes for it; nil marks a schema no Go struct stands behind.
var SchemaTypes = map[string]any{
	"Problem":        Problem{},
	"Status":         nil, // healthz and readyz answer a map[string]string
	"Operator":       model.Operator{},
	"Policy":         model.Policy{},
	"Time":           TimeResponse{},
	"AccountSummary": model.AccountSummary{},
	"SearchResult":   model.SearchResult{},
	"Contact":        model.Contact{},
	"Account":        model.Account{},
	"PINState":       model.PINState{},
	"HolderRef":      model.HolderRef{},
	"HolderState":    model.HolderState{},
	"AccountView":    model.AccountView{},
	"VerifyRequest":  verifyBody{},
	"VerifyResult":   model.VerifyResult{},
	"ChangeRequest":  changeBody{},
	"SetRequest":     setBody{},
	"GeneratedPIN":   model.GeneratedPIN{},
	"PINResponse":    PINResponse{},
	"ReasonRequest":  reasonBody{},
	"ResetResult":    model.ResetResult{},
	"AuditEvent":     model.AuditEvent{},
	"AuditResponse":  AuditResponse{},
	"ImportRequest":  importBody{},
	"ImportResponse": ImportResponse{},
	"TokenRequest":   tokenBody{},
	"TokenInfo":      TokenInfo{},
	"NewToken":       NewToken{},
	"TokenList":      TokenList{},
	"PrunedHolder":   model.PrunedHolder{},
}

// ResponseSchemas names the schemas of what the server writes, whose required properties must be
// fields it always sends.
var ResponseSchemas = map[string]bool{
	"Problem": true, "Operator": true, "Policy": true, "Time": true, "AccountSummary": true,
	"SearchResult": true, "Contact": true, "Account": true, "PINState": true, "HolderRef": true,
	"HolderState": true, "AccountView": true, "VerifyResult": true, "GeneratedPIN": true,
	"PINResponse": true, "ResetResult": true, "AuditEvent": true, "AuditResponse": true,
	"ImportResponse": true, "TokenInfo": true, "NewToken": true, "TokenList": true, "PrunedHolder": true,
}

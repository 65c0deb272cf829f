package server

import (
	"github.com/pindesk/pindesk/api"
	"github.com/pindesk/pindesk/model"
)

// What the OpenAPI schema test (openapi_test.go) holds to the document: every component schema
// with the Go type behind it (the contract's bodies in package api, and the model's types). The
// problem codes and routes are held to the document by package api's own contract test.

// SchemaTypes pairs each component schema of the document with the Go type the server reads or
// writes for it; nil marks a schema no Go struct stands behind.
var SchemaTypes = map[string]any{
	"Problem":             api.Problem{},
	"Status":              nil, // healthz and readyz answer a map[string]string
	"Operator":            model.Operator{},
	"Policy":              model.Policy{},
	"Time":                api.TimeResponse{},
	"AccountSummary":      model.AccountSummary{},
	"SearchResult":        model.SearchResult{},
	"Contact":             model.Contact{},
	"Account":             model.Account{},
	"PINState":            model.PINState{},
	"HolderRef":           model.HolderRef{},
	"HolderState":         model.HolderState{},
	"AccountView":         model.AccountView{},
	"VerifyRequest":       api.VerifyRequest{},
	"VerifyResult":        model.VerifyResult{},
	"CallerVerifyRequest": api.CallerVerifyRequest{},
	"HolderCheck":         model.HolderCheck{},
	"ChangeRequest":       api.ChangeRequest{},
	"SetRequest":          api.SetRequest{},
	"GeneratedPIN":        model.GeneratedPIN{},
	"PINResponse":         api.PINResponse{},
	"ReasonRequest":       api.ReasonRequest{},
	"ResetResult":         model.ResetResult{},
	"AuditEvent":          model.AuditEvent{},
	"AuditResponse":       api.AuditResponse{},
	"ImportRequest":       api.ImportRequest{},
	"ImportResponse":      api.ImportResponse{},
	"TokenRequest":        api.TokenRequest{},
	"TokenInfo":           api.TokenInfo{},
	"NewToken":            api.NewToken{},
	"TokenList":           api.TokenList{},
	"PrunedHolder":        model.PrunedHolder{},
	"Dispute":             model.Dispute{},
	"DisputeRequest":      api.DisputeRequest{},
	"CodeRequest":         api.CodeRequest{},
	"CodeSent":            model.CodeSent{},
	"DisputeResult":       model.DisputeResult{},
	"AuditChainHead":      model.AuditChainHead{},
	"AuditCheckpoint":     model.AuditCheckpoint{},
	"AuditBreak":          model.AuditBreak{},
	"AuditChainState":     model.AuditChainState{},
	"VerifySession":       model.VerifySession{},
	"Board":               model.Board{},
	"BoardHolder":         model.BoardHolder{},
	"BoardAttempt":        model.BoardAttempt{},
	"Alert":               model.Alert{},
	"AlertsResponse":      api.AlertsResponse{},
}

// ResponseSchemas names the schemas of what the server writes, whose required properties must be
// fields it always sends.
var ResponseSchemas = map[string]bool{
	"Problem": true, "Operator": true, "Policy": true, "Time": true, "AccountSummary": true,
	"SearchResult": true, "Contact": true, "Account": true, "PINState": true, "HolderRef": true,
	"HolderState": true, "AccountView": true, "VerifyResult": true, "HolderCheck": true, "GeneratedPIN": true,
	"PINResponse": true, "ResetResult": true, "AuditEvent": true, "AuditResponse": true,
	"ImportResponse": true, "TokenInfo": true, "NewToken": true, "TokenList": true, "PrunedHolder": true,
	"Dispute": true, "DisputeResult": true,
	"AuditChainHead": true, "AuditCheckpoint": true, "AuditBreak": true, "AuditChainState": true,
	"VerifySession": true,
	"Board":         true, "BoardHolder": true, "BoardAttempt": true,
	"Alert": true, "AlertsResponse": true,
}

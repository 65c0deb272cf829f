package api

import (
	"time"

	"github.com/pindesk/pindesk/model"
)

// Request bodies, named as their schemas in the OpenAPI document. Each names only what the caller
// may choose: the account, holder and kind come from the path, the operator from the token. The
// server refuses a key that is not here.
type (
	// VerifyRequest is the body of Verify.
	VerifyRequest struct {
		PIN     string        `json:"pin"`
		Caller  string        `json:"caller,omitempty"`
		Channel model.Channel `json:"channel,omitempty"`
		Ticket  string        `json:"ticket,omitempty"` // the call's ticket (model.VerifySession)
	}
	// CallerVerifyRequest is the body of VerifyCaller: the caller is the path's contact.
	CallerVerifyRequest struct {
		PIN     string        `json:"pin"`
		Channel model.Channel `json:"channel,omitempty"`
		Ticket  string        `json:"ticket,omitempty"`
	}
	// ChangeRequest is the body of Generate and ReadPIN.
	ChangeRequest struct {
		OnBehalfOf string        `json:"on_behalf_of,omitempty"`
		Channel    model.Channel `json:"channel,omitempty"`
	}
	// SetRequest is the body of SetPIN.
	SetRequest struct {
		PIN        string        `json:"pin"`
		OnBehalfOf string        `json:"on_behalf_of,omitempty"`
		Channel    model.Channel `json:"channel,omitempty"`
	}
	// ReasonRequest is the body of Unlock, Reset, ClearDispute and ClearAlert.
	ReasonRequest struct {
		Reason  string        `json:"reason"`
		Channel model.Channel `json:"channel,omitempty"`
		Ticket  string        `json:"ticket,omitempty"` // the call's ticket (Unlock and Reset)
	}
	// DisputeRequest is the body of Dispute: the id of the notice the customer received (ntc_…),
	// and optionally their own words (kept for supervisors, never shown to agents).
	DisputeRequest struct {
		Event   string        `json:"event"`
		Text    string        `json:"text,omitempty"`
		Channel model.Channel `json:"channel,omitempty"`
	}
	// CodeRequest is the body of SendCode: the contact is the path's.
	CodeRequest struct {
		Channel model.Channel `json:"channel,omitempty"`
	}
	// ImportRequest is the body of Import.
	ImportRequest struct {
		Accounts []model.Account `json:"accounts"`
	}
	// TokenRequest is the body of CreateToken.
	TokenRequest struct {
		Name string             `json:"name"`
		Role model.OperatorRole `json:"role"`
	}
)

// Response bodies that are not model types.
type (
	// TimeResponse is the server's clock.
	TimeResponse struct {
		Now time.Time `json:"now"`
	}
	// PINResponse is a PIN read back by the portal.
	PINResponse struct {
		PIN string `json:"pin"`
	}
	// AlertsResponse is the open anomaly alerts, oldest first.
	AlertsResponse struct {
		Alerts []model.Alert `json:"alerts"`
	}
	// AuditResponse is a page of audit events, newest first.
	AuditResponse struct {
		Events []model.AuditEvent `json:"events"`
	}
	// ImportResponse counts the accounts in the request (imported) and what the import created,
	// updated, left alone and pruned.
	ImportResponse struct {
		Imported int `json:"imported"`
		model.ImportResult
	}
	// TokenInfo describes a token without its secret.
	TokenInfo struct {
		ID        string             `json:"id"`
		Name      string             `json:"name"`
		Role      model.OperatorRole `json:"role"`
		CreatedAt time.Time          `json:"created_at"`
		RevokedAt *time.Time         `json:"revoked_at,omitempty"`
	}
	// NewToken is a token just issued: the only time its secret is shown. It is TokenInfo
	// without RevokedAt (a token just issued is not revoked) and with the secret.
	NewToken struct {
		ID        string             `json:"id"`
		Name      string             `json:"name"`
		Role      model.OperatorRole `json:"role"`
		CreatedAt time.Time          `json:"created_at"`
		Token     string             `json:"token"`
	}
	// TokenList lists every token.
	TokenList struct {
		Tokens []TokenInfo `json:"tokens"`
	}
	// ApprovalRequired answers (202 Accepted) an Unlock or Reset that needs a second person:
	// nothing was changed, and the request waits (Existing: one was pending already).
	ApprovalRequired struct {
		Approval model.Approval `json:"approval"`
		Existing bool           `json:"existing"`
	}
	// ApprovalList is the pending approval requests, oldest first.
	ApprovalList struct {
		Approvals []model.Approval `json:"approvals"`
	}
)

package api

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/pindesk/pindesk/model"
)

// Problem is an error answer (RFC 9457, application/problem+json). Code is the stable name a client
// maps back to the model's sentinel; Detail is a sentence for a person. Neither ever carries a PIN,
// a stack trace or SQL: for an error the server does not recognise, Detail is a generic sentence and
// the cause goes only to the log.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
	// Rule and RuleDetail accompany code "policy": the rule a chosen PIN breaks (model.Rule*).
	Rule       string `json:"rule,omitempty"`
	RuleDetail string `json:"rule_detail,omitempty"`
	// RetryAfter accompanies "rate_limited", "desk_slowed" and every 503 ("busy", "unavailable"):
	// whole seconds, as in the Retry-After header.
	RetryAfter int `json:"retry_after,omitempty"`
	// Limit accompanies "rate_limited": which limit was hit (model.Limit*).
	Limit string `json:"limit,omitempty"`
	// RetryAt accompanies a code send limit (code_holder, code_token): the instant it lifts, on
	// the server's clock, so the client returns the core's own error (model.CodeLimitError).
	RetryAt *time.Time `json:"retry_at,omitempty"`
}

// ProblemType is the type URI of a problem with the code.
func ProblemType(code string) string { return "urn:pindesk:problem:" + code }

// Stable problem codes. The client maps each back to the same error the core returned.
const (
	CodeInvalidInput     = "invalid_input"
	CodeInvalidPIN       = "invalid_pin"
	CodeUnknownKind      = "unknown_kind"
	CodeUnknownAccount   = "unknown_account"
	CodeUnknownHolder    = "unknown_holder"
	CodeNoPINs           = "no_pins"
	CodeNoSuchPIN        = "no_such_pin"
	CodeLocked           = "locked"
	CodeNotLocked        = "not_locked"
	CodeHardLocked       = "hard_locked"
	CodeNotPermitted     = "not_permitted"
	CodePolicy           = "policy"
	CodeConflict         = "conflict"
	CodeBusy             = "busy"
	CodeUnavailable      = "unavailable"
	CodeUnauthorized     = "unauthorized"
	CodeRateLimited      = "rate_limited"
	CodeIdempotency      = "idempotency_mismatch"
	CodeDeskSlowed       = "desk_slowed"
	CodeTooLarge         = "too_large"
	CodeNotFound         = "not_found"
	CodeMethodNotAllowed = "method_not_allowed"
	CodeInternal         = "internal"
	// CodeTicketRequired: the floor requires a ticket on the call (model.ErrTicketRequired).
	CodeTicketRequired = "ticket_required"
	// CodeNoEmail: the contact has no email on file to send a code to; CodeCodeUnavailable: this
	// server delivers no email, so it sends no codes.
	CodeNoEmail         = "no_email"
	CodeCodeUnavailable = "code_unavailable"
	// Dual control.
	CodeUnknownApproval = "unknown_approval"
	CodeApprovalClosed  = "approval_closed"
)

// ErrTooLarge is a request over one of the server's size caps (code too_large). It is bad input,
// so it unwraps to model.ErrInvalidInput: a caller of client.Remote that checks for invalid input
// finds it, as it did when the client mapped too_large to model.ErrInvalidInput outright.
var ErrTooLarge error = tooLarge{}

type tooLarge struct{}

func (tooLarge) Error() string { return "request body too large" }
func (tooLarge) Unwrap() error { return model.ErrInvalidInput }

// ErrorCode is one row of the contract's error table: the error, the code that names it on the
// wire and the status that answers it.
type ErrorCode struct {
	Code   string
	Status int
	// Err is what the server recognises (errors.Is) and what the client returns for Code. It is
	// nil for a code the server answers of itself, about the request rather than the domain: no
	// such route, a method the route does not take, an error it does not recognise.
	Err error
}

// errorCodes is the table. For an error, the first row whose Err matches answers: too_large comes
// before invalid_input, which ErrTooLarge wraps; no other error of the core wraps two of them (a
// test holds every row to answering its own Err).
var errorCodes = []ErrorCode{
	{CodeTooLarge, http.StatusRequestEntityTooLarge, ErrTooLarge},
	{CodeInvalidPIN, http.StatusBadRequest, model.ErrInvalidPIN},
	{CodeInvalidInput, http.StatusBadRequest, model.ErrInvalidInput},
	{CodeTicketRequired, http.StatusBadRequest, model.ErrTicketRequired},
	{CodeUnknownKind, http.StatusBadRequest, model.ErrUnknownKind},
	{CodeUnknownAccount, http.StatusNotFound, model.ErrUnknownAccount},
	{CodeUnknownHolder, http.StatusNotFound, model.ErrUnknownHolder},
	{CodeNoSuchPIN, http.StatusNotFound, model.ErrNoSuchPIN},
	{CodeNoPINs, http.StatusConflict, model.ErrNoPINs},
	{CodeHardLocked, http.StatusConflict, model.ErrHardLocked},
	{CodeLocked, http.StatusConflict, model.ErrLocked},
	{CodeNotLocked, http.StatusConflict, model.ErrNotLocked},
	{CodeConflict, http.StatusConflict, model.ErrConflict},
	{CodePolicy, http.StatusUnprocessableEntity, model.ErrPolicy},
	{CodeIdempotency, http.StatusUnprocessableEntity, model.ErrIdempotencyMismatch},
	{CodeNotPermitted, http.StatusForbidden, model.ErrNotPermitted},
	{CodeUnauthorized, http.StatusUnauthorized, model.ErrUnauthorized},
	{CodeRateLimited, http.StatusTooManyRequests, model.ErrRateLimited},
	{CodeDeskSlowed, http.StatusTooManyRequests, model.ErrDeskSlowed},
	{CodeBusy, http.StatusServiceUnavailable, model.ErrBusy},
	{CodeUnavailable, http.StatusServiceUnavailable, model.ErrUnavailable},
	{CodeNoEmail, http.StatusConflict, model.ErrNoEmail},
	{CodeCodeUnavailable, http.StatusNotImplemented, model.ErrCodeUndeliverable},
	{CodeUnknownApproval, http.StatusNotFound, model.ErrUnknownApproval},
	{CodeApprovalClosed, http.StatusConflict, model.ErrApprovalClosed},
	{CodeNotFound, http.StatusNotFound, nil},
	{CodeMethodNotAllowed, http.StatusMethodNotAllowed, nil},
	{CodeInternal, http.StatusInternalServerError, nil},
}

// ErrorCodes lists every row of the table, in the order CodeFor tries them.
func ErrorCodes() []ErrorCode { return slices.Clone(errorCodes) }

// CodeFor is the row that answers err (the server's direction): the first whose Err err wraps.
// It reports false for an error the contract does not name.
func CodeFor(err error) (ErrorCode, bool) {
	for _, c := range errorCodes {
		if c.Err != nil && errors.Is(err, c.Err) {
			return c, true
		}
	}
	return ErrorCode{}, false
}

// ErrorFor is the row of a code (the client's direction). It reports false for a code the
// contract does not name (a newer server's, a proxy's).
func ErrorFor(code string) (ErrorCode, bool) {
	for _, c := range errorCodes {
		if c.Code == code {
			return c, true
		}
	}
	return ErrorCode{}, false
}

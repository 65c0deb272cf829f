package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
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
	// RetryAfter accompanies "rate_limited" and every 503 ("busy", "unavailable"): whole seconds, as
	// in the Retry-After header.
	RetryAfter int `json:"retry_after,omitempty"`
	// Limit accompanies "rate_limited": which limit was hit (model.Limit*).
	Limit string `json:"limit,omitempty"`
}

// Stable problem codes. The client maps each back to the same sentinel the core returned.
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
	CodeTooLarge         = "too_large"
	CodeNotFound         = "not_found"
	CodeMethodNotAllowed = "method_not_allowed"
	CodeInternal         = "internal"
)

// errorCodes maps each sentinel to its status and code. The first that matches wins; no error of
// the core wraps two of them.
var errorCodes = []struct {
	err    error
	status int
	code   string
}{
	{model.ErrInvalidPIN, http.StatusBadRequest, CodeInvalidPIN},
	{model.ErrInvalidInput, http.StatusBadRequest, CodeInvalidInput},
	{model.ErrUnknownKind, http.StatusBadRequest, CodeUnknownKind},
	{model.ErrUnknownAccount, http.StatusNotFound, CodeUnknownAccount},
	{model.ErrUnknownHolder, http.StatusNotFound, CodeUnknownHolder},
	{model.ErrNoSuchPIN, http.StatusNotFound, CodeNoSuchPIN},
	{model.ErrNoPINs, http.StatusConflict, CodeNoPINs},
	{model.ErrHardLocked, http.StatusConflict, CodeHardLocked},
	{model.ErrLocked, http.StatusConflict, CodeLocked},
	{model.ErrNotLocked, http.StatusConflict, CodeNotLocked},
	{model.ErrConflict, http.StatusConflict, CodeConflict},
	{store.ErrDuplicate, http.StatusConflict, CodeConflict},
	{model.ErrPolicy, http.StatusUnprocessableEntity, CodePolicy},
	{model.ErrIdempotencyMismatch, http.StatusUnprocessableEntity, CodeIdempotency},
	{model.ErrNotPermitted, http.StatusForbidden, CodeNotPermitted},
	{model.ErrUnauthorized, http.StatusUnauthorized, CodeUnauthorized},
	{model.ErrRateLimited, http.StatusTooManyRequests, CodeRateLimited},
	{model.ErrBusy, http.StatusServiceUnavailable, CodeBusy},
	{model.ErrUnavailable, http.StatusServiceUnavailable, CodeUnavailable},
	{errTooLarge, http.StatusRequestEntityTooLarge, CodeTooLarge},
}

// ProblemFor is the answer the server gives for err: its status, stable code and message.
func ProblemFor(err error) Problem {
	p, _ := problemFor(err)
	return p
}

// problemFor builds the answer to err. known is false for an error the server does not recognise:
// its message is withheld from the client.
func problemFor(err error) (p Problem, known bool) {
	for _, c := range errorCodes {
		if errors.Is(err, c.err) {
			p = Problem{Status: c.status, Code: c.code, Title: c.err.Error(), Detail: clipDetail(err.Error())}
			var pe *model.PolicyError
			if errors.As(err, &pe) {
				p.Rule, p.RuleDetail = pe.Rule, pe.Detail
			}
			if c.status == http.StatusServiceUnavailable {
				p.RetryAfter = 1 // busy or unavailable: a fault that passes, or that an operator fixes
			}
			var rl rateLimited
			if errors.As(err, &rl) {
				p.RetryAfter = retryAfterSeconds(rl.wait)
				p.Limit = rl.limit
			}
			return p.typed(), true
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return Problem{Status: http.StatusServiceUnavailable, Code: CodeBusy, Title: model.ErrBusy.Error(),
			Detail: "the request took too long; try again", RetryAfter: 1}.typed(), true
	}
	return Problem{Status: http.StatusInternalServerError, Code: CodeInternal, Title: "internal error",
		Detail: "the server could not complete the request; the cause is in its log"}.typed(), false
}

func (p Problem) typed() Problem {
	p.Type = "urn:pindesk:problem:" + p.Code
	return p
}

// newProblem is an answer the server itself gives (bad JSON, unknown route, rate limit).
func newProblem(status int, code, title, detail string) Problem {
	return Problem{Status: status, Code: code, Title: title, Detail: detail}.typed()
}

// writeProblem answers with p. A 401 names the Bearer scheme; a 429 or 503 says when to retry
// (every 503: a client or proxy that sees Retry-After knows the failure is passing, not its own).
func writeProblem(w http.ResponseWriter, p Problem) {
	if p.Status == http.StatusServiceUnavailable && p.RetryAfter <= 0 {
		p.RetryAfter = 1
	}
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	h.Del("Content-Length")
	if p.Status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="pindesk"`)
	}
	if p.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	w.WriteHeader(p.Status)
	_ = writeJSONBody(w, p)
}

// fail answers with the problem for err and logs it: a client error at debug level (it is the
// caller's mistake and the audit has what matters), an unknown one at error level with its cause.
// Core errors never contain a PIN, so logging their message is safe; request bodies are never logged.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	p, known := problemFor(err)
	switch {
	case !known:
		s.log.Error("request failed", "method", r.Method, "route", routeOf(r), "error", err.Error())
	case p.Code == CodeUnavailable:
		// Not a passing contention like busy: the database is gone, unreachable or unwritable,
		// and someone has to act.
		s.log.Error("request failed: the store is unavailable", "method", r.Method, "route", routeOf(r), "error", err.Error())
	case p.Status >= 500:
		s.log.Warn("request refused", "method", r.Method, "route", routeOf(r), "code", p.Code, "error", err.Error())
	default:
		s.log.Debug("request refused", "method", r.Method, "route", routeOf(r), "code", p.Code, "detail", p.Detail)
	}
	writeProblem(w, p)
}

// retryAfterSeconds rounds a wait up to whole seconds, at least one.
func retryAfterSeconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	return s
}

// maxDetail bounds a problem's detail. The core's messages quote what the client sent (an unknown
// contact id); a client that sends 16 KiB of it does not get 16 KiB back.
const maxDetail = 300

func clipDetail(s string) string {
	if len(s) <= maxDetail {
		return s
	}
	cut := maxDetail
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

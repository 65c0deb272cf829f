package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/pindesk/pindesk/api"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// ProblemFor is the answer the server gives for err: its status, stable code and message.
func ProblemFor(err error) api.Problem {
	p, _ := problemFor(err, time.Now())
	return p
}

// problemFor builds the answer to err at now (the core's clock: a code limit lifts on it). known is
// false for an error the server does not recognise: its message is withheld from the client.
func problemFor(err error, now time.Time) (p api.Problem, known bool) {
	c, ok := api.CodeFor(err)
	title := c.Err
	if !ok && errors.Is(err, store.ErrDuplicate) {
		// The store's own word for a clash (an id that exists): the contract's conflict, titled
		// as the store says it.
		c, ok = api.CodeFor(model.ErrConflict)
		title = store.ErrDuplicate
	}
	if ok {
		p = api.Problem{Status: c.Status, Code: c.Code, Title: title.Error(), Detail: clipDetail(err.Error())}
		var pe *model.PolicyError
		if errors.As(err, &pe) {
			p.Rule, p.RuleDetail = pe.Rule, pe.Detail
		}
		if c.Status == http.StatusServiceUnavailable {
			p.RetryAfter = 1 // busy or unavailable: a fault that passes, or that an operator fixes
		}
		var cl *model.CodeLimitError
		if errors.As(err, &cl) { // a code send limit (emailcode.go): lifts when its oldest send leaves the hour
			p.RetryAfter = retryAfterSeconds(cl.RetryAt.Sub(now))
			p.Limit = cl.Limit
			retryAt := cl.RetryAt.UTC()
			p.RetryAt = &retryAt
		}
		var slowed *model.DeskSlowedError
		if errors.As(err, &slowed) {
			p.RetryAfter = retryAfterSeconds(slowed.Wait)
		}
		var rl rateLimited
		if errors.As(err, &rl) {
			p.RetryAfter = retryAfterSeconds(rl.wait)
			p.Limit = rl.limit
		}
		return typed(p), true
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return typed(api.Problem{Status: http.StatusServiceUnavailable, Code: api.CodeBusy, Title: model.ErrBusy.Error(),
			Detail: "the request took too long; try again", RetryAfter: 1}), true
	}
	return typed(api.Problem{Status: http.StatusInternalServerError, Code: api.CodeInternal, Title: "internal error",
		Detail: "the server could not complete the request; the cause is in its log"}), false
}

func typed(p api.Problem) api.Problem {
	p.Type = api.ProblemType(p.Code)
	return p
}

// newProblem is an answer the server itself gives (bad JSON, unknown route, rate limit).
func newProblem(status int, code, title, detail string) api.Problem {
	return typed(api.Problem{Status: status, Code: code, Title: title, Detail: detail})
}

// writeProblem answers with p. A 401 names the Bearer scheme; a 429 or 503 says when to retry
// (every 503: a client or proxy that sees Retry-After knows the failure is passing, not its own).
func writeProblem(w http.ResponseWriter, p api.Problem) {
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
	p, known := problemFor(err, s.core.Now())
	switch {
	case !known:
		s.log.Error("request failed", "method", r.Method, "route", routeOf(r), "error", err.Error())
	case p.Code == api.CodeUnavailable:
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

package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/model"
)

// sentence turns an error from the backend into what the agent reads in the status line. The
// error's kind is found with errors.Is against the model's sentinels; where the core adds a detail
// after the sentinel (which field, which rule) the detail is kept, since it tells the agent what
// to fix. A Go error text is never shown raw, and no error the core returns carries a PIN.
func sentence(err error) string {
	if err == nil {
		return ""
	}
	var pe *model.PolicyError
	var rl *model.RateLimitError
	var re *client.RemoteError
	var slowed *model.DeskSlowedError
	switch {
	case errors.As(err, &slowed):
		return slowedSentence(slowed)
	case errors.As(err, &rl):
		wait := "a minute"
		if d, ok := client.RetryAfter(err); ok {
			wait = span(d)
		}
		switch rl.Limit {
		case model.LimitAccount:
			return "Too many PIN attempts on this account, from every desk. Wait " + wait + ", then try again."
		case model.LimitUnlock:
			return "Too many unlocks from this desk. Wait " + wait + ", then try again."
		}
		return "Too many PIN attempts from this desk. Wait " + wait + ", then try again."
	case errors.As(err, &pe):
		return "That PIN is refused by the policy: " + pe.Detail + "."
	case errors.Is(err, context.DeadlineExceeded):
		return "The server did not answer in time. The call is kept; try again."
	case errors.Is(err, context.Canceled):
		return "The request was cancelled."
	case errors.Is(err, model.ErrBusy):
		return "The database is busy. The call is kept; try again in a moment."
	case errors.Is(err, model.ErrUnavailable):
		return "The pindesk server cannot be reached. The call is kept; try again."
	case errors.Is(err, model.ErrUnauthorized):
		return "Signed out: the server refused this desk's token (revoked or expired). Ask an administrator for a new one."
	case errors.Is(err, model.ErrRateLimited):
		return "Too many attempts. Wait a minute, then try again."
	case errors.Is(err, model.ErrUnknownAccount):
		return "That account does not exist (any more). Search again."
	case errors.Is(err, model.ErrUnknownHolder):
		return "That contact is no longer on the account. Reload the account (r)."
	case errors.Is(err, model.ErrNotPermitted):
		return "Your role may not do that" + detail(err, model.ErrNotPermitted) + "."
	case errors.Is(err, model.ErrHardLocked):
		return "That PIN holder is hard-locked after too many wrong PINs: the customer must set a new PIN in the portal, or an admin must unlock it."
	case errors.Is(err, model.ErrNotLocked):
		return "That PIN holder is not locked and has no failed attempts: nothing to unlock."
	case errors.Is(err, model.ErrLocked):
		return "That PIN holder is locked. A supervisor must unlock it first."
	case errors.Is(err, model.ErrNoPINs):
		return "This account's product uses no support PIN."
	case errors.Is(err, model.ErrNoSuchPIN):
		return "There is no PIN of that kind to change."
	case errors.Is(err, model.ErrUnknownKind):
		return "Unknown PIN kind."
	case errors.Is(err, model.ErrInvalidPIN):
		return "That is not a PIN" + detail(err, model.ErrInvalidPIN) + "."
	case errors.Is(err, model.ErrIdempotencyMismatch):
		return "This attempt's key was already used for another PIN or caller, so nothing was checked. Try again."
	case errors.Is(err, model.ErrApprovalRequired):
		var ar *model.ApprovalRequiredError
		if errors.As(err, &ar) {
			return approvalSentence(ar, time.Local)
		}
		return "Not done yet: it needs a second supervisor's approval."
	case errors.Is(err, model.ErrUnknownApproval):
		return "That approval request does not exist."
	case errors.Is(err, model.ErrApprovalClosed):
		return "That approval request is no longer pending" + detail(err, model.ErrApprovalClosed) + "."
	case errors.Is(err, model.ErrConflict):
		return "Someone changed this at the same moment. Reload (r) and try again."
	case errors.Is(err, model.ErrInvalidInput):
		if d := strings.TrimPrefix(detail(err, model.ErrInvalidInput), ": "); d != "" {
			return capitalise(d) + "."
		}
		return "The request was refused as invalid."
	case errors.As(err, &re) && re.Status >= 500:
		return fmt.Sprintf("The pindesk server failed (HTTP %d). The call is kept; try again, or tell a supervisor if it happens again.", re.Status)
	}
	return "Something went wrong. The call is kept; try again, or tell a supervisor if it happens again."
}

// keepPIN reports whether err means the server did not check the PIN — it could not be reached, did
// not answer in time, was busy, or a rate limit refused the attempt — so the PIN typed is kept for
// the agent to send again.
func keepPIN(err error) bool {
	for _, e := range []error{model.ErrUnavailable, model.ErrRateLimited, model.ErrDeskSlowed, model.ErrBusy, context.DeadlineExceeded} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// unreachable reports whether err says the server cannot be reached.
func unreachable(err error) bool { return errors.Is(err, model.ErrUnavailable) }

// detail is what the core wrote after a sentinel ("invalid input: a reason is required" gives
// ": a reason is required"), or "" when it added nothing. It is display text only: which error it
// is has already been decided by errors.Is.
func detail(err, sentinel error) string {
	_, after, ok := strings.Cut(err.Error(), sentinel.Error()+": ")
	if !ok || after == "" {
		return ""
	}
	return ": " + safe(strings.TrimRight(after, ".")) // the core's details may quote stored data
}

func capitalise(s string) string {
	for i, r := range s {
		return string(unicode.ToUpper(r)) + s[i+len(string(r)):]
	}
	return s
}

package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/model"
)

func TestErrorsBecomeSentences(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"a busy database says try again", fmt.Errorf("verify: %w", model.ErrBusy), "The database is busy. The call is kept; try again in a moment."},
		{"an unreachable server says so", fmt.Errorf("search: %w", model.ErrUnavailable), "The pindesk server cannot be reached. The call is kept; try again."},
		{"an unknown account says search again", fmt.Errorf("%w: %q", model.ErrUnknownAccount, "x"), "That account does not exist (any more). Search again."},
		{"a timeout says the server did not answer", fmt.Errorf("verify: %w", context.DeadlineExceeded), "The server did not answer in time. The call is kept; try again."},
		{"invalid input keeps the core's detail", fmt.Errorf("unlock: %w: a reason is required", model.ErrInvalidInput), "A reason is required."},
		{"a refused role keeps who may not do what", fmt.Errorf("%w: the agent role may not unlock PIN holders", model.ErrNotPermitted), "Your role may not do that: the agent role may not unlock PIN holders."},
		{"an invalid PIN entry keeps the rule", fmt.Errorf("verify: %w: a PIN has 6 digits", model.ErrInvalidPIN), "That is not a PIN: a PIN has 6 digits."},
		{"a policy refusal names the rule", fmt.Errorf("set PIN: %w", &model.PolicyError{Rule: model.RuleRepeat, Detail: "no digit may repeat more than 3 times in a row"}), "That PIN is refused by the policy: no digit may repeat more than 3 times in a row."},
		{"not locked says nothing to unlock", fmt.Errorf("unlock: %w: tom has no lock", model.ErrNotLocked), "That PIN holder is not locked and has no failed attempts: nothing to unlock."},
		{"hard-locked says who can help", fmt.Errorf("unlock: c-john: %w", model.ErrHardLocked), "That PIN holder is hard-locked after too many wrong PINs: the customer must set a new PIN in the portal, or an admin must unlock it."},
		{"a revoked token says signed out", fmt.Errorf("search: %w", model.ErrUnauthorized), "Signed out: the server refused this desk's token (revoked or expired). Ask an administrator for a new one."},
		{"a server error names its status", fmt.Errorf("search: %w", &client.RemoteError{Status: 500}), "The pindesk server failed (HTTP 500). The call is kept; try again, or tell a supervisor if it happens again."},
		{"the account's rate limit names the account", &model.RateLimitError{Limit: model.LimitAccount}, "Too many PIN attempts on this account, from every desk. Wait a minute, then try again."},
		{"the desk's rate limit names the desk", &model.RateLimitError{Limit: model.LimitToken}, "Too many PIN attempts from this desk. Wait a minute, then try again."},
		{"an unknown error is never shown raw", errors.New("sql: database is closed at /home/x/pindesk.db"), "Something went wrong. The call is kept; try again, or tell a supervisor if it happens again."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sentence(tt.err); got != tt.want {
				t.Fatalf("sentence(%v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
}

func TestEveryModelErrorHasItsOwnSentence(t *testing.T) {
	t.Parallel()
	sentinels := []error{model.ErrInvalidInput, model.ErrInvalidPIN, model.ErrUnknownAccount, model.ErrUnknownHolder,
		model.ErrUnknownKind, model.ErrNoPINs, model.ErrNoSuchPIN, model.ErrLocked, model.ErrHardLocked, model.ErrNotLocked, model.ErrNotPermitted,
		model.ErrPolicy, model.ErrConflict, model.ErrBusy, model.ErrUnavailable, model.ErrUnauthorized, model.ErrRateLimited,
		model.ErrIdempotencyMismatch}
	generic := sentence(errors.New("x"))
	seen := map[string]error{}
	for _, e := range sentinels {
		s := sentence(fmt.Errorf("op: %w", e))
		if e == model.ErrPolicy {
			continue // always arrives as a *PolicyError, tested above
		}
		if s == generic || strings.Contains(s, "op:") {
			t.Errorf("%v has no sentence of its own: %q", e, s)
		}
		if prev, dup := seen[s]; dup {
			t.Errorf("%v and %v read the same: %q", e, prev, s)
		}
		seen[s] = e
	}
}

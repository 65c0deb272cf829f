package model

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Dual control, four eyes (issue 12). Help-desk social engineering works by talking one person
// into a reset or an unlock, so the riskiest of them need a second person. The rules, enforced in
// the core (core/approval.go) whichever way a request arrives — the app, the API, the admin
// command line:
//
//   - What needs approval is a setting per action (ApprovalPolicy): an account reset and a repeat
//     unlock (of a holder already unlocked once in the last 24 hours) by default, every unlock
//     only when approval.unlock is required. The portal (the customer acting for themselves) never
//     needs approval; a supervisor, a trainer and an admin do.
//   - Such an unlock or reset changes nothing: it opens an approval request (account, holder,
//     action, reason, who asked, when, until when) and is answered with *ApprovalRequiredError. A
//     second asking for the same holder and action while one is pending gets that one back.
//   - Another operator who may approve (PermApprove: a supervisor, a trainer, an admin) approves it
//     — the core then performs the action as the requester's, under the holder's lock, in the
//     transaction that closes the request — or refuses it with a reason. Nobody decides a request
//     they asked for: the same operator name (compared without regard to case) or the same API
//     token is refused.
//   - A request is pending for ApprovalPolicy.TTL (15 minutes by default), then expired.
//   - Every step is audited, each event carrying the requester as operator, the request's id
//     (AuditEvent.Request) and, from the decision on, the second person (AuditEvent.Approver).

// ApprovalAction is what an approval request asks to do.
type ApprovalAction string

const (
	ApprovalUnlock ApprovalAction = "unlock"
	ApprovalReset  ApprovalAction = "reset"
)

// ApprovalStatus is where a request stands.
type ApprovalStatus string

const (
	ApprovalPending  ApprovalStatus = "pending"
	ApprovalApproved ApprovalStatus = "approved" // approved and done
	ApprovalRefused  ApprovalStatus = "refused"
	ApprovalExpired  ApprovalStatus = "expired"
	// ApprovalVoid: approved too late to mean anything — the lock it was about is gone (the holder
	// was unlocked by other means, or locked afresh, since). Nothing was changed.
	ApprovalVoid ApprovalStatus = "void"
)

// Why a request needed approval (Approval.Rule), the setting that asked for it.
const (
	RuleApprovalReset        = "reset"         // approval.reset
	RuleApprovalUnlock       = "unlock"        // approval.unlock
	RuleApprovalRepeatUnlock = "repeat_unlock" // approval.repeat_unlock
)

// RepeatUnlockWindow is how far back an earlier unlock of the holder makes an unlock a repeat one.
const RepeatUnlockWindow = 24 * time.Hour

// The audit actions of an approval request's life. The action a request asks for, once approved,
// is recorded under its own action (ActionUnlock, ActionReset) with Approver and Request set.
const (
	ActionApprovalRequest Action = "approval_request" // Reason: "<action>: <the requester's reason>"
	ActionApprovalRefuse  Action = "approval_refuse"  // Reason: the refusal's reason
	ActionApprovalExpire  Action = "approval_expire"
	ActionApprovalVoid    Action = "approval_void"
)

// Approval is an approval request.
type Approval struct {
	ID        int64          `json:"id"`
	Action    ApprovalAction `json:"action"`
	AccountID string         `json:"account_id"`
	Holder    string         `json:"holder,omitempty"` // the holder an unlock is for; empty for a reset
	Reason    string         `json:"reason"`           // the requester's
	Channel   Channel        `json:"channel"`
	// Rule is the setting that asked for approval (RuleApproval*).
	Rule string `json:"rule"`
	// RequestedBy and RequesterRole are who asked; the action is performed as theirs.
	RequestedBy   string         `json:"requested_by"`
	RequesterRole OperatorRole   `json:"requester_role"`
	Created       time.Time      `json:"created_at"`
	Expires       time.Time      `json:"expires_at"`
	Status        ApprovalStatus `json:"status"`
	// DecidedBy, DecidedAt and DecisionReason are set once approved, refused or void.
	DecidedBy      string     `json:"decided_by,omitempty"`
	DecidedAt      *time.Time `json:"decided_at,omitempty"`
	DecisionReason string     `json:"decision_reason,omitempty"`
	// AccountNumber and AccountName say which account, for a person deciding; filled by the core.
	AccountNumber string `json:"account_number,omitempty"`
	AccountName   string `json:"account_name,omitempty"`
	// RequesterToken is the id of the API token the request came with (never sent anywhere).
	RequesterToken string `json:"-"`
	// Ticket is the ticket of the call that asked (model.CheckTicket), carried by every event of
	// the request's life and by the action once done; empty when the call had none.
	Ticket string `json:"ticket,omitempty"`
}

// Pending reports whether the request may still be decided at now.
func (a Approval) Pending(now time.Time) bool {
	return a.Status == ApprovalPending && now.Before(a.Expires)
}

// Target names what the request is about: "unlock of A-1/c1" or "reset of A-1".
func (a Approval) Target() string {
	acct := a.AccountNumber
	if acct == "" {
		acct = a.AccountID
	}
	if a.Action == ApprovalUnlock {
		return fmt.Sprintf("unlock of %s/%s", acct, a.Holder)
	}
	return "reset of " + acct
}

// ApprovalResult is an approval decided: the request as it now stands and, for an approved
// reset, what the reset revoked.
type ApprovalResult struct {
	Approval Approval     `json:"approval"`
	Reset    *ResetResult `json:"reset,omitempty"`
}

// Errors of dual control.
var (
	// ErrApprovalRequired: the unlock or reset was not done; an approval request waits for a
	// second person (see ApprovalRequiredError, which carries it).
	ErrApprovalRequired = errors.New("needs a second supervisor's approval")
	// ErrUnknownApproval: no approval request has the id.
	ErrUnknownApproval = errors.New("no such approval request")
	// ErrApprovalClosed: the request was approved, refused, expired or void already.
	ErrApprovalClosed = errors.New("the approval request is no longer pending")
)

// ApprovalRequiredError answers an unlock or reset that needs a second person: nothing changed,
// and Request waits for them (a request pending already for the same holder and action, when
// there was one: Existing).
type ApprovalRequiredError struct {
	Request  Approval
	Existing bool
}

func (e *ApprovalRequiredError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "needs a second supervisor: request #%d, expires %s UTC", e.Request.ID, e.Request.Expires.UTC().Format("15:04"))
	if e.Existing {
		fmt.Fprintf(&b, " (asked already by %s)", e.Request.RequestedBy)
	}
	b.WriteString("; another supervisor must approve it")
	return b.String()
}

func (e *ApprovalRequiredError) Unwrap() error { return ErrApprovalRequired }

// ApprovalPolicy is which actions need a second person, and how long a request waits.
type ApprovalPolicy struct {
	Reset        bool          // approval.reset: every reset
	Unlock       bool          // approval.unlock: every unlock
	RepeatUnlock bool          // approval.repeat_unlock: an unlock of a holder unlocked in the last RepeatUnlockWindow
	TTL          time.Duration // approval.ttl: how long a request is pending
}

// DefaultApprovalTTL is how long a request waits for a second person.
const DefaultApprovalTTL = 15 * time.Minute

// DefaultApprovalPolicy is pindesk's settings' default: resets and repeat unlocks need approval.
func DefaultApprovalPolicy() ApprovalPolicy {
	return ApprovalPolicy{Reset: true, RepeatUnlock: true, TTL: DefaultApprovalTTL}
}

// NeedsApproval reports whether role's actions are under dual control: the desk's and the
// admin's, not the customer's own (the portal).
func (r OperatorRole) NeedsApproval() bool {
	return r == OpSupervisor || r == OpTrainer || r == OpAdmin
}

// ParseRequired reads an approval setting: "required" or "off".
func ParseRequired(s string) (bool, error) {
	switch strings.TrimSpace(s) {
	case "required":
		return true, nil
	case "off":
		return false, nil
	}
	return false, fmt.Errorf("%w: %q (want required or off)", ErrInvalidInput, s)
}

// SameOperator reports whether a and b are one person for dual control: the same operator name
// (without regard to case or surrounding space), or the same API token.
func SameOperator(a Operator, requestedBy, requesterToken string) bool {
	if strings.EqualFold(strings.TrimSpace(a.Name), strings.TrimSpace(requestedBy)) {
		return true
	}
	return a.TokenID != "" && a.TokenID == requesterToken
}

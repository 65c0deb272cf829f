package model

import "time"

// Action is what an audit event records.
type Action string

const (
	ActionVerify   Action = "verify"
	ActionGenerate Action = "generate"
	ActionSet      Action = "set"
	ActionClear    Action = "clear"
	ActionUnlock   Action = "unlock"
	ActionReset    Action = "reset"
	ActionRead     Action = "read"  // the portal read back a holder's PIN
	ActionRekey    Action = "rekey" // every PIN re-sealed under a new key (pindesk admin key rotate)
)

// AuditRefused is the audit outcome of a verification refused before any comparison because the
// entry was malformed (not digits, wrong length). It is not a verification Outcome: such an entry
// gets an error, not an answer, and is never counted against the holder.
const AuditRefused = "refused"

// AuditEvent is one line of the audit trail. It never carries a PIN.
type AuditEvent struct {
	ID           int64        `json:"id"`
	Time         time.Time    `json:"time"`
	Operator     string       `json:"operator"`
	Role         OperatorRole `json:"role"`
	Channel      Channel      `json:"channel"`
	AccountID    string       `json:"account_id"`
	Holder       string       `json:"holder,omitempty"` // contact id, "account", or empty for account-level actions
	Caller       string       `json:"caller,omitempty"` // the contact who gave an account-wide PIN
	Action       Action       `json:"action"`
	Kind         Kind         `json:"kind,omitempty"`
	Outcome      string       `json:"outcome"` // a verification Outcome, AuditRefused, or "ok" for a change
	AttemptsLeft *int         `json:"attempts_left,omitempty"`
	Reason       string       `json:"reason,omitempty"`
	// ReplayOf marks a verification answered from its idempotency key: the id of the event that
	// recorded the first answer. Nothing was compared or counted.
	ReplayOf *int64 `json:"replay_of,omitempty"`
	// Approver is the second person of a dual-control request (model/approval.go), who approved
	// or refused it; Request is the request's id. Both empty on every other event.
	Approver string `json:"approver,omitempty"`
	Request  int64  `json:"request,omitempty"`
	// Ticket is the call's ticket or call reference; Session the verification session the event
	// was done under, or opened, or ended (see VerifySession).
	Ticket  string `json:"ticket,omitempty"`
	Session string `json:"session,omitempty"`
}

// AuditQuery selects audit events: by account (empty for all) and a half-open time range.
type AuditQuery struct {
	AccountID string
	Since     time.Time // inclusive; zero for no bound
	Until     time.Time // exclusive; zero for no bound
	Limit     int       // 0 for the default page
	BeforeID  int64     // for paging newest first: only events with a smaller id
	Ticket    string    // only events of this ticket; empty for any
}

package model

import "time"

// NoticeType is what a customer notice (issue 11) tells: a change to their PINs or locks that
// they should hear of from pindesk, not only from the desk. The names are stable: receivers of the
// webhook switch on them.
type NoticeType string

const (
	NoticeLocked       NoticeType = "holder.locked"      // wrong PINs reached the limit
	NoticeHardLocked   NoticeType = "holder.hard_locked" // the rolling cap was reached: only the portal or an admin unlocks
	NoticeUnlocked     NoticeType = "holder.unlocked"
	NoticeAccountReset NoticeType = "account.reset" // every PIN revoked, every lock cleared
	NoticePINGenerated NoticeType = "pin.generated"
	NoticePINSet       NoticeType = "pin.set"
	NoticePINCleared   NoticeType = "pin.cleared"
	// NoticeVerifiedAfterFailures: a right PIN after wrong ones, which the customer may not have
	// given themselves.
	NoticeVerifiedAfterFailures NoticeType = "verify.after_failures"
	// Written by later parts of issue 11 (the customer's "that wasn't me", an agent's anomaly).
	NoticeDisputed     NoticeType = "holder.disputed"
	NoticeAgentAnomaly NoticeType = "agent.anomaly"
)

// NoticeTypes are every type, in the order the documentation lists them.
var NoticeTypes = []NoticeType{NoticeLocked, NoticeHardLocked, NoticeUnlocked, NoticeAccountReset,
	NoticePINGenerated, NoticePINSet, NoticePINCleared, NoticeVerifiedAfterFailures, NoticeDisputed, NoticeAgentAnomaly}

// Notice is one event for the customer, written in the transaction of the change it tells of and
// delivered at least once afterwards. It never carries a PIN, a code or a phone number: only what
// happened, when, on which channel and by whom at the desk.
type Notice struct {
	// ID is stable across every delivery attempt of the notice, so a receiver drops duplicates.
	ID        string       `json:"id"`
	Type      NoticeType   `json:"type"`
	Time      time.Time    `json:"time"`
	AccountID string       `json:"account_id"`
	Holder    string       `json:"holder,omitempty"` // contact id or "account"; empty for the whole account
	Kind      Kind         `json:"kind,omitempty"`
	Channel   Channel      `json:"channel"`
	Operator  string       `json:"operator"` // who at the desk acted (the portal's name for the portal)
	Role      OperatorRole `json:"role"`
	// Failures is the count of wrong PINs the notice follows (locked, verified after failures).
	Failures int `json:"failures,omitempty"`
	// Dispute and Event are set on a holder.disputed notice: the dispute's id and the id of the
	// notice the customer disputed.
	Dispute string `json:"dispute,omitempty"`
	Event   string `json:"event,omitempty"`
	// ExpiresAt is set on a contact.code notice: when the code stops verifying.
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	// Sealed is a contact.code notice's code, sealed (store/secret) to this notice: kept in its own
	// outbox column, opened only by the email that delivers it, and never in the notice's JSON, so
	// no webhook, listing or log can carry it.
	Sealed []byte `json:"-"`
	// Alert, Desk and Accounts are set on an agent.anomaly notice (for supervisors, never emailed
	// to customers): the alert's id, the desk it slows (token:<id> or local:<name>) and the
	// distinct accounts its Failures were on.
	Alert    string `json:"alert,omitempty"`
	Desk     string `json:"desk,omitempty"`
	Accounts int    `json:"accounts,omitempty"`
	// Checkpoint is set on an audit.checkpoint notice (model/checkpoint_notice.go): every audit
	// chain's head at the notice's time.
	Checkpoint *AuditCheckpoint `json:"checkpoint,omitempty"`
}

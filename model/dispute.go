package model

import (
	"fmt"
	"strings"
	"time"
)

// "That wasn't me" (issue 11): a customer who receives a notice of something they did not do (a
// verification, an unlock, a new PIN) disputes it through the portal, naming the notice's id. The
// dispute hard-locks the holder the notice was about (only the portal or an admin lifts it, as
// after the rolling cap), revokes the account's short-lived PINs (or all, see DisputeRevokes),
// tells the desk's supervisors (a holder.disputed notice) and marks the account DISPUTED for every
// agent who opens it, until a supervisor clears the mark with a reason.
//
// The event a customer disputes is a notice id (ntc_…): that is the id a customer was sent, in
// the webhook's webhook-id header and body, and in the email. It must be one pindesk wrote for the
// same account.

const (
	ActionDispute      Action = "dispute"       // the customer disputed a notice
	ActionDisputeClear Action = "dispute_clear" // a supervisor cleared the DISPUTED mark
)

// MaxDisputeText is the longest text a customer may add to a dispute.
const MaxDisputeText = 500

// Dispute is an open dispute as the desk sees it. It carries no customer free text: that text is
// the customer's word, not the desk's, and it is kept for supervisors in the audit trail only, so
// nobody can write instructions to agents into a banner.
type Dispute struct {
	ID        string     `json:"id"`
	Time      time.Time  `json:"time"`
	AccountID string     `json:"account_id"`
	Holder    string     `json:"holder"`     // the holder the disputed notice was about ("account" for the account)
	EventID   string     `json:"event_id"`   // the disputed notice's id
	EventType NoticeType `json:"event_type"` // what that notice told of
}

// DisputeRequest is a customer's "that wasn't me".
type DisputeRequest struct {
	AccountID string
	EventID   string // the notice id the customer received
	Text      string // optional; at most MaxDisputeText characters, no control characters
	Channel   Channel
}

// DisputeResult is a dispute just recorded, and how many PINs it revoked.
type DisputeResult struct {
	Dispute
	RevokedPINs int `json:"revoked_pins"`
}

// ClearDisputeRequest clears an open dispute's DISPUTED mark, with the reason.
type ClearDisputeRequest struct {
	AccountID string
	DisputeID string
	Reason    string
	Channel   Channel
}

// Disputable reports whether a notice of the type may be disputed: every notice a customer receives
// about a change, but not a dispute's own notice (it tells of the dispute itself).
func Disputable(t NoticeType) bool { return t != NoticeDisputed && t != NoticeAgentAnomaly }

// DisputeRevokes is which PINs a dispute revokes, from the setting notify.dispute_revokes:
// "one-time+temporary" (the default: the PINs a caller may have just been handed) or "all" (the
// master PINs too, so the customer must set new ones).
type DisputeRevokes string

const (
	RevokeShortLived DisputeRevokes = "one-time+temporary"
	RevokeAll        DisputeRevokes = "all"
)

// ParseDisputeRevokes accepts the setting's values; empty is the default.
func ParseDisputeRevokes(s string) (DisputeRevokes, error) {
	switch r := DisputeRevokes(strings.TrimSpace(s)); r {
	case "":
		return RevokeShortLived, nil
	case RevokeShortLived, RevokeAll:
		return r, nil
	}
	return "", fmt.Errorf("%w: %q (want one-time+temporary or all)", ErrInvalidInput, s)
}

// Kinds are the PIN kinds revoked.
func (r DisputeRevokes) Kinds() []Kind {
	if r == RevokeAll {
		return []Kind{KindMaster, KindTemporary, KindOneTime, KindEmailed}
	}
	return []Kind{KindTemporary, KindOneTime, KindEmailed}
}

package model

import (
	"fmt"
	"time"
)

// ContactRole is a contact's place on an account.
type ContactRole string

const (
	RoleHolder     ContactRole = "holder"      // the account holder
	RoleSubAccount ContactRole = "sub-account" // manages the account alongside the holder
	RoleSubContact ContactRole = "sub-contact" // may call about the account, may not manage PINs
)

// ParseContactRole accepts the three roles by their names.
func ParseContactRole(s string) (ContactRole, error) {
	switch r := ContactRole(s); r {
	case RoleHolder, RoleSubAccount, RoleSubContact:
		return r, nil
	}
	return "", fmt.Errorf("%w: contact role %q (want holder, sub-account or sub-contact)", ErrInvalidInput, s)
}

// MayManageAccountPIN reports whether a contact of this role may generate, set or clear the
// account-wide PIN. A sub-contact may only give it.
func (r ContactRole) MayManageAccountPIN() bool { return r == RoleHolder || r == RoleSubAccount }

// Contact is a person on an account.
type Contact struct {
	ID        string      `json:"id"`
	Name      string      `json:"name"`
	Email     string      `json:"email,omitempty"`
	Phone     string      `json:"phone,omitempty"`
	Role      ContactRole `json:"role"`
	Federated bool        `json:"federated"` // signs in through the customer's own identity provider
}

// Account is a customer account.
type Account struct {
	ID       string    `json:"id"`
	Number   string    `json:"number"` // the human account number read out on a call
	Name     string    `json:"name"`
	Product  string    `json:"product"`
	UsesPINs bool      `json:"uses_pins"` // false for products that use no support PIN
	Contacts []Contact `json:"contacts"`
}

// Contact returns the account's contact with the given id.
func (a Account) Contact(id string) (Contact, bool) {
	for _, c := range a.Contacts {
		if c.ID == id {
			return c, true
		}
	}
	return Contact{}, false
}

// AccountSummary is one row of a search result.
type AccountSummary struct {
	ID          string `json:"id"`
	Number      string `json:"number"`
	Name        string `json:"name"`
	Product     string `json:"product"`
	UsesPINs    bool   `json:"uses_pins"`
	MatchedOn   string `json:"matched_on,omitempty"` // number, name, contact, email or phone
	MatchedText string `json:"matched_text,omitempty"`
	// MatchedContact is the id of the contact whose name, email or phone matched; empty when the
	// account's own number or name did.
	MatchedContact string `json:"matched_contact,omitempty"`
}

// AccountWide is the holder id of an account's account-wide PIN.
const AccountWide = "account"

// HolderRef names a PIN holder: one contact of an account, or the account itself (ContactID ==
// AccountWide) for the account-wide PIN that any of its contacts may give.
type HolderRef struct {
	AccountID string `json:"account_id"`
	ContactID string `json:"holder"`
}

func (h HolderRef) IsAccountWide() bool { return h.ContactID == AccountWide }

func (h HolderRef) String() string { return h.AccountID + "/" + h.ContactID }

// Key is the binding used when sealing the holder's PINs, so that a ciphertext moved to another
// holder's row does not open.
func (h HolderRef) Key() []byte { return []byte("pindesk/v1/" + h.AccountID + "/" + h.ContactID) }

// Kind is a kind of PIN.
type Kind string

const (
	KindMaster    Kind = "master"    // never expires
	KindOneTime   Kind = "one-time"  // expires after OneTimeTTL, spent by one successful verification
	KindTemporary Kind = "temporary" // expires after TemporaryTTL, reusable until then
	// KindEmailed is a code emailed to the contact on file (core/emailcode.go): it expires after
	// the code's lifetime and is spent by one successful verification. No one generates or sets it.
	KindEmailed Kind = "emailed"
)

// Kinds lists every kind in the order a match prefers them (unconsumed kinds first).
var Kinds = []Kind{KindMaster, KindTemporary, KindOneTime, KindEmailed}

// ParseKind accepts a kind by name.
func ParseKind(s string) (Kind, error) {
	switch k := Kind(s); k {
	case KindMaster, KindOneTime, KindTemporary:
		return k, nil
	}
	return "", fmt.Errorf("%w: %q (want master, one-time or temporary)", ErrUnknownKind, s)
}

// Channel is how the caller reached the desk.
type Channel string

const (
	ChannelPhone  Channel = "phone"
	ChannelChat   Channel = "chat"
	ChannelOther  Channel = "other"
	ChannelPortal Channel = "portal" // the customer's self-service portal
	ChannelAdmin  Channel = "admin"  // the admin command line
)

// ParseChannel accepts a channel by name; empty means other.
func ParseChannel(s string) (Channel, error) {
	switch c := Channel(s); c {
	case ChannelPhone, ChannelChat, ChannelOther, ChannelPortal, ChannelAdmin:
		return c, nil
	case "":
		return ChannelOther, nil
	}
	return "", fmt.Errorf("%w: channel %q (want phone, chat or other)", ErrInvalidInput, s)
}

// ParseCallChannel accepts the channel an agent's verification is recorded under: phone, chat or
// other (empty means other). The portal and admin channels name who changes PINs, never a call.
func ParseCallChannel(s string) (Channel, error) {
	switch c := Channel(s); c {
	case ChannelPhone, ChannelChat, ChannelOther:
		return c, nil
	case "":
		return ChannelOther, nil
	}
	return "", fmt.Errorf("%w: a verification is recorded under channel phone, chat or other, not %q", ErrInvalidInput, s)
}

// OperatorRole is what an operator of pindesk may do.
type OperatorRole string

const (
	OpAgent      OperatorRole = "agent"
	OpSupervisor OperatorRole = "supervisor"
	OpTrainer    OperatorRole = "trainer"
	OpPortal     OperatorRole = "portal"
	OpAdmin      OperatorRole = "admin"
)

// ParseOperatorRole accepts an operator role by name.
func ParseOperatorRole(s string) (OperatorRole, error) {
	switch r := OperatorRole(s); r {
	case OpAgent, OpSupervisor, OpTrainer, OpPortal, OpAdmin:
		return r, nil
	}
	return "", fmt.Errorf("%w: operator role %q (want agent, supervisor, trainer, portal or admin)", ErrInvalidInput, s)
}

// Operator is who acts: a desk agent, a supervisor, the portal, the admin command line.
type Operator struct {
	Name string       `json:"name"`
	Role OperatorRole `json:"role"`
	// TokenID is the API token the operator signed in with, set by the server; empty in embedded
	// mode. Idempotency keys belong to it, so two tokens sharing a name never share a key.
	TokenID string `json:"-"`
}

// PINState is what may be known of one stored PIN: never its secret.
type PINState struct {
	Kind      Kind       `json:"kind"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"` // nil for a master PIN
	SpentAt   *time.Time `json:"spent_at,omitempty"`   // set once a one-time PIN is used
}

// Active reports whether the PIN can verify at now.
func (p PINState) Active(now time.Time) bool { return !p.Expired(now) && p.SpentAt == nil }

// Expired reports whether the PIN has passed its expiry at now.
func (p PINState) Expired(now time.Time) bool { return p.ExpiresAt != nil && !now.Before(*p.ExpiresAt) }

// HolderState is a holder's lockout counters and PINs, without secrets.
type HolderState struct {
	Holder      HolderRef  `json:"holder"`
	Failures    int        `json:"failures"`
	MaxFailures int        `json:"max_failures"`
	LockedSince *time.Time `json:"locked_since,omitempty"`
	// HardLocked: the holder reached Policy.HardLockFailures within the window; only the portal or
	// an admin may unlock it.
	HardLocked bool       `json:"hard_locked"`
	PINs       []PINState `json:"pins"`
}

// Locked reports whether the holder is locked.
func (h HolderState) Locked() bool { return h.LockedSince != nil }

// AccountView is an account with each holder's PIN state, as an agent sees it.
type AccountView struct {
	Account Account       `json:"account"`
	Holders []HolderState `json:"holders"` // the account-wide holder first, then each contact in order
	// Disputes are the account's open disputes, oldest first: while there is one, every agent
	// sees the account as DISPUTED.
	Disputes []Dispute `json:"disputes"`
	// Sessions are the account's live verification sessions, newest first: a caller verified
	// on any desk may go on without giving the PIN again while theirs lasts.
	Sessions []VerifySession `json:"sessions"`
}

// Holder returns the view's state of one holder.
func (v AccountView) Holder(contactID string) (HolderState, bool) {
	for _, h := range v.Holders {
		if h.Holder.ContactID == contactID {
			return h, true
		}
	}
	return HolderState{}, false
}

package model

import "time"

// The lock board (issue 13): what is locked on the floor right now, and why, for supervisors.
// A supervisor's app polls it about once a second while the board is open, so it is read from the
// few holders that are locked or failing (partial indexes in both stores), never from every holder.

// BoardAttempts is the most failed attempts the board shows behind one holder: enough to see who
// tried, from which desk and channel, without the whole history of a holder hard-locked after
// twenty.
const BoardAttempts = 10

// BoardFailingLimit is the most holders the board's failing section lists (the most failures
// first): the top of that list is what a supervisor acts on.
const BoardFailingLimit = 50

// Board is the lock board. Each section is a list of its own; a section added later (open desk
// alerts, pending four-eyes requests) is a field here, a case in the store or core that fills it,
// and a section in ui/board.go's list.
type Board struct {
	Time time.Time `json:"time"` // the backend's clock when the board was read
	// Locked is every holder locked or hard-locked now, the newest lock first.
	Locked []BoardHolder `json:"locked"`
	// Failing is the holders with failed attempts in a row but no lock yet, the most failures
	// first, then the latest failure first; at most BoardFailingLimit.
	Failing []BoardHolder `json:"failing"`
	// FailingMore: more holders are failing than Failing lists.
	FailingMore bool `json:"failing_more"`
}

// BoardHolder is one holder on the board.
type BoardHolder struct {
	AccountID     string `json:"account_id"`
	AccountNumber string `json:"account_number"`
	AccountName   string `json:"account_name"`
	Holder        string `json:"holder"`      // a contact id, or AccountWide
	HolderName    string `json:"holder_name"` // the contact's name; "" for the account-wide holder
	// Failures is the failed attempts in a row now (MaxFailures of the policy locks).
	Failures    int        `json:"failures"`
	LockedSince *time.Time `json:"locked_since,omitempty"`
	HardLocked  bool       `json:"hard_locked"`
	// Attempts are the failed verifications behind the row, newest first: for a lock, those up to
	// the time it was set; at most Failures of them (a dispute's hard lock may have none), and at
	// most BoardAttempts.
	Attempts []BoardAttempt `json:"attempts"`
	// Disputes are the account's open disputes, oldest first.
	Disputes []Dispute `json:"disputes"`
}

// Ref is the row's holder.
func (h BoardHolder) Ref() HolderRef { return HolderRef{AccountID: h.AccountID, ContactID: h.Holder} }

// BoardAttempt is one failed verification, from the audit trail: when, by which desk, on which
// channel, and who said they were calling (the contact who gave an account-wide PIN).
type BoardAttempt struct {
	EventID  int64     `json:"event_id"`
	Time     time.Time `json:"time"`
	Operator string    `json:"operator"`
	Channel  Channel   `json:"channel"`
	Caller   string    `json:"caller,omitempty"`
}

// Package store persists pindesk's state: accounts and contacts, PIN holders and their sealed PINs,
// the audit trail, API tokens and idempotency keys. SQLite (package store/sqlite) is the embedded
// default; PostgreSQL (store/postgres) serves a floor of several servers. Both are held to the same
// behaviour by the conformance suite in internal/storetest.
//
// A Store never sees a PIN in clear: the core seals PINs (store/secret) before they reach it and
// compares them after. What a Store must guarantee is atomicity: UpdateHolder runs its function
// under an exclusive lock on the holder (SQLite: the database write lock taken by BEGIN IMMEDIATE;
// PostgreSQL: SELECT … FOR UPDATE on the holder's row), and the failure counter moves only by
// HolderTx.AddFailure, a single UPDATE … RETURNING statement — never a value read earlier and
// written back. A transaction commits durably (fsync'd) before UpdateHolder returns (SQLite may
// commit several writes in one transaction — group commit — but returns none before that commit).
package store

import (
	"context"
	"errors"
	"time"

	"github.com/pindesk/pindesk/model"
)

// Errors a Store returns besides the model's sentinels.
var (
	// ErrSchemaTooNew: the database was written by a newer pindesk; it is not touched.
	ErrSchemaTooNew = errors.New("the database was created by a newer version of pindesk")
	// ErrDuplicate: an import or token names an id that exists.
	ErrDuplicate = errors.New("already exists")
)

// MetaKeyCheck names the meta fact that holds the check value of the key the database's PINs are
// sealed with (secret.CheckValue): a process holding another key refuses to start.
const MetaKeyCheck = "key_check"

// MetaPreviousKeyCheck names the meta fact that holds the check value of the key the last
// rotation replaced, so a process still holding that key can be told the database was re-keyed.
const MetaPreviousKeyCheck = "key_check_previous"

// SealedPIN is one stored PIN of a holder: its state and its AES-GCM ciphertext.
type SealedPIN struct {
	model.PINState
	Sealed []byte // nil when the kind was cleared (the row keeps Previous)
	// Previous is the sealed PIN this one replaced, so a new PIN can be refused for equalling it.
	Previous []byte
}

// Holder is a holder's row as loaded under its lock.
type Holder struct {
	Ref         model.HolderRef
	Failures    int
	LockedSince *time.Time
	// HardLockedAt is set when the rolling cap of failures hard-locked the holder (see
	// HolderTx.RecordFailure); only the portal or an admin lifts it.
	HardLockedAt *time.Time
	PINs         []SealedPIN // every kind with a row, including cleared ones (Sealed == nil)
}

// State drops the secrets and cleared kinds.
func (h Holder) State(maxFailures int) model.HolderState {
	st := model.HolderState{Holder: h.Ref, Failures: h.Failures, MaxFailures: maxFailures, LockedSince: h.LockedSince,
		HardLocked: h.HardLockedAt != nil, PINs: []model.PINState{}}
	for _, p := range h.PINs {
		if p.Sealed != nil {
			st.PINs = append(st.PINs, p.PINState)
		}
	}
	return st
}

// IdempotencyKey is a client's idempotency key, in the scope of whoever sent it: "token:<id>" for
// an API token, "local:<operator>" in embedded mode.
type IdempotencyKey struct {
	Scope string
	Key   string
}

// Idempotent is a claimed idempotency key: the fingerprint of the request that claimed it (a keyed
// hash of account, holder, caller, channel and PIN — never the PIN), and once answered, the answer
// and the id of the audit event that recorded it.
type Idempotent struct {
	Fingerprint []byte
	Answered    bool // false while the claiming transaction has not stored its answer
	Result      model.VerifyResult
	EventID     int64
}

// HolderTx is what may be done to one holder inside UpdateHolder, all in one transaction.
type HolderTx interface {
	// Holder is the holder's row as it stood when the lock was taken.
	Holder() Holder
	// AddFailure adds one failure in a single atomic statement and, when the count reaches max,
	// sets the lock at now. It returns the count and lock as they stand after the statement.
	AddFailure(ctx context.Context, max int, now time.Time) (failures int, lockedSince *time.Time, err error)
	// ResetFailures sets the count to zero; the holder must not be locked.
	ResetFailures(ctx context.Context) error
	// Unlock clears the lock and the count (not the hard lock, nor the rolling window).
	Unlock(ctx context.Context) error
	// RecordFailure adds one counted failure at now to the holder's rolling window (one row per
	// failure), forgets those at or before now-window, and, when the failures left in the window
	// reach hardLockAt, hard-locks the holder at now and locks it (a lock already set keeps its
	// time). It returns the failures in the window, and the lock and hard lock as they stand after.
	// It runs inside the holder's lock, so the count is exact under any concurrency.
	RecordFailure(ctx context.Context, now time.Time, window time.Duration, hardLockAt int) (recent int, lockedSince, hardLockedAt *time.Time, err error)
	// ClearHardLock lifts the hard lock and forgets the rolling window (the customer or an admin
	// acted); the lock and the count are Unlock's.
	ClearHardLock(ctx context.Context) error
	// PutPIN stores the PIN of its kind, replacing the one there (which becomes Previous).
	PutPIN(ctx context.Context, pin SealedPIN) error
	// ClearPIN removes the PIN of the kind, keeping it as Previous; it reports whether one was there.
	ClearPIN(ctx context.Context, kind model.Kind) (bool, error)
	// SpendPIN marks the one-time PIN spent at now.
	SpendPIN(ctx context.Context, kind model.Kind, now time.Time) error
	// ClaimIdempotent claims key for this holder's request before anything is compared: it stores
	// the key with fingerprint, unanswered, alive until expires. When a live claim of the key exists
	// (made by any holder's transaction, on any server; one not yet committed is waited for), it
	// is returned with found true and nothing is stored. A claim expired at now is replaced.
	ClaimIdempotent(ctx context.Context, key IdempotencyKey, fingerprint []byte, now, expires time.Time) (prev Idempotent, found bool, err error)
	// SaveIdempotent stores the answer and its audit event's id on the key this transaction claimed
	// (if a ForgetIdempotent since has not dropped it).
	SaveIdempotent(ctx context.Context, key IdempotencyKey, result model.VerifyResult, eventID int64) error
	// ForgetIdempotent drops every key claimed for this holder but keep (the zero key keeps none):
	// after its state changed, a replay must not report the state before.
	ForgetIdempotent(ctx context.Context, keep IdempotencyKey) error
	// AppendAuditID is AppendAudit that returns the new event's id.
	AppendAuditID(ctx context.Context, e model.AuditEvent) (int64, error)
	// AppendAudit appends an event; it commits or rolls back with everything else.
	AppendAudit(ctx context.Context, e model.AuditEvent) error
	// Notify writes n to the outbox (see Outbox); it commits or rolls back with everything else.
	Notify(ctx context.Context, n model.Notice) error
	// The account's verification sessions (session.go).
	SessionTx
	// CountCodeSend counts a code emailed to this holder by scope (see CodeSends).
	CountCodeSend(ctx context.Context, scope string, now time.Time, window time.Duration, perHolder, perScope int) (CodeSends, error)
	// CloseApproval closes the pending approval request d.ID as approved (or void) in this
	// transaction, as Approvals.DecideApproval would, without appending d.Audit: the caller
	// appends the event of what it did.
	CloseApproval(ctx context.Context, d ApprovalDecision) error
	// DeskTx counts a desk's failures and paces a desk with an open alert (alert.go).
	DeskTx
}

// Token is an API token's record; the token itself is never stored, only its SHA-256.
type Token struct {
	ID        string
	Hash      []byte
	Operator  model.Operator
	CreatedAt time.Time
	RevokedAt *time.Time
}

// Store is the persistence a core needs.
type Store interface {
	// ImportAccounts creates or updates the accounts and their contacts, all or nothing, as
	// PlanImport works out from what is stored: a contact the file leaves out keeps its row and
	// holder state unless opts.Prune deletes it. It appends the plan's audit events in the same
	// transaction; a dry run writes nothing.
	ImportAccounts(ctx context.Context, accounts []model.Account, opts ImportOptions) (model.ImportResult, error)
	// SearchAccounts finds accounts as store/searchterm reads q: by a prefix of their number, or by
	// a name (the account's or one contact's) of which every word of q starts a word, accents
	// and case folded; a single word may also start an email, its local part or domain; a phone
	// matches in any format and by its last digits. Exact numbers rank first, then exact names,
	// emails and phones, then the rest, each in account-number order; each summary says what
	// matched and in which contact. It returns at most limit accounts after skipping offset.
	SearchAccounts(ctx context.Context, q string, limit, offset int) ([]model.AccountSummary, error)
	// Account returns the account with its contacts, or model.ErrUnknownAccount.
	Account(ctx context.Context, id string) (model.Account, error)
	// Holders returns the rows of the account's holders that have one (without locking).
	Holders(ctx context.Context, accountID string) ([]Holder, error)
	// UpdateHolder runs fn with the holder locked (its row created when absent) and commits when fn
	// returns nil; it rolls back on an error. At most one UpdateHolder of a holder runs at a time,
	// across goroutines, processes and servers sharing the database.
	UpdateHolder(ctx context.Context, h model.HolderRef, fn func(HolderTx) error) error
	// UpdateHolders is UpdateHolder for several holders of one account at once (a caller's own and
	// the account-wide holder): every holder is locked, in a fixed order whatever the order of refs,
	// before fn runs with their transactions in the order of refs, and everything fn does to any of
	// them commits or rolls back together. refs must be distinct holders of one account.
	UpdateHolders(ctx context.Context, refs []model.HolderRef, fn func([]HolderTx) error) error
	// ResetAccount revokes every PIN of the account, clears every lock, hard lock, count and
	// rolling window, forgets every idempotency key of its holders, and appends e and writes the
	// notices to the outbox, in one transaction.
	ResetAccount(ctx context.Context, accountID string, e model.AuditEvent, notices ...model.Notice) (model.ResetResult, error)
	// AppendAudit appends an event on its own (a change that touches no holder).
	AppendAudit(ctx context.Context, e model.AuditEvent) error
	// Audit returns events matching q, newest first.
	Audit(ctx context.Context, q model.AuditQuery) ([]model.AuditEvent, error)

	// The audit chains (auditchain.go).
	//
	// SetAuditChain gives the store the key every audit event it appends is chained under (the
	// core gives it its sealer's). A store given none refuses to append: an unchained event would
	// read as one inserted by hand. An append to a head recorded under another key is refused
	// (*ChainKeyError).
	SetAuditChain(k AuditKey)
	// ChainAuditHistory chains, from the genesis values and in id order, the events written before
	// the chains existed, in one transaction, and returns how many; once the chains have begun it
	// changes nothing (an unchained row after that is a forgery for verification to report).
	ChainAuditHistory(ctx context.Context) (int, error)
	// AuditHeads returns every chain's head, in chain order (Value nil before the history is
	// chained).
	AuditHeads(ctx context.Context) ([]AuditHead, error)
	// AuditAnchors returns, for every chain in chain order, its last chained event with an id
	// below before (Seq 0, Value nil, when it has none).
	AuditAnchors(ctx context.Context, before int64) ([]AuditHead, error)
	// ScanAudit calls fn with each stored event with an id above after, in id order (the order
	// they were appended in), in one snapshot, holding no more than one in memory. An error from
	// fn stops the scan and is returned.
	ScanAudit(ctx context.Context, after int64, fn func(ChainedEvent) error) error

	// Tokens for the REST server.
	CreateToken(ctx context.Context, t Token) error
	TokenByHash(ctx context.Context, hash []byte) (Token, error) // model.ErrUnauthorized when none
	Tokens(ctx context.Context) ([]Token, error)
	RevokeToken(ctx context.Context, id string, now time.Time) error // model.ErrInvalidInput when unknown

	// Meta returns a fact recorded about the database itself (see the meta table), and whether
	// one is recorded under name.
	Meta(ctx context.Context, name string) (value string, ok bool, err error)
	// PutMeta records value under name, replacing what was there.
	PutMeta(ctx context.Context, name, value string) error

	// The sealing key's record (see MetaKeyCheck).
	//
	// AddMeta records value under name unless a value is recorded there, and returns the value
	// that stands: so of two processes recording different values at once, both learn the winner.
	AddMeta(ctx context.Context, name, value string) (string, error)
	// AnySealedPIN returns one sealed value stored (a current or a previous PIN) and its holder,
	// so a key can be proved to open the database's PINs; ok is false when none is stored.
	AnySealedPIN(ctx context.Context) (ref model.HolderRef, sealed []byte, ok bool, err error)
	// RekeyPINs re-seals every stored PIN, current and previous, with reseal, sets MetaKeyCheck
	// from oldCheck to newCheck (and MetaPreviousKeyCheck to oldCheck), and appends e, all in one transaction that no PIN change can
	// run beside; it returns how many PIN rows it re-sealed. A reseal error, or a recorded check
	// other than oldCheck (another rotation ran first: model.ErrConflict), changes nothing.
	//
	// The audit chains' key comes from the key file too: given rechain (the new key's chain
	// function), the same transaction re-chains every audit event under it, refusing
	// (model.ErrConflict) a chain that does not verify under the old one, so a rotation never
	// launders a tampered history, and records newCheck in every head; e is then chained under
	// the new key, as is every later append of this store. Another process still holding the old
	// key is refused its appends from then on (*ChainKeyError).
	RekeyPINs(ctx context.Context, reseal func(ref model.HolderRef, sealed []byte) ([]byte, error), rechain ChainFunc, oldCheck, newCheck string, e model.AuditEvent) (int, error)

	// Outbox holds the notices for customers, written by HolderTx.Notify.
	Outbox
	// Disputes are the customers' "that wasn't me" (see Disputes).
	Disputes
	// VerifySessions are the callers' verification sessions (session.go).
	VerifySessions
	// LockBoard is the supervisors' lock board (see LockBoard).
	LockBoard
	// Approvals are dual control's requests (see Approvals).
	Approvals
	// Alerts are the anomaly alerts on desks (see Alerts).
	Alerts
	// SystemNotices are the outbox's notices about no account (see SystemNotices).
	SystemNotices

	Close() error
}

// Package model holds pindesk's domain: accounts, contacts, PIN holders and kinds, the PIN policy
// and generator, the outcome vocabulary of a verification, and the rules that decide it. It is pure
// code: no I/O, no clock of its own (callers pass "now"), no randomness but an injected reader.
//
// # Verification decision table
//
// Decide (see decide.go) applies these rows in order; the first that matches answers. Nothing
// after a row that answers is evaluated — in particular a locked holder is never compared.
//
//	#  condition                                         outcome         counted as failure  compared
//	1  the account's product uses no support PINs        not_applicable  no                  no
//	2  the holder is locked                              locked          no                  no
//	3  the holder has no PIN of any kind on file         no_pin          no                  no
//	4  entry equals an active PIN (unexpired, unspent)   verified        no; count reset     yes
//	5  entry equals an expired PIN                       expired         no                  yes
//	6  entry equals a spent one-time PIN                 spent           no                  yes
//	7  otherwise                                         mismatch        yes (+1)            yes
//	   ... and the failure that reaches MaxFailures locks the holder in the same step: it answers
//	   mismatch with 0 attempts left and LockedSince set; every later attempt answers locked (row 2).
//	   ... and the failure that brings the holder's counted failures within the last
//	   HardLockWindow (24 h) to HardLockFailures (20) HARD-LOCKS it in the same step, across
//	   any unlocks between them: it answers mismatch with 0 attempts left and LockedSince set,
//	   and the holder shows hard_locked; every later attempt answers locked (row 2).
//
// # Caller verification table
//
// An agent verifies who is calling (a contact), not a PIN holder: a caller cannot know whether the
// PIN they hold is their own or the account's account-wide one. DecideCaller (decide.go) considers
// the holders whose PIN the caller may give — the caller's own, then the account-wide holder — and
// applies these rows in order:
//
//	#  condition                                           outcome         effect
//	1  the account's product uses no support PINs          not_applicable  nothing compared
//	   ... each holder, in turn:
//	2  the holder is locked (or hard-locked)                 (skipped)      never compared; named in skipped
//	3  the holder has no active PIN (none, expired, spent)   (passed over)  never compared: it can verify nobody
//	4  otherwise                                             (compared)     every stored PIN of it compared
//	   ... then the answer:
//	5  no holder compared, one or more skipped             locked          nothing counted
//	6  no holder compared, none skipped                    no_pin          nothing counted
//	7  entry equals an active PIN of a compared holder     verified        that holder's count reset, a one-time PIN spent; other holders untouched
//	8  entry equals an expired PIN of a compared holder    expired         nothing counted
//	9  entry equals a spent one-time PIN of one            spent           nothing counted
//	10 otherwise                                           mismatch        +1 failure on EACH compared holder
//
// Row 10 counts once against each holder compared, with its own lock, rolling cap and notices
// (as rows 7 of the holder table), so no holder's PIN is ever compared more often than its lockout
// allows, whoever gives it. Row 3 keeps that true of a holder whose PINs all expired: comparing it
// would count against nothing. When active PINs of both holders match, the unconsumed kind wins
// (master, temporary, one-time), then the caller's own PIN. The answer names the holder and kind
// that matched ("matched the account-wide master PIN"), each holder compared with its attempts
// left, and each holder skipped as locked. A mismatch answers the most attempts left on any holder
// compared, and is locked once every holder compared is.
//
// The holders are locked together, in one transaction, before anything is read (store
// UpdateHolders), so concurrent callers of one account are decided one at a time.
//
// # Unlock rules
//
// An unlock (UnlockClearsWindow) is refused, changing nothing, in the first row that matches:
//
//	#  holder                                  role                     answer
//	1  hard-locked                             supervisor, trainer      ErrHardLocked (409 hard_locked)
//	2  not locked, no failures, not hard-lock  any                      ErrNotLocked
//	3  locked or with failures                 supervisor, trainer      lock and count cleared; the rolling window is kept
//	4  locked, with failures, or hard-locked   portal, admin            lock, count, hard lock and rolling window cleared
//
// So a supervisor's token that guesses, unlocks and guesses again compares at most
// HardLockFailures wrong PINs in any HardLockWindow; then the customer (through the portal) or an
// admin must act. The portal or an admin acting is a person with the right to the PINs, so their
// unlock starts the window afresh. An account reset revokes every PIN, so it clears hard locks and
// windows too: the guesses were at PINs that no longer exist.
//
// Rows 5 and 6 answer a caller who knows an old PIN: they are not guesses, so they neither count
// nor reset. Every stored PIN of the holder is compared, in constant time, whatever matched first,
// so the time taken does not tell which kind matched. When the entry equals active PINs of several
// kinds, the one that is not consumed wins (master, then temporary, then one-time), so a one-time
// PIN is spent only when it is the only match.
//
// An entry that is not a well-formed PIN (empty, a non-digit, a length outside the policy) is
// refused with ErrInvalidPIN before any of this: it is not compared, counted or audited.
//
// # PIN policy
//
// The default policy (DefaultPolicy) is 6 digits; lengths 4 to 12 are allowed by configuration. A
// generated or customer-chosen PIN may not repeat one digit more than MaxRepeat (3) places in a
// row, nor step up or down by one more than MaxSequenceSteps (3) times in a row, nor equal the
// holder's previous PIN of the kind. So 111234 passes (three 1s; 1→2→3→4 is three steps), 111123
// fails (four 1s), 123945 passes, 234567 and 987654 fail (five steps).
package model

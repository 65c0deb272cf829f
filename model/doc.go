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

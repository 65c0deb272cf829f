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

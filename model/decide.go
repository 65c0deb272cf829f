package model

import "time"

// Candidate is one stored PIN of the holder and whether the entry equalled it. The caller compares
// every stored PIN in constant time before deciding, so Decide never sees a secret.
type Candidate struct {
	PIN     PINState
	Matches bool
}

// Effect is the state change a decision asks for. The store applies it in the same transaction as
// the audit event, atomically with respect to every other verification of the holder.
type Effect int

const (
	EffectNone         Effect = iota // nothing changes (not applicable, locked, no PIN, expired, spent)
	EffectCountFailure               // failures+1, and lock when that reaches MaxFailures
	EffectSucceed                    // failures reset to 0; a matched one-time PIN is spent
)

// Decision is the outcome of Decide before the store has applied its effect. For EffectCountFailure
// the store's atomic increment fills in AttemptsLeft and LockedSince (see Counted).
type Decision struct {
	Result VerifyResult
	Effect Effect
	Spend  bool // the matched PIN is one-time and is spent by this verification
}

// Decide applies the decision table of the package doc. compare is called only when the table
// reaches the comparison row, so a locked holder is never compared; it returns one Candidate per
// stored PIN.
func Decide(p Policy, now time.Time, usesPINs bool, state HolderState, pins []PINState, compare func() []Candidate) Decision {
	res := VerifyResult{MaxAttempts: p.MaxFailures, AttemptsLeft: attemptsLeft(p, state.Failures)}
	switch {
	case !usesPINs:
		res.Outcome = OutcomeNotApplicable
		return Decision{Result: res}
	case state.LockedSince != nil:
		res.Outcome, res.AttemptsLeft, res.LockedSince = OutcomeLocked, 0, state.LockedSince
		return Decision{Result: res}
	case len(pins) == 0:
		res.Outcome = OutcomeNoPIN
		return Decision{Result: res}
	}
	var active, expired, spent *PINState
	for _, c := range compare() {
		if !c.Matches {
			continue
		}
		pin := c.PIN
		switch {
		case pin.Active(now):
			if active == nil || rank(pin.Kind) < rank(active.Kind) {
				active = &pin
			}
		case pin.Expired(now):
			expired = &pin
		default:
			spent = &pin
		}
	}
	switch {
	case active != nil:
		res.Outcome, res.MatchedKind, res.ExpiresAt = OutcomeVerified, active.Kind, active.ExpiresAt
		res.AttemptsLeft = p.MaxFailures
		return Decision{Result: res, Effect: EffectSucceed, Spend: active.Kind == KindOneTime}
	case expired != nil:
		res.Outcome, res.MatchedKind, res.ExpiresAt = OutcomeExpired, expired.Kind, expired.ExpiresAt
		return Decision{Result: res}
	case spent != nil:
		res.Outcome, res.MatchedKind, res.SpentAt = OutcomeSpent, spent.Kind, spent.SpentAt
		return Decision{Result: res}
	}
	res.Outcome = OutcomeMismatch
	return Decision{Result: res, Effect: EffectCountFailure}
}

// Counted completes a mismatch decision with the failure count the store's atomic increment
// returned and the lock it may have set (by MaxFailures, or by the rolling cap before that: then
// no attempt is left either).
func (d Decision) Counted(p Policy, failures int, lockedSince *time.Time) Decision {
	d.Result.AttemptsLeft = attemptsLeft(p, failures)
	d.Result.LockedSince = lockedSince
	if lockedSince != nil {
		d.Result.AttemptsLeft = 0
	}
	return d
}

// HardLocks reports whether recent counted failures within the policy's window reach the rolling
// cap: the failure that brings them to HardLockFailures hard-locks the holder.
func (p Policy) HardLocks(recent int) bool { return recent >= p.HardLockFailures }

// UnlockClearsWindow reports whether role may unlock a holder in state st, and whether the unlock
// also forgets the holder's recent failures (the rolling window) and its hard lock. See the unlock
// rows of the package doc: a hard-locked holder is unlocked only by the portal (the customer acts)
// or an admin; a supervisor's or trainer's unlock clears the lock and the count but keeps the
// window, so unlocking again and again cannot buy more than HardLockFailures guesses a window.
func UnlockClearsWindow(role OperatorRole, st HolderState) (clearsWindow bool, err error) {
	customerOrAdmin := role == OpPortal || role == OpAdmin
	switch {
	case st.HardLocked && !customerOrAdmin:
		return false, ErrHardLocked
	case st.LockedSince == nil && st.Failures == 0 && !st.HardLocked:
		return false, ErrNotLocked
	}
	return customerOrAdmin, nil
}

func attemptsLeft(p Policy, failures int) int {
	if left := p.MaxFailures - failures; left > 0 {
		return left
	}
	return 0
}

func rank(k Kind) int {
	for i, x := range Kinds {
		if x == k {
			return i
		}
	}
	return len(Kinds)
}

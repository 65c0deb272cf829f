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
		return Decision{Result: res, Effect: EffectSucceed, Spend: active.Kind.OneUse()}
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

// CallerDecision is the outcome of DecideCaller before the store has applied its effects. Holders
// are named by their index in DecideCaller's holders.
type CallerDecision struct {
	Result  VerifyResult
	Matched int  // the holder whose PIN the entry equalled (verified, expired, spent), or -1
	Succeed bool // verified: the matched holder's count resets; Spend: its one-time PIN is spent
	Spend   bool
	// Count are the holders a mismatch counts one failure against: every holder compared.
	Count []int
}

// DecideCaller applies the caller table of the package doc to the holders whose PIN caller may
// give: their own first, then the account-wide one. compare(i) is called only for the holders the
// table compares (unlocked, with an active PIN) and returns one Candidate per stored PIN of
// holder i; a locked holder is never compared.
func DecideCaller(p Policy, now time.Time, usesPINs bool, holders []HolderState, compare func(i int) []Candidate) CallerDecision {
	d := CallerDecision{Matched: -1}
	res := &d.Result
	res.MaxAttempts = p.MaxFailures
	res.AttemptsLeft = p.MaxFailures
	if len(holders) > 0 {
		res.AttemptsLeft = attemptsLeft(p, holders[0].Failures)
	}
	if !usesPINs {
		res.Outcome = OutcomeNotApplicable
		return d
	}
	var compared []int
	for i, h := range holders {
		switch {
		case h.Locked():
			res.Skipped = append(res.Skipped, HolderCheck{Holder: h.Holder.ContactID, LockedSince: h.LockedSince, HardLocked: h.HardLocked})
		case hasActive(h.PINs, now):
			compared = append(compared, i)
		}
	}
	if len(compared) == 0 {
		if len(res.Skipped) > 0 {
			res.Outcome, res.AttemptsLeft, res.LockedSince = OutcomeLocked, 0, res.Skipped[0].LockedSince
			return d
		}
		res.Outcome = OutcomeNoPIN
		return d
	}
	type match struct {
		holder int
		pin    PINState
	}
	var active, expired, spent *match
	for _, i := range compared {
		for _, c := range compare(i) { // every holder compared is compared in full, whatever matched
			if !c.Matches {
				continue
			}
			m := match{i, c.PIN}
			switch {
			case c.PIN.Active(now):
				// The unconsumed kind first; between holders, the caller's own (compared first).
				if active == nil || rank(m.pin.Kind) < rank(active.pin.Kind) {
					active = &m
				}
			case c.PIN.Expired(now):
				if expired == nil {
					expired = &m
				}
			default:
				if spent == nil {
					spent = &m
				}
			}
		}
	}
	check := func(i int) HolderCheck {
		h := holders[i]
		return HolderCheck{Holder: h.Holder.ContactID, AttemptsLeft: attemptsLeft(p, h.Failures)}
	}
	for _, i := range compared {
		res.Compared = append(res.Compared, check(i))
	}
	var m *match
	switch {
	case active != nil:
		m = active
		res.Outcome, res.ExpiresAt = OutcomeVerified, m.pin.ExpiresAt
		d.Succeed, d.Spend = true, m.pin.Kind.OneUse()
	case expired != nil:
		m = expired
		res.Outcome, res.ExpiresAt = OutcomeExpired, m.pin.ExpiresAt
	case spent != nil:
		m = spent
		res.Outcome, res.SpentAt = OutcomeSpent, m.pin.SpentAt
	default:
		res.Outcome = OutcomeMismatch
		d.Count = compared
		return d.Counted(p, nil)
	}
	d.Matched = m.holder
	res.MatchedKind, res.MatchedHolder = m.pin.Kind, holders[m.holder].Holder.ContactID
	res.AttemptsLeft = attemptsLeft(p, holders[m.holder].Failures)
	if d.Succeed {
		res.AttemptsLeft = p.MaxFailures
		for j := range res.Compared {
			if res.Compared[j].Holder == res.MatchedHolder {
				res.Compared[j].AttemptsLeft = p.MaxFailures
			}
		}
	}
	return d
}

// HolderCount is how a holder stands after the store counted a failure against it.
type HolderCount struct {
	Failures    int
	LockedSince *time.Time
	HardLocked  bool
}

// Counted completes a mismatch with how each holder of d.Count stands after its count (in the
// order of d.Count; nil before counting): each holder's attempts left and lock, and the answer as
// a whole — the most attempts left on any holder compared, and locked once none is left.
func (d CallerDecision) Counted(p Policy, counts []HolderCount) CallerDecision {
	res := &d.Result
	res.Compared = append([]HolderCheck(nil), res.Compared...)
	for j, c := range counts {
		if j >= len(res.Compared) {
			break
		}
		hc := &res.Compared[j]
		hc.Counted, hc.AttemptsLeft, hc.LockedSince, hc.HardLocked = true, attemptsLeft(p, c.Failures), c.LockedSince, c.HardLocked
		if c.LockedSince != nil {
			hc.AttemptsLeft = 0
		}
	}
	res.AttemptsLeft, res.LockedSince = 0, nil
	for _, hc := range res.Compared {
		res.AttemptsLeft = max(res.AttemptsLeft, hc.AttemptsLeft)
		if hc.LockedSince != nil && (res.LockedSince == nil || hc.LockedSince.After(*res.LockedSince)) {
			res.LockedSince = hc.LockedSince
		}
	}
	if res.AttemptsLeft > 0 {
		res.LockedSince = nil
	}
	return d
}

func hasActive(pins []PINState, now time.Time) bool {
	for _, p := range pins {
		if p.Active(now) {
			return true
		}
	}
	return false
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

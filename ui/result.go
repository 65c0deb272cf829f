package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/pindesk/pindesk/model"
)

// resultScreen is the answer to a verification, in a panel: a badge (symbol and word), what it
// means, and the one line the agent says next.
type resultScreen struct {
	c    *common
	ans  *verifyMsg
	w, h int
}

func newResultScreen(c *common) *resultScreen { return &resultScreen{c: c} }

func (s *resultScreen) title() string    { return "result" }
func (s *resultScreen) text() textMode   { return textNone }
func (s *resultScreen) setSize(w, h int) { s.w, s.h = w, h }
func (s *resultScreen) reset()           { s.ans = nil }
func (s *resultScreen) show(m verifyMsg) { s.ans = &m }

func (s *resultScreen) locked() bool {
	return s.ans != nil && (s.ans.res.Outcome == model.OutcomeLocked || s.ans.res.LockedSince != nil)
}

func (s *resultScreen) helpTitle() string { return "Result" }

func (s *resultScreen) FullHelp() [][]key.Binding {
	k := s.c.keys.Result
	return [][]key.Binding{{k.Again, k.Unlock, k.Account}}
}

func (s *resultScreen) ShortHelp() []key.Binding {
	k := s.c.keys.Result
	out := []key.Binding{}
	if s.canRetry() {
		out = append(out, k.Again)
	}
	if s.locked() {
		out = append(out, k.Unlock)
	}
	return append(out, k.Account)
}

// canRetry reports whether another PIN may usefully be typed for this holder.
func (s *resultScreen) canRetry() bool {
	if s.ans == nil || s.locked() {
		return false
	}
	switch s.ans.res.Outcome {
	case model.OutcomeMismatch, model.OutcomeExpired, model.OutcomeSpent, model.OutcomeNoPIN:
		return true
	}
	return false
}

func (s *resultScreen) update(msg tea.Msg) action {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok || s.ans == nil {
		return nil
	}
	k := s.c.keys.Result
	switch {
	case key.Matches(km, k.Again) && s.canRetry():
		return pick{holder: s.ans.holder, caller: s.ans.caller}
	case key.Matches(km, k.Unlock) && s.locked():
		return openDialog{kind: dialogUnlock, holder: s.lockedHolder()}
	case key.Matches(km, k.Account):
		return goTo{scrAccount}
	}
	return nil
}

// lockedHolder is the holder an unlock from the result is for: the caller's own when it is locked,
// else the account-wide one the answer names locked.
func (s *resultScreen) lockedHolder() string {
	r := s.ans.res
	for _, list := range [][]model.HolderCheck{r.Compared, r.Skipped} {
		for _, h := range list {
			if h.LockedSince != nil && h.Holder == s.ans.holder {
				return h.Holder
			}
		}
	}
	for _, list := range [][]model.HolderCheck{r.Compared, r.Skipped} {
		for _, h := range list {
			if h.LockedSince != nil {
				return h.Holder
			}
		}
	}
	return s.ans.holder
}

// whosePIN names a holder's PIN from the caller's side: "the account-wide" or "their own".
func (s *resultScreen) whosePIN(holder string) string {
	if holder == model.AccountWide {
		return "the account-wide"
	}
	return "their own"
}

// holderFacts are what a caller's verification did with each holder: attempts left on those
// compared (after a mismatch), and those skipped as locked.
func (s *resultScreen) holderFacts() []string {
	r := s.ans.res
	var out []string
	if r.Outcome == model.OutcomeMismatch && len(r.Compared) > 1 {
		var parts []string
		for _, h := range r.Compared {
			if h.LockedSince != nil {
				parts = append(parts, fmt.Sprintf("%s PIN now LOCKED", s.whosePIN(h.Holder)))
			} else {
				parts = append(parts, fmt.Sprintf("%d of %d left on %s PIN", h.AttemptsLeft, r.MaxAttempts, s.whosePIN(h.Holder)))
			}
		}
		out = append(out, "Counted against each PIN compared: "+strings.Join(parts, "; ")+".")
	}
	if r.Outcome == model.OutcomeLocked && len(r.Skipped) < 2 {
		return out // the lock is the answer itself
	}
	for _, h := range r.Skipped {
		what := "LOCKED"
		if h.HardLocked {
			what = "HARD-LOCKED"
		}
		out = append(out, fmt.Sprintf("Not checked: %s PIN is %s.", s.whosePIN(h.Holder), what))
	}
	return out
}

// explain is what a result means and what to say, line by line.
type explain struct {
	facts  []string
	script string
	action string // what the agent (or a supervisor) does next
}

func (s *resultScreen) explain() explain {
	r := s.ans.res
	now, loc := s.ans.now, s.c.loc
	supervisor := s.c.may(model.PermUnlock)
	var e explain
	switch r.Outcome {
	case model.OutcomeVerified:
		which := string(r.MatchedKind)
		if r.MatchedHolder != "" {
			which = s.whosePIN(r.MatchedHolder) + " " + which
		}
		switch {
		case r.MatchedKind == model.KindEmailed:
			e.facts = append(e.facts, "Verified by emailed code: the caller read back the code sent to their email. It is now used up.")
		case r.MatchedKind == model.KindOneTime:
			e.facts = append(e.facts, fmt.Sprintf("Matched %s PIN. It is now used up and cannot be given again.", which))
		case r.ExpiresAt == nil:
			e.facts = append(e.facts, fmt.Sprintf("Matched %s PIN, which never expires.", which))
		default:
			e.facts = append(e.facts, fmt.Sprintf("Matched %s PIN; it expires in %s (%s).", which, span(r.ExpiresAt.Sub(now)), stamp(*r.ExpiresAt, loc)))
		}
		e.script = "Thank you, you're verified. How can I help you today?"
	case model.OutcomeMismatch:
		if r.LockedSince != nil {
			e.facts = append(e.facts, fmt.Sprintf("0 of %d attempts left: the PIN is now LOCKED (since %s).", r.MaxAttempts, stamp(*r.LockedSince, loc)))
			if supervisor {
				e.script = "That didn't match; your PIN is now locked. Let me check another way."
				e.action = "Supervisor: confirm the caller's identity another way, then unlock (u)."
			} else {
				e.script = "That didn't match, so your PIN is now locked. I'll get a supervisor."
				e.action = "Transfer the call to a supervisor, who can unlock the PIN."
			}
		} else {
			e.facts = append(e.facts, fmt.Sprintf("%d of %d attempts left before the PIN locks.", r.AttemptsLeft, r.MaxAttempts))
			e.script = "That PIN doesn't match. Could you check it and read it to me again?"
			e.action = "enter: type the PIN again."
		}
	case model.OutcomeExpired:
		if r.ExpiresAt != nil {
			e.facts = append(e.facts, fmt.Sprintf("The %s PIN expired %s ago, at %s.", r.MatchedKind, span(now.Sub(*r.ExpiresAt)), stamp(*r.ExpiresAt, loc)))
		} else {
			e.facts = append(e.facts, "The PIN has expired.")
		}
		e.facts = append(e.facts, "Not counted as a wrong attempt.")
		e.script = "That PIN has expired. Please create a new one in your portal."
		e.action = "enter: type the new PIN once the caller has it."
	case model.OutcomeLocked:
		if r.LockedSince != nil {
			e.facts = append(e.facts, fmt.Sprintf("Locked since %s (%s ago). The PIN was not checked.", stamp(*r.LockedSince, loc), span(now.Sub(*r.LockedSince))))
		} else {
			e.facts = append(e.facts, "Locked. The PIN was not checked.")
		}
		if supervisor {
			e.script = "Your PIN is locked. Let me confirm who you are another way."
			e.action = "Supervisor: confirm the caller's identity another way, then unlock (u)."
		} else {
			e.script = "Your PIN is locked. I'll pass you to a supervisor who can help."
			e.action = "Transfer the call to a supervisor, who can unlock the PIN."
		}
	case model.OutcomeSpent:
		if r.SpentAt != nil {
			e.facts = append(e.facts, fmt.Sprintf("This one-time PIN was already used at %s (%s ago).", stamp(*r.SpentAt, loc), span(now.Sub(*r.SpentAt))))
		} else {
			e.facts = append(e.facts, "This one-time PIN was already used.")
		}
		e.facts = append(e.facts, "Not counted as a wrong attempt.")
		e.script = "That one-time PIN was already used. Please create a new one."
		e.action = "enter: type the new PIN once the caller has it."
	case model.OutcomeNoPIN:
		e.facts = append(e.facts, "There is no PIN on file for "+s.who()+". Not counted as a wrong attempt.")
		e.script = "There's no PIN on file yet. Please create one in your portal now."
		e.action = "enter: type the PIN once the caller has created it."
	case model.OutcomeNotApplicable:
		product := ""
		if v := s.c.call.view; v != nil {
			product = v.Account.Product
		}
		e.facts = append(e.facts, fmt.Sprintf("The product %q uses no support PIN. Nothing was checked.", product))
		e.script = "This service has no PIN; let me ask you a few security questions."
		e.action = "Verify the caller by your usual security questions."
	default:
		e.facts = append(e.facts, "The server gave an answer this app does not know. Treat the caller as NOT verified.")
		e.script = "I'm sorry, I can't confirm your PIN right now."
	}
	e.facts = append(e.facts, s.holderFacts()...)
	return e
}

func (s *resultScreen) who() string {
	v := s.c.call.view
	if v == nil {
		return "this holder"
	}
	return whoLabel(v.Account, s.ans.holder, s.ans.caller)
}

func (s *resultScreen) view() string {
	st := s.c.st
	if s.ans == nil {
		return ""
	}
	e := s.explain()
	w := min(s.w, maxPanel)
	inner := max(w-4, 20) // border and padding
	acct := ""
	if v := s.c.call.view; v != nil {
		acct = " · " + v.Account.Number + " " + v.Account.Name
	}
	rec := fmt.Sprintf("Recorded in the audit trail: %s call, %s (%s).", s.c.call.channel, safe(s.c.op.Name), s.c.op.Role)
	if s.ans.res.Outcome == model.OutcomeNotApplicable {
		rec = "Nothing was sent or recorded: this product has no PINs."
	}
	recLines := styleLines(st.Faint, wrap(rec, s.w))
	// On a short terminal the panel gives up its blank lines, then the line under it, before it
	// would lose its border or the next step off the bottom.
	for _, roomy := range []bool{true, false} {
		var lines []string
		gap := func() {
			if roomy {
				lines = append(lines, "")
			}
		}
		lines = append(lines, outcomeBadge(s.ans.res).render(st))
		gap()
		lines = append(lines, wrap(st.Bold.Render(s.who())+st.Subtle.Render(acct), inner)...)
		for _, f := range e.facts {
			lines = append(lines, wrap(f, inner)...)
		}
		gap()
		lines = append(lines, wrap(st.Label.Render("Say: ")+st.Script.Render("“"+e.script+"”"), inner)...)
		if e.action != "" {
			gap()
			lines = append(lines, styleLines(st.Subtle, wrap(e.action, inner))...)
		}
		panel := st.Panel.Width(w).Render(strings.Join(lines, "\n"))
		switch n := lipgloss.Height(panel); {
		case n+len(recLines) <= s.h:
			return panel + "\n" + strings.Join(recLines, "\n")
		case !roomy && n <= s.h:
			return panel
		case !roomy:
			return panel + "\n" + strings.Join(recLines, "\n") // the root scrolls it (pgdn)
		}
	}
	return ""
}

// wrap breaks styled text to lines of at most w cells, between words. The wrapper also breaks
// after every hyphen, which would split a date ("2026-" / "05-04 14:00") or an account number over
// two lines: hyphens are held as non-breaking ones while it wraps.
func wrap(s string, w int) []string {
	const nbHyphen = "\u2011"
	if strings.Contains(s, nbHyphen) {
		return strings.Split(lipgloss.Wrap(s, w, " "), "\n")
	}
	wrapped := lipgloss.Wrap(strings.ReplaceAll(s, "-", nbHyphen), w, " ")
	return strings.Split(strings.ReplaceAll(wrapped, nbHyphen, "-"), "\n")
}

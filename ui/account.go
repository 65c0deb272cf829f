package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/pindesk/pindesk/model"
)

// accountScreen shows the open account: its product, whether support PINs apply, the account-wide
// PIN's state (when it has one) and who may call: each contact, with the PINs they may give. The
// agent picks who is calling, never which PIN they hold: the core compares the caller's own PINs
// and the account-wide ones (a caller cannot know which kind they have).
type accountScreen struct {
	c      *common
	cursor int // over the rows: the account-wide PIN's (for its state and unlock), then each contact
	w, h   int
}

func newAccountScreen(c *common) *accountScreen { return &accountScreen{c: c} }

func (s *accountScreen) text() textMode   { return textNone }
func (s *accountScreen) setSize(w, h int) { s.w, s.h = w, h }
func (s *accountScreen) reset()           { s.cursor = 0 }

func (s *accountScreen) title() string {
	if v := s.c.call.view; v != nil {
		return "account " + v.Account.Number
	}
	return "account"
}

// loaded keeps the cursor on the same row when the view is reloaded.
func (s *accountScreen) loaded() {
	if v := s.c.call.view; v != nil {
		s.cursor = min(s.cursor, max(len(s.rows())-1, 0))
	}
}

func (s *accountScreen) helpTitle() string { return "Account" }

func (s *accountScreen) ShortHelp() []key.Binding {
	k := s.c.keys.Account
	return []key.Binding{k.Choose, k.Unlock, k.Audit, s.c.keys.Global.Back}
}

func (s *accountScreen) FullHelp() [][]key.Binding {
	k := s.c.keys.Account
	return [][]key.Binding{{k.Choose, k.Up, k.Down, k.Unlock, k.Reset, k.Audit, k.Refresh, k.ClearDispute}}
}

// rows are the holders the agent can pick. The account-wide holder is left out while it has no
// PIN, no failures and no lock: a "no PIN" line for a PIN the account never used would only make
// the agent wonder. (Reloading shows it as soon as the customer creates one.)
func (s *accountScreen) rows() []model.HolderState {
	v := s.c.call.view
	if v == nil {
		return nil
	}
	out := make([]model.HolderState, 0, len(v.Holders))
	for _, h := range v.Holders {
		if h.Holder.IsAccountWide() && len(h.PINs) == 0 && h.Failures == 0 && !h.Locked() {
			continue
		}
		out = append(out, h)
	}
	return out
}

func (s *accountScreen) holder() (model.HolderState, bool) {
	rows := s.rows()
	if s.cursor < 0 || s.cursor >= len(rows) {
		return model.HolderState{}, false
	}
	return rows[s.cursor], true
}

func (s *accountScreen) update(msg tea.Msg) action {
	km, ok := msg.(tea.KeyPressMsg)
	v := s.c.call.view
	if !ok || v == nil {
		if ok && key.Matches(km, s.c.keys.Global.Back) {
			return goTo{scrSearch}
		}
		return nil
	}
	k := s.c.keys.Account
	switch {
	case key.Matches(km, k.Up):
		s.cursor = max(s.cursor-1, 0)
	case key.Matches(km, k.Down):
		s.cursor = min(s.cursor+1, max(len(s.rows())-1, 0))
	case key.Matches(km, k.Choose):
		h, ok := s.holder()
		if !ok {
			return nil
		}
		if h.Holder.IsAccountWide() {
			// The account does not call: a contact gives its PIN. The cursor moves to them.
			if len(v.Account.Contacts) == 0 {
				return say{toneWarn, "This account has no contacts to give the account-wide PIN."}
			}
			s.cursor++
			return say{toneInfo, "Any contact may give the account-wide PIN: pick who is calling."}
		}
		if v.Account.UsesPINs && !callerHasPIN(*v, h.Holder.ContactID, s.c.call.now) {
			return say{toneWarn, noPINText}
		}
		return pick{holder: h.Holder.ContactID, caller: h.Holder.ContactID}
	case key.Matches(km, k.Unlock):
		h, ok := s.holder()
		if !ok {
			return nil
		}
		if !h.Locked() && h.Failures == 0 {
			return say{toneInfo, holderName(v.Account, h.Holder.ContactID) + " is not locked and has no failed attempts: nothing to unlock."}
		}
		return openDialog{kind: dialogUnlock, holder: h.Holder.ContactID}
	case key.Matches(km, k.Reset):
		return openDialog{kind: dialogReset}
	case key.Matches(km, k.ClearDispute):
		if len(v.Disputes) == 0 {
			return say{toneInfo, "This account has no open dispute: nothing to clear."}
		}
		return openDialog{kind: dialogClearDispute, holder: v.Disputes[0].ID}
	case key.Matches(km, k.Audit):
		return goTo{scrAudit}
	case key.Matches(km, k.Refresh):
		return do(wait{"Reloading the account"}, run(s.c.io.account(s.c.call.id, v.Account.ID)))
	case key.Matches(km, s.c.keys.Global.Back):
		return goTo{scrSearch}
	}
	return nil
}

func (s *accountScreen) view() string {
	st := s.c.st
	v := s.c.call.view
	if v == nil {
		return st.Subtle.Render("Loading the account…")
	}
	a := v.Account
	now := s.c.call.now
	var b strings.Builder
	b.WriteString(st.Title.Render(a.Number+" · "+a.Name) + "\n")
	pins := badge{"✓", "used", toneGood}
	if !a.UsesPINs {
		pins = outcomeBadges[model.OutcomeNotApplicable]
	}
	b.WriteString(strings.Join(wrap(st.Label.Render("Product: ")+a.Product+st.Label.Render("   Support PINs: ")+pins.text(st), s.w), "\n") + "\n")
	if !a.UsesPINs {
		b.WriteString(strings.Join(styleLines(st.Subtle, wrap("Verify callers on this account by the usual security questions.", s.w)), "\n") + "\n")
	} else {
		b.WriteString(st.Subtle.Render(fmt.Sprintf("PIN: %s · %d wrong tries lock it.", s.c.policyLength(), s.c.policy.MaxFailures)) + "\n")
	}
	// The banner takes the blank line's place, so the screen keeps its height at 80×24.
	if len(v.Disputes) > 0 {
		b.WriteString(st.tone(toneBad).Render(clip(disputeBanner(v, s.c.loc, s.c.keys.Account.ClearDispute.Enabled()), s.w)) + "\n")
	} else {
		b.WriteString("\n")
	}

	b.WriteString(st.Bold.Render("Who is calling?") + "\n")
	nameW := min(max(s.w*3/8, 20), 36)
	if s.w < 70 {
		nameW = max(s.w*3/10, 16) // the PINs and lock time need the room more than the name
	}
	stateW := 14
	detailW := max(s.w-2-nameW-stateW-2, 10)
	b.WriteString(st.Label.Render("  "+fit("CALLER", nameW)+" "+fit("STATE", stateW)+" "+fit("PINS", detailW)) + "\n")
	rows := s.rows()
	// A holder's PINs or lock time too long for their column go on under it, in the column: a
	// lock time is never cut. So a row may take more than one line, and the window is in lines.
	names := make([][]string, len(rows))
	details := make([][]string, len(rows))
	badges := make([]badge, len(rows))
	for i, h := range rows {
		name := holderName(a, h.Holder.ContactID)
		if h.Holder.IsAccountWide() {
			name += " (any contact)"
		} else if c, ok := a.Contact(h.Holder.ContactID); ok {
			name += " · " + string(c.Role)
		}
		names[i] = wrap(name, nameW)
		// A contact's row speaks for the caller: the PINs they may give, their own and the
		// account-wide ones (see callerBadge); the account-wide row for that holder alone.
		bd, detail := holderBadge(h, a.UsesPINs, now), holderDetail(h, a.UsesPINs, now, s.c.loc)
		if !h.Holder.IsAccountWide() && a.UsesPINs {
			bd, detail = callerBadge(*v, h, now, s.c.loc)
		}
		badges[i] = bd
		details[i] = wrap(detail, detailW)
		for len(names[i]) < len(details[i]) {
			names[i] = append(names[i], "")
		}
		for len(details[i]) < len(names[i]) {
			details[i] = append(details[i], "")
		}
	}
	fits := func(room int) (int, int) {
		for n := room; ; n-- {
			from, to := window(len(rows), s.cursor, n)
			used := 0
			for i := from; i < to; i++ {
				used += len(details[i])
			}
			if used <= room || n <= 1 {
				return from, to
			}
		}
	}
	from, to := fits(s.h - 8)
	if from > 0 || to < len(rows) {
		from, to = fits(s.h - 9)
		b.WriteString(st.Faint.Render(fmt.Sprintf("  (%d–%d of %d holders; ↑/↓ scroll)", from+1, to, len(rows))) + "\n")
	}
	blank := strings.Repeat(" ", stateW)
	for i := from; i < to; i++ {
		name := names[i][0]
		bd := badges[i]
		line := fit(name, nameW) + " " + fit(bd.String(), stateW) + " " + fit(details[i][0], detailW)
		if i == s.cursor {
			b.WriteString(st.Selected.Render("› "+line) + "\n")
		} else {
			b.WriteString("  " + fit(name, nameW) + " " + st.tone(bd.tone).Render(fit(bd.String(), stateW)) + " " + fit(details[i][0], detailW) + "\n")
		}
		for j := 1; j < len(names[i]); j++ {
			more := "  " + fit(names[i][j], nameW) + " " + blank + " " + fit(details[i][j], detailW)
			if i == s.cursor {
				more = st.Selected.Render(more)
			}
			b.WriteString(more + "\n")
		}
	}
	b.WriteString("\n")
	if h, ok := s.holder(); ok {
		b.WriteString(strings.Join(styleLines(st.Subtle, wrap(s.contactLine(a, h), s.w)), "\n"))
		if !h.Holder.IsAccountWide() && a.UsesPINs && !callerHasPIN(*v, h.Holder.ContactID, now) {
			b.WriteString("\n" + strings.Join(styleLines(st.tone(toneWarn), wrap("∅ "+noPINText, s.w)), "\n"))
		}
	}
	return b.String()
}

// noPINText is what the agent is told of a caller with no active PIN, own or account-wide.
const noPINText = "No PIN: ask the customer to create one in the portal."

// callerHasPIN reports whether the contact may give any active PIN: their own or the account-wide
// one. Without one there is nothing to ask the caller for (a lock is another matter: it is told).
func callerHasPIN(v model.AccountView, contactID string, now time.Time) bool {
	for _, id := range []string{contactID, model.AccountWide} {
		if h, ok := v.Holder(id); ok && hasActivePIN(h, now) {
			return true
		}
	}
	return false
}

func hasActivePIN(h model.HolderState, now time.Time) bool {
	for _, p := range h.PINs {
		if p.Active(now) {
			return true
		}
	}
	return false
}

// callerBadge sums up what a caller may give: their own PIN's state, or when they have no active
// PIN of their own, the account-wide PIN's.
func callerBadge(v model.AccountView, own model.HolderState, now time.Time, loc *time.Location) (badge, string) {
	bd, detail := holderBadge(own, true, now), holderDetail(own, true, now, loc)
	wide, ok := v.Holder(model.AccountWide)
	if !ok || !hasActivePIN(wide, now) {
		return bd, detail
	}
	switch {
	case own.Locked() || hasActivePIN(own, now):
		if detail != "" {
			detail += " · "
		}
		return bd, detail + "or account-wide"
	case wide.Locked():
		return holderBadge(wide, true, now), "account-wide PIN locked"
	}
	return badge{"✓", "ACCOUNT-WIDE", toneGood}, "may give the account-wide PIN"
}

// contactLine shows the selected contact's details, to help the agent be sure who is calling.
func (s *accountScreen) contactLine(a model.Account, h model.HolderState) string {
	if h.Holder.IsAccountWide() {
		names := make([]string, len(a.Contacts))
		for i, c := range a.Contacts {
			names[i] = c.Name
		}
		return "Any contact may give it: " + strings.Join(names, ", ")
	}
	c, ok := a.Contact(h.Holder.ContactID)
	if !ok {
		return ""
	}
	parts := []string{c.Name, string(c.Role)}
	for _, p := range []string{c.Email, c.Phone} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " · ")
}

// window is the range of n rows to draw in h lines so that row cur is among them.
func window(n, cur, h int) (from, to int) {
	h = max(h, 1)
	if n <= h {
		return 0, n
	}
	from = min(max(cur-h/2, 0), n-h)
	return from, from + h
}

// policyLength says how long a PIN is under the policy in force.
func (c *common) policyLength() string {
	p := c.policy
	if p.MinLength == p.MaxLength {
		return fmt.Sprintf("%d digits", p.MinLength)
	}
	return fmt.Sprintf("%d to %d digits", p.MinLength, p.MaxLength)
}

// disputeBanner tells every agent that the customer disputed a notice ("that wasn't me"): since
// when, about whom, and for a supervisor the key that clears it. It shows nothing the customer
// wrote: that is in the audit trail.
func disputeBanner(v *model.AccountView, loc *time.Location, mayClear bool) string {
	d := v.Disputes[0]
	text := "⚠ DISPUTED " + stamp(d.Time, loc) + " · " + holderName(v.Account, d.Holder) + " says: that wasn't me"
	if n := len(v.Disputes); n > 1 {
		text += fmt.Sprintf(" (+%d more)", n-1)
	}
	if mayClear {
		text += " · D clears"
	}
	return text
}

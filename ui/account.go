package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/pindesk/pindesk/model"
)

// accountScreen shows the open account: its product, whether support PINs apply, and every PIN
// holder (the account-wide PIN first, then each contact) with its state. The agent picks who is
// calling; for the account-wide PIN a second step asks which contact is giving it.
type accountScreen struct {
	c       *common
	cursor  int  // over the holders
	picking bool // choosing the contact who gives the account-wide PIN
	caller  int  // over the contacts, while picking
	// focusOn is the contact to put the cursor on when the account loads: the one whose name,
	// email or phone the search matched, most likely the caller.
	focusOn string
	w, h    int
}

func newAccountScreen(c *common) *accountScreen { return &accountScreen{c: c} }

func (s *accountScreen) text() textMode   { return textNone }
func (s *accountScreen) setSize(w, h int) { s.w, s.h = w, h }
func (s *accountScreen) reset()           { s.cursor, s.picking, s.caller, s.focusOn = 0, false, 0, "" }

func (s *accountScreen) title() string {
	if v := s.c.call.view; v != nil {
		return "account " + v.Account.Number
	}
	return "account"
}

// loaded keeps the cursor on the same row when the view is reloaded.
func (s *accountScreen) loaded() {
	if v := s.c.call.view; v != nil {
		if s.focusOn != "" {
			for i, h := range s.rows() {
				if h.Holder.ContactID == s.focusOn {
					s.cursor = i
				}
			}
			s.focusOn = "" // once: a reload keeps the agent's own choice
		}
		s.cursor = min(s.cursor, max(len(s.rows())-1, 0))
		s.caller = min(s.caller, max(len(v.Account.Contacts)-1, 0))
	}
}

func (s *accountScreen) helpTitle() string { return "Account" }

func (s *accountScreen) ShortHelp() []key.Binding {
	k := s.c.keys.Account
	if s.picking {
		return []key.Binding{k.Choose, k.Move, s.c.keys.Global.Back}
	}
	return []key.Binding{k.Choose, k.Unlock, k.Audit, s.c.keys.Global.Back}
}

func (s *accountScreen) FullHelp() [][]key.Binding {
	k := s.c.keys.Account
	return [][]key.Binding{{k.Choose, k.Up, k.Down, k.Unlock, k.Reset, k.Audit, k.Refresh}}
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
	if s.picking {
		switch {
		case key.Matches(km, k.Up):
			s.caller = max(s.caller-1, 0)
		case key.Matches(km, k.Down):
			s.caller = min(s.caller+1, len(v.Account.Contacts)-1)
		case key.Matches(km, k.Choose):
			if s.caller < len(v.Account.Contacts) {
				s.picking = false
				return pick{holder: model.AccountWide, caller: v.Account.Contacts[s.caller].ID}
			}
		case key.Matches(km, s.c.keys.Global.Back):
			s.picking = false
		}
		return nil
	}
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
		if h.Holder.IsAccountWide() && v.Account.UsesPINs {
			if len(v.Account.Contacts) == 0 {
				return say{toneWarn, "This account has no contacts to give the account-wide PIN."}
			}
			s.picking = true
			return nil
		}
		return pick{holder: h.Holder.ContactID}
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
	b.WriteString(st.Label.Render("Product: ") + a.Product + st.Label.Render("   Support PINs: ") + pins.text(st) + "\n")
	if !a.UsesPINs {
		b.WriteString(st.Subtle.Render("Verify callers on this account by the usual security questions.") + "\n")
	} else {
		b.WriteString(st.Subtle.Render(fmt.Sprintf("PIN: %s · %d wrong tries lock it.", s.c.policyLength(), s.c.policy.MaxFailures)) + "\n")
	}
	b.WriteString("\n")

	if s.picking {
		b.WriteString(st.Bold.Render("Account-wide PIN — which contact is giving it?") + "\n")
		from, to := window(len(a.Contacts), s.caller, s.h-5)
		for i := from; i < to; i++ {
			c := a.Contacts[i]
			b.WriteString(s.row(i == s.caller, fmt.Sprintf("%s · %s", c.Name, c.Role)) + "\n")
		}
		return b.String()
	}

	b.WriteString(st.Bold.Render("Who is calling?") + "\n")
	nameW := min(max(s.w*3/8, 20), 36)
	stateW := 14
	detailW := max(s.w-2-nameW-stateW-2, 10)
	b.WriteString(st.Label.Render("  "+fit("HOLDER", nameW)+" "+fit("STATE", stateW)+" "+fit("PINS", detailW)) + "\n")
	rows := s.rows()
	from, to := window(len(rows), s.cursor, s.h-8)
	if from > 0 || to < len(rows) {
		b.WriteString(st.Faint.Render(fmt.Sprintf("  (%d–%d of %d holders; ↑/↓ scroll)", from+1, to, len(rows))) + "\n")
		from, to = window(len(rows), s.cursor, s.h-9)
	}
	for i := from; i < to; i++ {
		h := rows[i]
		name := holderName(a, h.Holder.ContactID)
		if h.Holder.IsAccountWide() {
			name += " (any contact)"
		} else if c, ok := a.Contact(h.Holder.ContactID); ok {
			name += " · " + string(c.Role)
		}
		bd := holderBadge(h, a.UsesPINs, now)
		line := fit(name, nameW) + " " + fit(bd.String(), stateW) + " " + fit(holderDetail(h, a.UsesPINs, now, s.c.loc), detailW)
		if i == s.cursor {
			b.WriteString(st.Selected.Render("› "+line) + "\n")
		} else {
			b.WriteString("  " + fit(name, nameW) + " " + st.tone(bd.tone).Render(fit(bd.String(), stateW)) + " " + fit(holderDetail(h, a.UsesPINs, now, s.c.loc), detailW) + "\n")
		}
	}
	b.WriteString("\n")
	if h, ok := s.holder(); ok {
		b.WriteString(st.Subtle.Render(clip(s.contactLine(a, h), s.w)))
	}
	return b.String()
}

func (s *accountScreen) row(selected bool, text string) string {
	if selected {
		return s.c.st.Selected.Render("› " + text)
	}
	return "  " + text
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

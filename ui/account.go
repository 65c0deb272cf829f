package ui

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/pindesk/pindesk/model"
	"golang.org/x/text/cases"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// accountScreen shows the open account: its product, whether support PINs apply, the account-wide
// PIN's state (when it has one) and who may call: each contact, with the PINs they may give. The
// agent picks who is calling, never which PIN they hold: the core compares the caller's own PINs
// and the account-wide ones (a caller cannot know which kind they have).
//
// An account may have hundreds of contacts: the list pages (pgup, pgdn, home, end) and filters on
// what the agent types after "/". Letters alone stay the screen's commands (u, a, r, j, k…): an
// agent mid-call must not unlock someone by typing a name. While the filter is typed, enter picks
// the highlighted caller; esc clears the filter, and a second esc goes back to the search.
type accountScreen struct {
	c         *common
	cursor    int // over rows(): the account-wide PIN's (for its state and unlock), then each contact
	filter    textinput.Model
	filtering bool // the filter has the keys
	// focusOn is the contact to put the cursor on when the account loads: the one whose name,
	// email or phone the search matched, most likely the caller.
	focusOn string
	w, h    int
}

func newAccountScreen(c *common) *accountScreen {
	in := textinput.New()
	in.Prompt = "/ "
	in.Placeholder = "name, email or phone"
	in.CharLimit = model.MaxQueryLength
	in.SetStyles(c.st.Input)
	return &accountScreen{c: c, filter: in}
}

func (s *accountScreen) text() textMode {
	if s.filtering {
		return textSearch // q is a letter of a name; ? is still the help
	}
	return textNone
}

func (s *accountScreen) setSize(w, h int) { s.w, s.h = w, h; s.filter.SetWidth(max(w/3, 12)) }
func (s *accountScreen) restyle()         { s.filter.SetStyles(s.c.st.Input) }

func (s *accountScreen) reset() {
	s.cursor, s.focusOn = 0, ""
	s.clearFilter()
}

func (s *accountScreen) clearFilter() {
	s.filter.Reset()
	s.filter.Blur()
	s.filtering = false
}

// selectContact puts the cursor on the contact's row, clearing a filter that hides it, and reports
// whether the contact is listed.
func (s *accountScreen) selectContact(id string) bool {
	if s.filter.Value() != "" && !s.selectIn(s.rows(), id) {
		s.clearFilter()
	}
	return s.selectIn(s.rows(), id)
}

func (s *accountScreen) selectIn(rows []model.HolderState, id string) bool {
	for i, h := range rows {
		if h.Holder.ContactID == id {
			s.cursor = i
			return true
		}
	}
	return false
}

func (s *accountScreen) title() string {
	if v := s.c.call.view; v != nil {
		return "account " + v.Account.Number
	}
	return "account"
}

// loaded puts the cursor on the contact the search matched when the account opens, and keeps it
// on the same row when the view is reloaded.
func (s *accountScreen) loaded() {
	if v := s.c.call.view; v != nil {
		if s.focusOn != "" {
			s.selectContact(s.focusOn)
			s.focusOn = "" // once: a reload keeps the agent's own choice
		}
		s.cursor = min(s.cursor, max(len(s.rows())-1, 0))
	}
}

func (s *accountScreen) helpTitle() string { return "Account" }

func (s *accountScreen) ShortHelp() []key.Binding {
	k := s.c.keys.Account
	if s.filtering {
		return []key.Binding{k.Choose, k.Move, k.ClearFilter}
	}
	if s.filter.Value() != "" {
		return []key.Binding{k.Choose, k.Filter, k.ClearFilter, k.Unlock, k.Audit}
	}
	return []key.Binding{k.Choose, k.Filter, k.Unlock, k.Audit, s.c.keys.Global.Back}
}

func (s *accountScreen) FullHelp() [][]key.Binding {
	k := s.c.keys.Account
	return [][]key.Binding{{k.Choose, k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End, k.Filter, k.ClearFilter,
		k.Unlock, k.Reset, k.Audit, k.Refresh, k.ClearDispute}}
}

// allRows are the holders the agent can pick. The account-wide holder is left out while it has no
// PIN, no failures and no lock: a "no PIN" line for a PIN the account never used would only make
// the agent wonder. (Reloading shows it as soon as the customer creates one.)
func (s *accountScreen) allRows() []model.HolderState {
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

// rows are the holders listed: all of them, or under a filter the contacts whose name, email or
// phone contains it, letter case and accents aside ("jose" finds José). The account-wide row is
// not a caller and is not a match for any name.
func (s *accountScreen) rows() []model.HolderState {
	all := s.allRows()
	q := foldText(strings.TrimSpace(s.filter.Value()))
	if q == "" {
		return all
	}
	a := s.c.call.view.Account
	out := make([]model.HolderState, 0, len(all))
	for _, h := range all {
		c, ok := a.Contact(h.Holder.ContactID)
		if ok && strings.Contains(foldText(c.Name+"\x00"+c.Email+"\x00"+c.Phone), q) {
			out = append(out, h)
		}
	}
	return out
}

// foldText is s as an agent hears it: without case or accents. (A transformer holds state: one
// per call, since tests run apps in parallel.)
func foldText(s string) string {
	out, _, err := transform.String(transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), cases.Fold()), s)
	if err != nil {
		return strings.ToLower(s)
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
	v := s.c.call.view
	if p, ok := msg.(tea.PasteMsg); ok && s.filtering && v != nil {
		return s.edit(p)
	}
	km, ok := msg.(tea.KeyPressMsg)
	if !ok || v == nil {
		if ok && key.Matches(km, s.c.keys.Global.Back) {
			return goTo{scrSearch}
		}
		return nil
	}
	k := s.c.keys.Account
	if s.filtering {
		switch {
		case key.Matches(km, k.Choose):
			if len(s.rows()) == 0 {
				return say{toneInfo, "No contact matches the filter: esc clears it."}
			}
			s.filtering = false
			s.filter.Blur()
		case key.Matches(km, k.ClearFilter):
			s.clearFilter()
			s.cursor = 0
			return nil
		case km.Text == "" && s.move(km):
			return nil
		default:
			return s.edit(km)
		}
	}
	if s.move(km) {
		return nil
	}
	switch {
	case key.Matches(km, k.Filter):
		s.filtering = true
		return run(s.filter.Focus())
	case key.Matches(km, k.ClearFilter) && s.filter.Value() != "":
		s.clearFilter()
		s.cursor = 0
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
		if vs, ok := liveSession(*v, h.Holder.ContactID, s.c.call.now); ok {
			// Verified at another desk (a transfer): no PIN is asked for again (sessions.go).
			return verifiedSay(*v, vs, s.c.loc)
		}
		if v.Account.UsesPINs && !callerHasPIN(*v, h.Holder.ContactID, s.c.call.now) && !mayEmailCode(v.Account, h.Holder.ContactID) {
			return say{toneWarn, noPINText}
		}
		// A caller with no PIN but an email on file comes to the PIN field too: e emails them a code.
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

// move handles the keys that move the cursor, and reports whether km was one. A page is as many
// rows as the screen shows at the cursor.
func (s *accountScreen) move(km tea.KeyPressMsg) bool {
	k := s.c.keys.Account
	last := max(len(s.rows())-1, 0)
	switch {
	case key.Matches(km, k.Up):
		s.cursor = max(s.cursor-1, 0)
	case key.Matches(km, k.Down):
		s.cursor = min(s.cursor+1, last)
	case key.Matches(km, k.PageUp):
		from, to := s.layout().span(s.cursor)
		s.cursor = max(s.cursor-max(to-from, 1), 0)
	case key.Matches(km, k.PageDown):
		from, to := s.layout().span(s.cursor)
		s.cursor = min(s.cursor+max(to-from, 1), last)
	case key.Matches(km, k.Home):
		s.cursor = 0
	case key.Matches(km, k.End):
		s.cursor = last
	default:
		return false
	}
	return true
}

// edit passes a key or a paste to the filter; a changed filter puts the cursor on its first match.
func (s *accountScreen) edit(msg tea.Msg) action {
	before := s.filter.Value()
	var cmd tea.Cmd
	s.filter, cmd = s.filter.Update(msg)
	if s.filter.Value() != before {
		s.cursor = 0
	}
	return run(cmd)
}

// accountLayout is the account screen drawn in parts: the lines above the list, each row's lines
// (a row may take several: see view), and the lines below it. The list gets the lines the others
// leave, so the window of rows and its "(9–21 of 300)" label are counted from what is drawn.
type accountLayout struct {
	head, tail []string
	rows       [][]string
	h          int
}

// span is the window of rows shown with row cur among them, as many as fit: all of them, or those
// that fit under the range label.
func (l accountLayout) span(cur int) (from, to int) {
	room := l.h - len(l.head) - len(l.tail)
	fits := func(room int) (int, int) {
		for n := room; ; n-- {
			from, to := window(len(l.rows), cur, n)
			used := 0
			for i := from; i < to; i++ {
				used += len(l.rows[i])
			}
			if used <= room || n <= 1 {
				return from, to
			}
		}
	}
	from, to = fits(room)
	if from > 0 || to < len(l.rows) {
		from, to = fits(room - 1)
	}
	return from, to
}

func (s *accountScreen) view() string {
	v := s.c.call.view
	if v == nil {
		return s.c.st.Subtle.Render("Loading the account…")
	}
	l := s.layout()
	lines := append([]string{}, l.head...)
	from, to := l.span(s.cursor)
	if from > 0 || to < len(l.rows) {
		lines = append(lines, s.c.st.Faint.Render(clip(fmt.Sprintf("  (%d–%d of %d · pgup/pgdn)", from+1, to, len(l.rows)), s.w)))
	}
	for i := from; i < to; i++ {
		lines = append(lines, l.rows[i]...)
	}
	lines = append(lines, l.tail...)
	return strings.Join(lines, "\n")
}

func (s *accountScreen) layout() accountLayout {
	st := s.c.st
	v := s.c.call.view
	a := v.Account
	now := s.c.call.now
	var head []string
	head = append(head, st.Title.Render(a.Number+" · "+a.Name))
	pins := badge{"✓", "used", toneGood}
	if !a.UsesPINs {
		pins = outcomeBadges[model.OutcomeNotApplicable]
	}
	head = append(head, wrap(st.Label.Render("Product: ")+a.Product+st.Label.Render("   Support PINs: ")+pins.text(st), s.w)...)
	if !a.UsesPINs {
		head = append(head, styleLines(st.Subtle, wrap("Verify callers on this account by the usual security questions.", s.w))...)
	} else {
		head = append(head, st.Subtle.Render(fmt.Sprintf("PIN: %s · %d wrong tries lock it.", s.c.policyLength(), s.c.policy.MaxFailures)))
	}
	// The banner takes the blank line's place, so the screen keeps its height at 80×24.
	if len(v.Disputes) > 0 {
		head = append(head, st.tone(toneBad).Render(clip(disputeBanner(v, s.c.loc, s.c.keys.Account.ClearDispute.Enabled()), s.w)))
	} else if banner, ok := sessionBanner(*v, now, s.c.loc); ok {
		head = append(head, st.tone(toneGood).Render(clip(banner, s.w)))
	} else {
		head = append(head, "")
	}

	rows := s.rows()
	ask := st.Bold.Render("Who is calling?")
	if s.filtering || s.filter.Value() != "" {
		// The filter stands on the question's line, so the list keeps its room.
		ask += "  " + s.filter.View()
		if q := strings.TrimSpace(s.filter.Value()); q != "" {
			ask += st.Faint.Render(fmt.Sprintf("  %d of %d", len(rows), len(s.allRows())))
		}
		ask = clip(ask, s.w)
	}
	head = append(head, ask)
	nameW := min(max(s.w*3/8, 20), 36)
	if s.w < 70 {
		nameW = max(s.w*3/10, 16) // the PINs and lock time need the room more than the name
	}
	stateW := 14
	detailW := max(s.w-2-nameW-stateW-2, 10)
	if len(rows) == 0 {
		head = append(head, st.Subtle.Render(clip("  No contact matches: esc clears the filter.", s.w)))
	} else {
		head = append(head, st.Label.Render("  "+fit("CALLER", nameW)+" "+fit("STATE", stateW)+" "+fit("PINS", detailW)))
	}
	// A holder's PINs or lock time too long for their column go on under it, in the column: a
	// lock time is never cut. So a row may take more than one line, and the window is in lines.
	blank := strings.Repeat(" ", stateW)
	drawn := make([][]string, len(rows))
	for i, h := range rows {
		name := holderName(a, h.Holder.ContactID)
		if h.Holder.IsAccountWide() {
			name += " (any contact)"
		} else if c, ok := a.Contact(h.Holder.ContactID); ok {
			name += " · " + string(c.Role)
		}
		names := wrap(name, nameW)
		// A contact's row speaks for the caller: the PINs they may give, their own and the
		// account-wide ones (see callerBadge); the account-wide row for that holder alone.
		bd, detail := holderBadge(h, a.UsesPINs, now), holderDetail(h, a.UsesPINs, now, s.c.loc)
		if !h.Holder.IsAccountWide() && a.UsesPINs {
			bd, detail = callerBadge(*v, h, now, s.c.loc)
		}
		if vs, ok := liveSession(*v, h.Holder.ContactID, now); ok && !h.Holder.IsAccountWide() {
			bd, detail = badge{"✓", "VERIFIED", toneGood}, "no PIN needed until "+clockTime(vs.ExpiresAt, s.c.loc)+" ("+safe(vs.Operator)+")"
		}
		details := wrap(detail, detailW)
		for len(names) < len(details) {
			names = append(names, "")
		}
		for len(details) < len(names) {
			details = append(details, "")
		}
		if i == s.cursor {
			drawn[i] = append(drawn[i], st.Selected.Render("› "+fit(names[0], nameW)+" "+fit(bd.String(), stateW)+" "+fit(details[0], detailW)))
		} else {
			drawn[i] = append(drawn[i], "  "+fit(names[0], nameW)+" "+st.tone(bd.tone).Render(fit(bd.String(), stateW))+" "+fit(details[0], detailW))
		}
		for j := 1; j < len(names); j++ {
			more := "  " + fit(names[j], nameW) + " " + blank + " " + fit(details[j], detailW)
			if i == s.cursor {
				more = st.Selected.Render(more)
			}
			drawn[i] = append(drawn[i], more)
		}
	}
	tail := []string{""}
	if h, ok := s.holder(); ok {
		tail = append(tail, styleLines(st.Subtle, wrap(s.contactLine(a, h), s.w))...)
		if !h.Holder.IsAccountWide() && a.UsesPINs && !callerHasPIN(*v, h.Holder.ContactID, now) {
			tail = append(tail, styleLines(st.tone(toneWarn), wrap("∅ "+noPINFor(a, h.Holder.ContactID), s.w))...)
		}
	}
	return accountLayout{head: head, tail: tail, rows: drawn, h: s.h}
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

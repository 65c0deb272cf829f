package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/pindesk/pindesk/model"
)

const auditPage = 100

// auditScreen is the open account's audit trail, newest first, one event a line. The selected
// event (↑/↓) is shown whole, wrapped over as many lines as it needs; the others give way to the
// width by priority: the time, the action and the outcome are always whole, and the rest (who,
// channel, operator, then the reason on its own line) is shortened from its end. Older pages are
// fetched on request (o), by the id of the oldest event shown. A line above the list tells whether
// the whole trail's audit chains are intact, checked each time the view opens: the backend checks
// only the events appended since its last check (client.AuditChain), so opening the view stays
// quick however long the history.
type auditScreen struct {
	c       *common
	account string
	events  []model.AuditEvent
	loading bool
	end     bool // no older events
	cursor  int  // the selected event
	off     int  // the first line of the list shown
	chain   chainLine
	ticket  string // only the events of this ticket (t: the call's); "" for all
	w, h    int
}

// chainLine is the audit chains' state as the view shows it.
type chainLine struct {
	checking bool
	state    *model.AuditChainState
	err      error
}

func newAuditScreen(c *common) *auditScreen { return &auditScreen{c: c} }

func (s *auditScreen) title() string  { return "audit trail" }
func (s *auditScreen) text() textMode { return textNone }
func (s *auditScreen) reset() {
	s.account, s.events, s.loading, s.end, s.cursor, s.off, s.chain, s.ticket = "", nil, false, false, 0, 0, chainLine{}, ""
}

func (s *auditScreen) setSize(w, h int) { s.w, s.h = w, h; s.follow() }

func (s *auditScreen) helpTitle() string { return "Audit trail" }

func (s *auditScreen) ShortHelp() []key.Binding {
	k := s.c.keys.Scroll
	return []key.Binding{k.Down, k.Up, k.PageDown, s.c.keys.Audit.Older, s.c.keys.Global.Back}
}

// FullHelp lists the trail's keys for an operator who may read it; nobody else reaches it.
func (s *auditScreen) FullHelp() [][]key.Binding {
	if !s.c.keys.Account.Audit.Enabled() {
		return nil
	}
	k := s.c.keys.Scroll
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, s.c.keys.Audit.Older, s.c.keys.Audit.Ticket}}
}

// open loads the first page for the open account.
func (s *auditScreen) open() action {
	v := s.c.call.view
	if v == nil {
		return nil
	}
	s.reset()
	s.account, s.loading = v.Account.ID, true
	chain := s.c.io.auditChain(s.c.call.id)
	s.chain = chainLine{checking: chain != nil}
	return run(tea.Batch(s.c.io.audit(s.c.call.id, model.AuditQuery{AccountID: s.account, Limit: auditPage, Ticket: s.ticket}), chain))
}

func (s *auditScreen) update(msg tea.Msg) action {
	switch msg := msg.(type) {
	case auditChainMsg:
		if s.account == "" {
			return nil
		}
		s.chain = chainLine{err: msg.err}
		if msg.err == nil {
			s.chain.state = &msg.state
		}
	case auditMsg:
		if msg.account != s.account {
			return nil
		}
		s.loading = false
		if msg.err != nil {
			return sayErr(msg.err)
		}
		if msg.older {
			s.events = append(s.events, msg.events...)
		} else {
			s.events = msg.events
		}
		s.end = len(msg.events) < auditPage
		s.follow()
	case tea.KeyPressMsg:
		k := s.c.keys.Scroll
		switch {
		case key.Matches(msg, s.c.keys.Global.Back):
			return goTo{scrAccount}
		case key.Matches(msg, s.c.keys.Audit.Older):
			if s.loading || s.end || len(s.events) == 0 {
				return nil
			}
			s.loading = true
			return do(wait{"Loading older events"}, run(s.c.io.audit(s.c.call.id, model.AuditQuery{
				AccountID: s.account, Limit: auditPage, BeforeID: s.events[len(s.events)-1].ID, Ticket: s.ticket})))
		case key.Matches(msg, s.c.keys.Audit.Ticket):
			return s.filterTicket() // sessions.go
		case key.Matches(msg, k.Up):
			s.cursor = max(s.cursor-1, 0)
			s.follow()
		case key.Matches(msg, k.Down):
			s.cursor = min(s.cursor+1, max(len(s.events)-1, 0))
			s.follow()
		case key.Matches(msg, k.PageUp):
			s.page(-1)
		case key.Matches(msg, k.PageDown):
			s.page(1)
		}
	}
	return nil
}

// listHeight is the number of lines the list has, under the title, the count and the chain line.
func (s *auditScreen) listHeight() int { return max(s.h-3, 1) }

// page moves the selection by a page of events; when less than a page is left beyond, to the end.
func (s *auditScreen) page(dir int) {
	step := max(s.listHeight()-2, 1)
	last := max(len(s.events)-1, 0)
	s.cursor += dir * step
	switch {
	case dir > 0 && (s.cursor > last || last-s.cursor < step):
		s.cursor = last
	case dir < 0 && s.cursor < step:
		s.cursor = 0
	}
	s.follow()
}

// follow scrolls the list so the selected event is wholly in view, the line that says there is
// more below left free.
func (s *auditScreen) follow() {
	lines, starts := s.lines()
	h := s.listHeight()
	if len(lines) <= h || len(starts) == 0 {
		s.off = 0
		return
	}
	s.cursor = min(max(s.cursor, 0), len(starts)-1)
	first := starts[s.cursor]
	last := len(lines) - 1 // the last event: with the line that ends the list
	if s.cursor+1 < len(starts) {
		last = starts[s.cursor+1] - 1
	}
	room := h - 1 // the last line of the window says "↓ more"
	if last == len(lines)-1 {
		room = h // nothing is below
	}
	if last >= s.off+room {
		s.off = last - room + 1
	}
	if first < s.off {
		s.off = first
	}
	s.off = min(max(s.off, 0), max(len(lines)-h, 0))
}

// lines is the list drawn, and the line each event starts on.
func (s *auditScreen) lines() (lines []string, starts []int) {
	st := s.c.st
	if len(s.events) == 0 {
		if s.loading {
			return []string{st.Subtle.Render("Loading…")}, nil
		}
		return []string{st.Subtle.Render("No events recorded for this account yet.")}, nil
	}
	var names model.Account
	if v := s.c.call.view; v != nil {
		names = v.Account
	}
	w := max(s.w, 20)
	for i, e := range s.events {
		starts = append(starts, len(lines))
		head, tail := s.columns(e, names)
		reason := ""
		if e.Reason != "" {
			reason = "reason: " + safe(e.Reason)
		}
		if i == s.cursor {
			// The selected event whole: every field, and the reason, wrapped.
			var block []string
			for j, l := range hang(head+"  "+tail, w-2, 2) {
				mark := "› "
				if j > 0 {
					mark = "  "
				}
				block = append(block, mark+l)
			}
			if reason != "" {
				for _, l := range hang(reason, w-4, 2) {
					block = append(block, "    "+l)
				}
			}
			for _, l := range block {
				lines = append(lines, st.Selected.Render(fit(l, w)))
			}
			continue
		}
		line := "  " + head
		if room := w - ansi.StringWidth(line) - 2; room > 0 {
			line += "  " + clip(tail, room)
		}
		lines = append(lines, clip(line, w))
		if reason != "" {
			lines = append(lines, st.Subtle.Render(clip("    "+reason, w)))
		}
	}
	if s.end {
		lines = append(lines, st.Faint.Render("— start of the trail —"))
	} else {
		lines = append(lines, st.Faint.Render("— o loads older events —"))
	}
	return lines, starts
}

// columns is an event in two parts: head (time, action, outcome), which is always shown whole, and
// tail (who, channel, operator), which gives way to the width from its end.
func (s *auditScreen) columns(e model.AuditEvent, a model.Account) (head, tail string) {
	st := s.c.st
	outcome := safe(e.Outcome)
	if e.Action == model.ActionVerify {
		b := outcomeBadge(model.VerifyResult{Outcome: model.Outcome(e.Outcome)})
		outcome = b.text(st)
		if e.Outcome == string(model.OutcomeMismatch) && e.AttemptsLeft != nil {
			outcome += fmt.Sprintf(" (%d left)", *e.AttemptsLeft)
		}
		if e.ReplayOf != nil {
			outcome += " (replay)"
		}
	}
	if e.Kind != "" {
		outcome += " " + string(e.Kind)
	}
	head = fmt.Sprintf("%s  %-8s %s", stamp(e.Time, s.c.loc), e.Action, outcome)
	var parts []string
	if e.Holder != "" {
		who := holderName(a, e.Holder)
		if e.Caller != "" && e.Caller != e.Holder {
			who += " via " + holderName(a, e.Caller)
		}
		parts = append(parts, who)
	}
	parts = append(parts, string(e.Channel), fmt.Sprintf("%s (%s)", safe(e.Operator), e.Role))
	parts = append(parts, auditCallParts(e)...) // auditplus.go
	return head, strings.Join(parts, " · ")
}

func (s *auditScreen) view() string {
	st := s.c.st
	head := "Audit trail"
	if v := s.c.call.view; v != nil {
		head += " of " + v.Account.Number + " · " + v.Account.Name
	}
	count := "Newest first · " + plural(len(s.events), "event", "events") + " shown · PINs are never recorded"
	if s.ticket != "" {
		count = "Ticket " + safe(s.ticket) + " only (t: all) · " + plural(len(s.events), "event", "events")
	}
	if ansi.StringWidth(count) > s.w {
		count = "Newest first · " + plural(len(s.events), "event", "events") + " · no PINs"
	}
	lines, _ := s.lines()
	h := s.listHeight()
	if len(lines) > h {
		off := min(max(s.off, 0), len(lines)-h)
		more := off+h < len(lines)
		lines = lines[off : off+h]
		if more {
			lines[h-1] = st.Faint.Render("↓ more · pgdn")
		}
	}
	return clip(st.Title.Render(head), s.w) + "\n" + st.Subtle.Render(count) + "\n" +
		clip(s.chainText(), s.w) + "\n" + strings.Join(lines, "\n")
}

// chainText is the line on the audit chains: the whole trail's, not only this account's.
func (s *auditScreen) chainText() string {
	st := s.c.st
	c := s.chain
	switch {
	case c.checking:
		return st.Subtle.Render("… checking the audit chain")
	case c.err != nil:
		return st.tone(toneWarn).Render("? audit chain not checked: " + sentence(c.err))
	case c.state == nil:
		return ""
	case c.state.Break != nil:
		return st.tone(toneBad).Render(fmt.Sprintf("✗ audit chain broken at %s (%s)", c.state.Break.Where(), c.state.Break.Kind))
	case c.state.Through == 0:
		return st.tone(toneGood).Render("✓ audit chain intact (no events yet)")
	}
	return st.tone(toneGood).Render(fmt.Sprintf("✓ audit chain intact through #%d", c.state.Through))
}

package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"github.com/pindesk/pindesk/model"
)

const auditPage = 100

// auditScreen is the open account's audit trail, newest first, in a scrollable viewport. Older
// pages are fetched on request (o), by the id of the oldest event shown.
type auditScreen struct {
	c       *common
	vp      viewport.Model
	account string
	events  []model.AuditEvent
	loading bool
	end     bool // no older events
	w, h    int
}

func newAuditScreen(c *common) *auditScreen {
	return &auditScreen{c: c, vp: viewport.New()}
}

func (s *auditScreen) title() string  { return "audit trail" }
func (s *auditScreen) text() textMode { return textNone }
func (s *auditScreen) reset() {
	s.account, s.events, s.loading, s.end = "", nil, false, false
	s.render()
}

func (s *auditScreen) setSize(w, h int) {
	s.w, s.h = w, h
	s.vp.SetWidth(w)
	s.vp.SetHeight(max(h-3, 1))
	s.render()
}

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
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, s.c.keys.Audit.Older}}
}

// open loads the first page for the open account.
func (s *auditScreen) open() action {
	v := s.c.call.view
	if v == nil {
		return nil
	}
	s.account, s.events, s.loading, s.end = v.Account.ID, nil, true, false
	s.vp.GotoTop()
	s.render()
	return run(s.c.io.audit(s.c.call.id, model.AuditQuery{AccountID: s.account, Limit: auditPage}))
}

func (s *auditScreen) update(msg tea.Msg) action {
	switch msg := msg.(type) {
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
		s.render()
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
				AccountID: s.account, Limit: auditPage, BeforeID: s.events[len(s.events)-1].ID})))
		case key.Matches(msg, k.Up):
			s.vp.ScrollUp(1)
		case key.Matches(msg, k.Down):
			s.vp.ScrollDown(1)
		case key.Matches(msg, k.PageUp):
			s.vp.PageUp()
		case key.Matches(msg, k.PageDown):
			s.vp.PageDown()
		}
	}
	return nil
}

func (s *auditScreen) render() {
	st := s.c.st
	if len(s.events) == 0 {
		if s.loading {
			s.vp.SetContent(st.Subtle.Render("Loading…"))
		} else {
			s.vp.SetContent(st.Subtle.Render("No events recorded for this account yet."))
		}
		return
	}
	var names model.Account
	if v := s.c.call.view; v != nil {
		names = v.Account
	}
	lines := make([]string, 0, len(s.events)*2)
	for _, e := range s.events {
		lines = append(lines, clip(s.line(e, names), s.w))
		if e.Reason != "" {
			lines = append(lines, st.Subtle.Render(clip("    reason: "+e.Reason, s.w)))
		}
	}
	if s.end {
		lines = append(lines, st.Faint.Render("— start of the trail —"))
	} else {
		lines = append(lines, st.Faint.Render("— o loads older events —"))
	}
	s.vp.SetContent(strings.Join(lines, "\n"))
}

func (s *auditScreen) line(e model.AuditEvent, a model.Account) string {
	st := s.c.st
	outcome := e.Outcome
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
	who := ""
	if e.Holder != "" {
		who = holderName(a, e.Holder)
		if e.Caller != "" && e.Caller != e.Holder {
			who += " via " + holderName(a, e.Caller)
		}
	}
	kind := ""
	if e.Kind != "" {
		kind = " " + string(e.Kind)
	}
	return fmt.Sprintf("%s  %-8s %s%s  %s · %s · %s (%s)", stamp(e.Time, s.c.loc), e.Action, outcome, kind, who, e.Channel, e.Operator, e.Role)
}

func (s *auditScreen) view() string {
	st := s.c.st
	head := "Audit trail"
	if v := s.c.call.view; v != nil {
		head += " of " + v.Account.Number + " · " + v.Account.Name
	}
	return st.Title.Render(head) + "\n" + st.Subtle.Render("Newest first · "+plural(len(s.events), "event", "events")+" shown · PINs are never recorded") + "\n" + s.vp.View()
}

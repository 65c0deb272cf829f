package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/pindesk/pindesk/model"
)

// Verification that follows the call (issue 13) in the app: the call's ticket, typed once (ctrl+r)
// and sent with every verification, unlock and reset of the call; and the verification sessions of
// the open account, shown as a banner and on the caller's row, so an agent who takes a transferred
// call sees the caller verified and is not sent to ask for the PIN again.

// ticketScreen takes the call's ticket or call reference. It is opened by ctrl+r, or by the root
// before a verification, unlock or reset when the floor requires a ticket and the call has none;
// then what was asked for (then) goes on once it is typed.
type ticketScreen struct {
	c     *common
	input textinput.Model
	from  screenID
	then  action
	w     int
	keys  struct{ Save, Cancel key.Binding }
}

func newTicketScreen(c *common) *ticketScreen {
	in := textinput.New()
	in.Prompt = "Ticket: "
	in.Placeholder = "e.g. INC-4711"
	in.CharLimit = model.MaxTicketLength
	in.SetStyles(c.st.Input)
	s := &ticketScreen{c: c, input: in}
	s.keys.Save = b(k("enter"), "enter", "keep for this call")
	s.keys.Cancel = b(k("esc"), "esc", "cancel")
	return s
}

func (s *ticketScreen) title() string     { return "call ticket" }
func (s *ticketScreen) helpTitle() string { return "Call ticket" }
func (s *ticketScreen) text() textMode    { return textFree }
func (s *ticketScreen) setSize(w, h int) {
	s.w = w
	s.input.SetWidth(max(min(w-10, model.MaxTicketLength+2), 12))
}
func (s *ticketScreen) restyle() { s.input.SetStyles(s.c.st.Input) }
func (s *ticketScreen) reset()   { s.input.Reset(); s.input.Blur(); s.then = nil }
func (s *ticketScreen) ShortHelp() []key.Binding {
	return []key.Binding{s.keys.Save, s.keys.Cancel}
}
func (s *ticketScreen) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }

// open starts taking the ticket over the screen from; then is applied once one is kept.
func (s *ticketScreen) open(from screenID, then action) tea.Cmd {
	s.from, s.then = from, then
	s.input.SetValue(s.c.call.ticket)
	s.input.CursorEnd()
	return s.input.Focus()
}

func (s *ticketScreen) update(msg tea.Msg) action {
	if p, ok := msg.(tea.PasteMsg); ok {
		var cmd tea.Cmd
		s.input, cmd = s.input.Update(p)
		return run(cmd)
	}
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch {
	case key.Matches(km, s.keys.Cancel):
		then := s.then
		s.reset()
		if then != nil && s.c.policy.TicketRequired {
			return do(say{toneWarn, "Nothing was sent: this floor needs the call's ticket first (ctrl+r)."}, goTo{s.from})
		}
		return do(say{toneInfo, "The ticket is unchanged."}, goTo{s.from})
	case key.Matches(km, s.keys.Save):
		t, err := model.CheckTicket(s.input.Value())
		if err != nil {
			return say{toneWarn, sentence(err)}
		}
		if t == "" && s.c.policy.TicketRequired {
			return say{toneWarn, "This floor needs a ticket or call reference on every call."}
		}
		s.c.call.ticket = t
		then := s.then
		s.reset()
		said := say{toneGood, "Ticket " + safe(t) + " is kept for this call."}
		if t == "" {
			said = say{toneInfo, "This call has no ticket."}
		}
		return do(said, goTo{s.from}, then)
	}
	var cmd tea.Cmd
	s.input, cmd = s.input.Update(km)
	return run(cmd)
}

func (s *ticketScreen) view() string {
	st := s.c.st
	lines := []string{
		st.Title.Render("Ticket or call reference"),
		st.Subtle.Render(clip("Typed once: it goes with every verification, unlock and reset of this call, and the", s.w)),
		st.Subtle.Render(clip("audit trail can be searched by it. ctrl+e (end call) forgets it.", s.w)),
		"",
		s.input.View(),
	}
	if s.c.policy.TicketRequired {
		lines = append(lines, "", st.tone(toneWarn).Render(clip("This floor requires one before a PIN is checked.", s.w)))
	}
	return strings.Join(lines, "\n")
}

// askTicket opens the ticket screen over the current one; then goes on once a ticket is kept.
func (a *App) askTicket(then action) tea.Cmd {
	if a.cur == scrTicket {
		return nil
	}
	from := a.cur
	if from == scrHelp || from == scrTrainer {
		from = a.back
	}
	a.show(scrTicket)
	if then != nil {
		a.setStatus(toneWarn, "This floor needs the call's ticket first: type it, then enter.")
	}
	return a.ticket.open(from, then)
}

// needTicket asks for the ticket before act when the floor requires one and the call has none;
// it returns false when act may go ahead.
func (a *App) needTicket(act action) (tea.Cmd, bool) {
	if !a.c.policy.TicketRequired || a.c.call.ticket != "" {
		return nil, false
	}
	return a.askTicket(act), true
}

// ticketTail is what the header says of the call's ticket.
func ticketTail(t string) string {
	if t == "" {
		return ""
	}
	const room = 16
	if len([]rune(t)) > room {
		t = string([]rune(t)[:room-1]) + "…"
	}
	return " · ticket " + safe(t)
}

// liveSession is the contact's live verification session on the view, if any (newest first).
func liveSession(v model.AccountView, contact string, now time.Time) (model.VerifySession, bool) {
	for _, s := range v.Sessions {
		if s.Contact == contact && s.Live(now) {
			return s, true
		}
	}
	return model.VerifySession{}, false
}

// clock is a time of day in the operator's zone, as the rest of the app shows times.
func clockTime(t time.Time, loc *time.Location) string { return t.In(loc).Format("15:04") }

// sessionText is what every desk is told of a live session: "✓ verified by alice at 14:02 via
// phone, ticket T, until 14:32".
func sessionText(s model.VerifySession, loc *time.Location) string {
	text := fmt.Sprintf("✓ verified by %s at %s via %s", safe(s.Operator), clockTime(s.StartedAt, loc), s.Channel)
	if s.Ticket != "" {
		text += ", ticket " + safe(s.Ticket)
	}
	return text + ", until " + clockTime(s.ExpiresAt, loc)
}

// sessionBanner is the account's banner line: the newest live session, naming its caller.
func sessionBanner(v model.AccountView, now time.Time, loc *time.Location) (string, bool) {
	for _, s := range v.Sessions {
		if s.Live(now) {
			text := holderName(v.Account, s.Contact) + " " + sessionText(s, loc)
			if n := len(v.Sessions); n > 1 {
				text += fmt.Sprintf(" (+%d more)", n-1)
			}
			return text, true
		}
	}
	return "", false
}

// verifiedSay is what the agent is told on picking a caller verified at another desk: no PIN is
// asked for again.
func verifiedSay(v model.AccountView, s model.VerifySession, loc *time.Location) action {
	return say{toneGood, holderName(v.Account, s.Contact) + " is " + strings.TrimPrefix(sessionText(s, loc), "✓ ") +
		": carry on, no PIN needed. What you do is recorded under this verification."}
}

// filterTicket shows only the events of the call's ticket, or all of them again.
func (s *auditScreen) filterTicket() action {
	if s.account == "" || s.loading {
		return nil
	}
	switch {
	case s.ticket != "":
		s.ticket = ""
	case s.c.call.ticket == "":
		return say{toneInfo, "This call has no ticket to filter by: ctrl+r sets one."}
	default:
		s.ticket = s.c.call.ticket
	}
	s.events, s.end, s.cursor, s.off, s.loading = nil, false, 0, 0, true
	return do(wait{"Loading the audit trail"}, run(s.c.io.audit(s.c.call.id, model.AuditQuery{AccountID: s.account, Limit: auditPage, Ticket: s.ticket})))
}

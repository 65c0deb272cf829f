package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/model"
)

// The anomaly alerts panel (issue 12): the open alerts — a desk slowed after failing PINs across
// many accounts — with a clear action (a reason, then an explicit yes), for an operator who may
// clear them (supervisor, trainer). It is self-contained: its keys (AlertKeys), messages, commands
// and view live in this file and it talks to the backend only through client.Alerts, so the lock
// board can embed it as a pane later; in the app today it is a screen of its own, opened from any
// screen with its key and left with esc.

// AlertKeys are the panel's keys. Open works from every screen (the root matches it).
type AlertKeys struct {
	Open, Up, Down, Clear, Reload key.Binding
}

func newAlertKeys(role model.OperatorRole) AlertKeys {
	k := AlertKeys{
		Open:   b(k("ctrl+g"), "ctrl+g", "alerts"),
		Up:     b(k("up", "k"), "↑/k", "up"),
		Down:   b(k("down", "j"), "↓/j", "down"),
		Clear:  b(k("c"), "c", "clear alert"),
		Reload: b(k("r"), "r", "reload"),
	}
	if !role.Permits(model.PermAlerts) {
		k.Open.SetEnabled(false)
		k.Clear.SetEnabled(false)
	}
	return k
}

// alertsMsg is the open alerts; alertClearedMsg the answer to a clear.
type (
	alertsMsg struct {
		tag
		alerts []model.Alert
		err    error
	}
	alertClearedMsg struct {
		tag
		id  string
		err error
	}
)

func (io *backendCmds) alerts(call uint64) tea.Cmd {
	ab, ok := io.b.(client.Alerts)
	if !ok {
		return func() tea.Msg {
			return alertsMsg{tag: tag{call}, err: fmt.Errorf("%w: this backend does not offer anomaly alerts", model.ErrUnavailable)}
		}
	}
	return io.run(func(ctx context.Context) tea.Msg {
		list, err := ab.OpenAlerts(ctx)
		return alertsMsg{tag{call}, list, err}
	}, func(err error) tea.Msg { return alertsMsg{tag: tag{call}, err: err} })
}

func (io *backendCmds) clearAlert(call uint64, req model.ClearAlertRequest) tea.Cmd {
	ab, ok := io.b.(client.Alerts)
	if !ok {
		return nil
	}
	return io.run(func(ctx context.Context) tea.Msg {
		return alertClearedMsg{tag{call}, req.ID, ab.ClearAlert(ctx, req)}
	}, func(err error) tea.Msg { return alertClearedMsg{tag{call}, req.ID, err} })
}

// alertsStep is where the panel is: the list, typing a reason, confirming, waiting for the clear.
type alertsStep int

const (
	alertsList alertsStep = iota
	alertsReason
	alertsConfirm
	alertsWorking
)

type alertsScreen struct {
	c       *common
	alerts  []model.Alert
	loaded  bool
	loading bool
	err     error
	cursor  int
	step    alertsStep
	reason  textinput.Model
	w, h    int
}

func newAlertsScreen(c *common) *alertsScreen {
	in := textinput.New()
	in.Prompt = "Reason: "
	in.Placeholder = "e.g. token revoked and reissued; agent retrained"
	in.CharLimit = model.MaxReasonLength
	in.SetStyles(c.st.Input)
	return &alertsScreen{c: c, reason: in}
}

func (s *alertsScreen) restyle()      { s.reason.SetStyles(s.c.st.Input) }
func (s *alertsScreen) title() string { return "alerts" }
func (s *alertsScreen) setSize(w, h int) {
	s.w, s.h = w, h
	s.reason.SetWidth(max(min(w, maxPanel)-14, 10))
}

func (s *alertsScreen) text() textMode {
	if s.step == alertsReason {
		return textFree
	}
	return textNone
}

func (s *alertsScreen) helpTitle() string { return "Anomaly alerts" }

// FullHelp lists the panel's keys for an operator who may clear alerts; nobody else reaches it.
func (s *alertsScreen) FullHelp() [][]key.Binding {
	k := s.c.keys.Alerts
	if !k.Open.Enabled() {
		return nil
	}
	return [][]key.Binding{{k.Open, k.Up, k.Down, k.Clear, k.Reload}}
}

func (s *alertsScreen) ShortHelp() []key.Binding {
	k, d := s.c.keys.Alerts, s.c.keys.Dialog
	switch s.step {
	case alertsReason:
		return []key.Binding{d.Next, s.c.keys.Global.Back}
	case alertsConfirm:
		return []key.Binding{d.Yes, d.No}
	case alertsWorking:
		return nil
	}
	return []key.Binding{k.Down, k.Up, k.Clear, k.Reload, s.c.keys.Global.Back}
}

// open shows the panel afresh and loads the alerts.
func (s *alertsScreen) open() action {
	s.step, s.err, s.loading = alertsList, nil, true
	s.reason.Reset()
	s.reason.Blur()
	return run(s.c.io.alerts(s.c.call.id))
}

func (s *alertsScreen) selected() (model.Alert, bool) {
	if s.cursor < 0 || s.cursor >= len(s.alerts) {
		return model.Alert{}, false
	}
	return s.alerts[s.cursor], true
}

func (s *alertsScreen) update(msg tea.Msg) action {
	switch msg := msg.(type) {
	case alertsMsg:
		s.loading = false
		s.err = msg.err
		if msg.err != nil {
			return sayErr(msg.err)
		}
		s.alerts, s.loaded = msg.alerts, true
		s.cursor = min(s.cursor, max(len(s.alerts)-1, 0))
		return nil
	case alertClearedMsg:
		if s.step != alertsWorking {
			return nil
		}
		if msg.err != nil {
			s.step = alertsConfirm
			return sayErr(msg.err)
		}
		s.step = alertsList
		s.reason.Reset()
		s.loading = true
		return do(say{toneGood, fmt.Sprintf("Alert %s cleared; the reason is in the audit trail. That desk verifies at full pace again.", msg.id)},
			run(s.c.io.alerts(s.c.call.id)))
	case tea.PasteMsg:
		if s.step == alertsReason {
			var cmd tea.Cmd
			s.reason, cmd = s.reason.Update(msg)
			return run(cmd)
		}
	case tea.KeyPressMsg:
		return s.key(msg)
	}
	return nil
}

func (s *alertsScreen) key(msg tea.KeyPressMsg) action {
	k, d := s.c.keys.Alerts, s.c.keys.Dialog
	switch s.step {
	case alertsList:
		switch {
		case key.Matches(msg, s.c.keys.Global.Back):
			return back{}
		case key.Matches(msg, k.Up):
			s.cursor = max(s.cursor-1, 0)
		case key.Matches(msg, k.Down):
			s.cursor = min(s.cursor+1, max(len(s.alerts)-1, 0))
		case key.Matches(msg, k.Reload):
			s.loading = true
			return run(s.c.io.alerts(s.c.call.id))
		case key.Matches(msg, k.Clear):
			if _, ok := s.selected(); !ok {
				return say{toneInfo, "No alert to clear."}
			}
			s.step = alertsReason
			return run(s.reason.Focus())
		}
	case alertsReason:
		switch {
		case key.Matches(msg, s.c.keys.Global.Back):
			s.step = alertsList
			s.reason.Reset()
			s.reason.Blur()
			return say{toneInfo, "Cancelled; nothing was changed."}
		case key.Matches(msg, d.Next):
			if warn := reasonProblem(s.reason.Value()); warn != nil {
				return warn
			}
			s.step = alertsConfirm
			s.reason.Blur()
			return say{toneNeutral, ""}
		}
		var cmd tea.Cmd
		s.reason, cmd = s.reason.Update(msg)
		return run(cmd)
	case alertsConfirm:
		switch {
		case key.Matches(msg, d.Yes):
			a, ok := s.selected()
			if !ok {
				s.step = alertsList
				return nil
			}
			s.step = alertsWorking
			return run(s.c.io.clearAlert(s.c.call.id, model.ClearAlertRequest{ID: a.ID, Reason: strings.TrimSpace(s.reason.Value()),
				Channel: s.c.call.channel}))
		case key.Matches(msg, d.No):
			s.step = alertsList
			s.reason.Reset()
			return say{toneInfo, "Cancelled; nothing was changed."}
		}
	}
	return nil
}

func (s *alertsScreen) view() string {
	st := s.c.st
	w := min(s.w, maxPanel)
	inner := max(w-4, 10)
	lines := []string{st.Title.Render("ANOMALY ALERTS"), ""}
	switch {
	case !s.loaded && s.loading:
		lines = append(lines, st.Subtle.Render("Loading the open alerts…"))
	case !s.loaded && s.err != nil:
		lines = append(lines, sentence(s.err))
	case len(s.alerts) == 0:
		lines = append(lines, "No open alerts: no desk is slowed.")
	default:
		lines = append(lines, fmt.Sprintf("%s slowed after failing PINs across many accounts. Each verifies at most once per interval until cleared.",
			plural(len(s.alerts), "desk", "desks")), "")
		for i, a := range s.alerts {
			mark := "  "
			if i == s.cursor {
				mark = "› "
			}
			// Two lines an alert: who, then what and when; each cut to the panel, never wrapped, so
			// the rows stay aligned.
			rows := []string{
				fmt.Sprintf("%s%s (%s) · %s", mark, safe(a.Desk), safe(a.Operator), a.ID),
				fmt.Sprintf("  %d wrong PINs on %d accounts · raised %s · next %s",
					a.Failures, a.Accounts, a.RaisedAt.In(s.c.loc).Format("15:04"), a.NextVerifyAt.In(s.c.loc).Format("15:04:05")),
			}
			for _, row := range rows {
				row = ansi.Truncate(row, inner, "…")
				if i == s.cursor {
					row = st.Selected.Render(row)
				}
				lines = append(lines, row)
			}
		}
	}
	if a, ok := s.selected(); ok && s.step != alertsList {
		lines = append(append(lines, ""), s.clearLines(a)...)
	}
	var out []string
	for _, l := range lines {
		out = append(out, wrap(l, inner)...)
	}
	return st.Dialog.Width(w).Render(strings.Join(out, "\n"))
}

// clearLines are the clear's steps on alert a (unwrapped): what is cleared, then the reason being
// typed, the yes/no, or that it is sent. The lock board shows them under the alert's row.
func (s *alertsScreen) clearLines(a model.Alert) []string {
	st := s.c.st
	lines := []string{st.Bold.Render("Clear " + a.ID + " on " + safe(a.Desk)), "Clear it only once you know why the desk failed (a stolen token is revoked first).", ""}
	switch s.step {
	case alertsReason:
		lines = append(lines, s.reason.View(), "", st.Subtle.Render("The reason is kept in the audit trail with your name."))
	case alertsConfirm:
		lines = append(lines, st.Label.Render("Reason: ")+strings.TrimSpace(s.reason.Value()), "", st.Bold.Render("Clear this alert now?")+"  y = yes · n = no")
	case alertsWorking:
		lines = append(lines, st.Subtle.Render("Clearing…"))
	}
	return lines
}

// clearOn starts the clear (a reason, then yes) on the i-th of alerts, as c does on the panel's
// list; the lock board starts it so on the alert selected on the board.
func (s *alertsScreen) clearOn(alerts []model.Alert, i int) action {
	s.alerts, s.cursor, s.loaded = alerts, i, true
	s.step = alertsReason
	s.reason.Reset()
	return run(s.reason.Focus())
}

// slowedSentence is what the agent reads when the desk is slowed: when the next verification is
// allowed, in whole seconds rounded up (never "0 s" while it is still refused), and who lifts it.
func slowedSentence(e *model.DeskSlowedError) string {
	secs := max(int((e.Wait+time.Second-1)/time.Second), 1)
	return fmt.Sprintf("This desk is slowed after failures across many accounts: next verification in %d s; a supervisor must clear the alert.", secs)
}

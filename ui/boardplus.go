package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/model"
)

// The lock board's two sections above the locks (issues 12 and 13): the open DESK ALERTS (a desk
// slowed after failing PINs across many accounts) and the requests WAITING FOR A SECOND
// SUPERVISOR (dual control). They come first because they are the most urgent: a desk that may be
// a stolen token, an unlock a caller waits on. They are read with the board, in the same read of
// every second, for an operator who may see them (PermAlerts, PermApprove) on a backend that has
// them; a section with nothing in it is left out, so an ordinary floor reads as before.
//
// enter acts on the selected row, whatever its section: a holder is unlocked (board.go), an alert
// is cleared with a reason and a yes — the alerts panel's own flow (alerts.go), run on a second
// instance of it — and a request is approved or refused with approvalList (approvals.go), the
// approvals screen's. While one of these runs, keys go to it, not to the filter: letters are the
// filter's only while nothing is being done. A request of the operator's own is shown, marked as
// theirs, and cannot be decided.

// boardWant says what the board reads beside the locks.
type boardWant struct{ alerts, approvals bool }

// boardWant is what this operator may see on this backend.
func (a *App) boardWant() boardWant {
	return boardWant{alerts: a.c.may(model.PermAlerts), approvals: a.c.may(model.PermApprove)}
}

// boardExtras is what was read beside the locks: each list with its own error, so a failed read
// of one keeps its last rows while the locks still update. on says the section was read at all.
type boardExtras struct {
	on           boardWant
	alerts       []model.Alert
	alertsErr    error
	approvals    []model.Approval
	approvalsErr error
}

// boardExtras reads the open alerts and the pending requests wanted, where the backend has them.
func (io *backendCmds) boardExtras(ctx context.Context, want boardWant) boardExtras {
	var x boardExtras
	if ab, ok := io.b.(client.Alerts); ok && want.alerts {
		x.on.alerts = true
		list, err := ab.OpenAlerts(ctx)
		x.alerts, x.alertsErr = safeAlerts(list), err
	}
	if ab, ok := io.b.(client.Approvals); ok && want.approvals {
		x.on.approvals = true
		list, err := ab.ListApprovals(ctx)
		x.approvals, x.approvalsErr = safeApprovals(list), err
	}
	return x
}

// safeAlerts and safeApprovals make the texts of the lists terminal-safe (see safe.go).
func safeAlerts(in []model.Alert) []model.Alert {
	out := make([]model.Alert, len(in))
	for i, a := range in {
		a.ID, a.Desk, a.Operator = safe(a.ID), safe(a.Desk), safe(a.Operator)
		out[i] = a
	}
	return out
}

func safeApprovals(in []model.Approval) []model.Approval {
	out := make([]model.Approval, len(in))
	for i, a := range in {
		a.AccountNumber, a.AccountName, a.Holder = safe(a.AccountNumber), safe(a.AccountName), safe(a.Holder)
		a.Reason, a.RequestedBy, a.Ticket = safe(a.Reason), safe(a.RequestedBy), safe(a.Ticket)
		out[i] = a
	}
	return out
}

// boardListSeq is where the board's approvalList numbers its loads: far from the approvals
// screen's (which count from 1), so the root knows whose answer an approvalsMsg is.
const boardListSeq = 1 << 62

// urgent is the board's part for the two sections: the lists last read, and the two flows.
type urgent struct {
	on           boardWant
	alerts       []model.Alert
	alertsErr    error
	approvals    []model.Approval
	approvalsErr error

	clear    *alertsScreen // the alert's clear, as on the alerts panel
	decide   *approvalList // the request's approval or refusal, as on the approvals screen
	deciding bool          // enter was pressed on a request: a approves, x refuses, esc leaves
}

func newUrgent(c *common) urgent {
	d := newApprovalList(c)
	d.seq = boardListSeq
	return urgent{clear: newAlertsScreen(c), decide: d}
}

func (u *urgent) reset() {
	u.on, u.alerts, u.alertsErr, u.approvals, u.approvalsErr = boardWant{}, nil, nil, nil, nil
	u.clear.step = alertsList
	u.clear.reason.Reset()
	u.clear.reason.Blur()
	u.decide.step = approvalBrowse
	u.decide.reason.Reset()
	u.decide.reason.Blur()
	u.deciding = false
}

// took keeps what a read brought. The row being acted on stays while the action runs, even when
// the read no longer has it (another supervisor cleared or decided it meanwhile): the action then
// ends with the core's answer, not with a row that vanished under the supervisor's keys.
func (u *urgent) took(x boardExtras, now time.Time) {
	u.on = x.on
	u.decide.now = now
	if x.alertsErr == nil {
		u.alerts = x.alerts
		if a, ok := u.clear.selected(); ok && u.clear.step != alertsList && !slices.ContainsFunc(u.alerts, func(b model.Alert) bool { return b.ID == a.ID }) {
			u.alerts = append(u.alerts, a)
		}
	}
	u.alertsErr = x.alertsErr
	if x.approvalsErr == nil {
		u.approvals = x.approvals
		if a, ok := u.decide.selected(); ok && u.deciding && !slices.ContainsFunc(u.approvals, func(b model.Approval) bool { return b.ID == a.ID }) {
			u.approvals = append(u.approvals, a)
		}
	}
	u.approvalsErr = x.approvalsErr
}

// acting reports whether an alert is being cleared or a request decided: keys go to that.
func (u *urgent) acting() bool { return u.clear.step != alertsList || u.deciding }

// typing reports whether a reason is being typed (every printable key is text).
func (u *urgent) typing() bool {
	return u.clear.step == alertsReason || u.deciding && u.decide.typing()
}

func alertsSection(s *boardScreen, b model.Board) boardSection {
	if !s.on.alerts {
		return boardSection{hideEmpty: true}
	}
	sec := boardSection{title: fmt.Sprintf("DESK ALERTS (%d)", len(s.alerts)), empty: "No desk is slowed.", hideEmpty: s.alertsErr == nil}
	if s.alertsErr != nil {
		sec.note = "! not updated: " + sentence(s.alertsErr)
	}
	for i := range s.alerts {
		a := &s.alerts[i]
		head := fmt.Sprintf("▲ SLOWED since %s  %s (%s) · %s on %s", s.clock(a.RaisedAt, b.Time), a.Desk, a.Operator,
			plural(a.Failures, "wrong PIN", "wrong PINs"), plural(a.Accounts, "account", "accounts"))
		sec.rows = append(sec.rows, boardRow{
			key:  "alert\x00" + a.ID,
			head: head,
			detail: []string{
				fmt.Sprintf("Slowed to one verification per interval until cleared; next at %s.", s.clock(a.NextVerifyAt, b.Time)),
				"enter clears it (a reason, then y), once you know why the desk failed.",
			},
			find:  strings.ToLower(strings.Join([]string{a.Desk, a.Operator, a.ID}, "\n")),
			alert: a,
		})
	}
	return sec
}

func approvalsSection(s *boardScreen, b model.Board) boardSection {
	if !s.on.approvals {
		return boardSection{hideEmpty: true}
	}
	sec := boardSection{title: fmt.Sprintf("WAITING FOR A SECOND SUPERVISOR (%d)", len(s.approvals)),
		empty: "No request is waiting for approval.", hideEmpty: s.approvalsErr == nil}
	if s.approvalsErr != nil {
		sec.note = "! not updated: " + sentence(s.approvalsErr)
	}
	for i := range s.approvals {
		a := &s.approvals[i]
		own := model.SameOperator(s.c.op, a.RequestedBy, "")
		// A reset is of the whole account: its row names no holder.
		word, who := "◇ RESET", ""
		if a.Action != model.ApprovalReset {
			word, who = "◇ UNLOCK", approvalHolder(b, *a)
		}
		// The account's name is in the detail, so that "yours — …" fits a row at 80 columns.
		head := fmt.Sprintf("%s  %s · ", word, a.AccountNumber)
		if who != "" {
			head += who + " · "
		}
		detail := append([]string{fmt.Sprintf("Request #%d: %s (%s)", a.ID, a.Target(), a.AccountName)}, s.decide.requestLines(*a)...)
		detail = append(detail, "Expires "+s.decide.expiry(*a)+".")
		if own {
			head += "yours — another supervisor must decide"
			detail = append(detail, "Yours: another supervisor must approve or refuse it.")
		} else {
			head += fmt.Sprintf("asked by %s · expires %s", a.RequestedBy, a.Expires.In(s.c.loc).Format("15:04"))
			detail = append(detail, "enter, then a approves (the action is done at once) or x refuses with a reason.")
		}
		sec.rows = append(sec.rows, boardRow{
			key:      fmt.Sprintf("approval\x00%d", a.ID),
			head:     head,
			detail:   detail,
			find:     strings.ToLower(strings.Join([]string{string(a.Action), a.AccountNumber, a.AccountName, a.Holder, who, a.RequestedBy, a.Reason, a.Ticket}, "\n")),
			approval: a,
			own:      own,
		})
	}
	return sec
}

// approvalHolder names the holder an unlock is for: by name when the board lists the holder
// (a repeat unlock is for a holder locked again, so it usually does), by id when not.
func approvalHolder(b model.Board, a model.Approval) string {
	if a.Holder == model.AccountWide {
		return "account-wide PIN"
	}
	for _, hs := range [][]model.BoardHolder{b.Locked, b.Failing} {
		for _, h := range hs {
			if h.AccountID == a.AccountID && h.Holder == a.Holder && h.HolderName != "" {
				return h.HolderName
			}
		}
	}
	return a.Holder
}

// act is enter on the selected row: unlock a holder, clear an alert, decide a request.
func (s *boardScreen) act() action {
	r := s.picked
	switch {
	case r == nil || r.alert == nil && r.approval == nil:
		return s.unlock()
	case r.alert != nil:
		if !s.c.keys.Board.ClearAlert.Enabled() {
			return say{toneWarn, "Your role may not clear alerts."}
		}
		i := slices.IndexFunc(s.alerts, func(a model.Alert) bool { return a.ID == r.alert.ID })
		return do(say{toneNeutral, ""}, s.clear.clearOn(slices.Clone(s.alerts), i))
	case r.own:
		return say{toneWarn, fmt.Sprintf("Request #%d is yours: another supervisor must approve or refuse it.", r.approval.ID)}
	case !s.c.keys.Board.Decide.Enabled():
		return say{toneWarn, "Your role may not approve or refuse requests."}
	}
	s.decide.items = slices.Clone(s.approvals)
	s.decide.cur = slices.IndexFunc(s.approvals, func(a model.Approval) bool { return a.ID == r.approval.ID })
	s.decide.step, s.decide.loaded, s.deciding = approvalBrowse, true, true
	return say{toneNeutral, ""}
}

// actKey hands a key (or a paste) to the action running.
func (s *boardScreen) actKey(msg tea.Msg) action {
	if s.clear.step != alertsList {
		if k, ok := msg.(tea.KeyPressMsg); ok {
			return s.clear.key(k)
		}
		return s.clear.update(msg)
	}
	k, ok := msg.(tea.KeyPressMsg)
	if ok && s.decide.step == approvalBrowse {
		// Only the two decisions and esc: ↑/↓ and r would move or reload the list under the
		// board's selected row.
		switch {
		case key.Matches(k, s.c.keys.Global.Back):
			s.deciding = false
			return say{toneInfo, "Nothing was decided."}
		case key.Matches(k, s.decide.keys.Approve, s.decide.keys.Refuse):
			return s.decide.key(k)
		}
		return nil
	}
	act := s.decide.update(msg)
	if s.decide.step == approvalBrowse {
		s.deciding = false // n or esc: not approved, not refused
	}
	return act
}

// urgentAnswer takes the answers of the two flows. A clear or a decision done takes its row off
// at once; the root reads the board again, which brings the rest (the holder unlocked).
func (s *boardScreen) urgentAnswer(msg tea.Msg) action {
	switch m := msg.(type) {
	case alertsMsg:
		s.clear.update(m) // the panel's own reload after a clear: the board's read is what shows
		return nil
	case alertClearedMsg:
		act := s.clear.update(m)
		if m.err == nil {
			s.alerts = slices.DeleteFunc(s.alerts, func(a model.Alert) bool { return a.ID == m.id })
			s.build()
		}
		return act
	case approvalsMsg:
		s.decide.update(m)
		return nil
	case decidedMsg:
		act := s.decide.update(m)
		s.deciding = false
		if m.err == nil {
			s.approvals = slices.DeleteFunc(s.approvals, func(a model.Approval) bool { return a.ID == m.id })
			s.build()
		}
		return act
	}
	return nil
}

// actionLines are what is being done on row r, in place of its detail; nil when nothing is.
func (s *boardScreen) actionLines(r boardRow) []string {
	inner := max(s.w-2, 10)
	var raw []string
	switch {
	case r.alert != nil && s.clear.step != alertsList:
		a, ok := s.clear.selected()
		if !ok || a.ID != r.alert.ID {
			return nil
		}
		for _, l := range s.clear.clearLines(a) {
			raw = append(raw, wrap(l, inner)...)
		}
	case r.approval != nil && s.deciding:
		a, ok := s.decide.selected()
		if !ok || a.ID != r.approval.ID {
			return nil
		}
		for _, l := range s.decide.requestLines(a) {
			raw = append(raw, wrap(l, inner)...)
		}
		raw = append(append(raw, ""), s.decide.stepLines(a, inner)...)
	default:
		return nil
	}
	out := make([]string, len(raw))
	for i, l := range raw {
		out[i] = "  " + l
	}
	return out
}

// actingHelp is the footer while an action runs; nil when none does.
func (s *boardScreen) actingHelp() []key.Binding {
	switch {
	case s.clear.step != alertsList:
		return append([]key.Binding{}, s.clear.ShortHelp()...) // none while it is sent, not the board's
	case s.deciding && s.decide.step == approvalBrowse:
		k := s.decide.keys
		return []key.Binding{k.Approve, k.Refuse, s.c.keys.Global.Back}
	case s.deciding:
		return append([]key.Binding{}, s.decide.ShortHelp()...)
	}
	return nil
}

// readBoardNow reads the board again after a clear or a decision made on it, so what it did (the
// holder unlocked, the desk at full pace) shows at once rather than at the next second's read.
func (a *App) readBoardNow() tea.Cmd {
	if a.cur != scrBoard {
		return nil
	}
	return a.readBoard()
}

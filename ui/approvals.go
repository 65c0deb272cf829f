package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/model"
)

// Dual control in the app (model/approval.go). An unlock or reset that needs a second supervisor
// ends its dialog on a panel that says so (request number, expiry, "another supervisor must
// approve it"); the other supervisors see the pending requests on the approvals screen (ctrl+a)
// and approve or refuse them there. The list and its actions are one model, approvalList, that a
// screen embeds: the approvals screen here, the lock board later.

// approvalsMsg is the pending requests, read for the list's load seq.
type approvalsMsg struct {
	seq  uint64
	list []model.Approval
	now  time.Time
	err  error
}

// decidedMsg answers an approval (refusal empty) or a refusal of request id.
type decidedMsg struct {
	id      int64
	refusal string
	res     model.ApprovalResult
	err     error
}

func (io *backendCmds) approvals(seq uint64) tea.Cmd {
	return io.run(func(ctx context.Context) tea.Msg {
		ab, ok := io.b.(client.Approvals)
		if !ok {
			return approvalsMsg{seq: seq, list: []model.Approval{}}
		}
		list, err := ab.ListApprovals(ctx)
		now, nerr := io.b.Now(ctx)
		if nerr != nil {
			now = time.Now()
		}
		return approvalsMsg{seq, list, now, err}
	}, func(err error) tea.Msg { return approvalsMsg{seq: seq, err: err} })
}

func (io *backendCmds) decide(id int64, refusal string) tea.Cmd {
	return io.run(func(ctx context.Context) tea.Msg {
		ab, ok := io.b.(client.Approvals)
		if !ok {
			return decidedMsg{id: id, refusal: refusal, err: model.ErrNotPermitted}
		}
		if refusal != "" {
			a, err := ab.Refuse(ctx, id, refusal)
			return decidedMsg{id, refusal, model.ApprovalResult{Approval: a}, err}
		}
		res, err := ab.Approve(ctx, id)
		return decidedMsg{id, "", res, err}
	}, func(err error) tea.Msg { return decidedMsg{id: id, refusal: refusal, err: err} })
}

// approvalKeys are the list's keys.
type approvalKeys struct {
	Up, Down, Approve, Refuse, Reload, Send, Yes, No key.Binding
}

func newApprovalKeys() approvalKeys {
	return approvalKeys{
		Up:      b(k("up", "k"), "↑/k", "up"),
		Down:    b(k("down", "j"), "↓/j", "down"),
		Approve: b(k("a"), "a", "approve"),
		Refuse:  b(k("x"), "x", "refuse"),
		Reload:  b(k("r"), "r", "reload"),
		Send:    b(k("enter"), "enter", "refuse"),
		Yes:     b(k("y"), "y", "yes"),
		No:      b(k("n", "esc"), "n/esc", "cancel"),
	}
}

type approvalStep int

const (
	approvalBrowse  approvalStep = iota
	approvalConfirm              // y/n to approve the selected request
	approvalReason               // typing the refusal's reason
	approvalSending              // a decision sent, waiting for its answer
)

// approvalList is the pending approval requests and their two actions, approve and refuse. It
// does its I/O through commands and says what it wants as actions, like a screen; whoever embeds
// it routes approvalsMsg and decidedMsg to it.
type approvalList struct {
	c      *common
	keys   approvalKeys
	seq    uint64 // the load asked last: an older answer is dropped
	items  []model.Approval
	now    time.Time
	cur    int
	loaded bool
	step   approvalStep
	reason textinput.Model
	w      int
}

func newApprovalList(c *common) *approvalList {
	in := textinput.New()
	in.Prompt = "Why refuse: "
	in.CharLimit = model.MaxReasonLength
	in.SetStyles(c.st.Input)
	return &approvalList{c: c, keys: newApprovalKeys(), reason: in}
}

func (l *approvalList) setWidth(w int) {
	l.w = w
	l.reason.SetWidth(max(min(w, maxPanel)-16, 10))
}

// load asks for the pending requests.
func (l *approvalList) load() action {
	l.seq++
	return run(l.c.io.approvals(l.seq))
}

func (l *approvalList) selected() (model.Approval, bool) {
	if l.cur < 0 || l.cur >= len(l.items) {
		return model.Approval{}, false
	}
	return l.items[l.cur], true
}

// typing reports whether a refusal's reason is being typed (every printable key is text).
func (l *approvalList) typing() bool { return l.step == approvalReason }

func (l *approvalList) update(msg tea.Msg) action {
	switch msg := msg.(type) {
	case approvalsMsg:
		if msg.seq != l.seq {
			return nil
		}
		l.loaded = true
		if msg.err != nil {
			return sayErr(msg.err)
		}
		l.items, l.now = msg.list, msg.now
		l.cur = min(max(l.cur, 0), max(len(l.items)-1, 0))
		return nil
	case decidedMsg:
		if l.step != approvalSending {
			return nil
		}
		l.step = approvalBrowse
		if msg.err != nil {
			return do(say{toneBad, decisionSentence(msg.err)}, l.load())
		}
		a := msg.res.Approval
		text := fmt.Sprintf("Approved request #%d: %s, asked by %s, is done.", a.ID, safe(a.Target()), safe(a.RequestedBy))
		if msg.refusal != "" {
			text = fmt.Sprintf("Refused request #%d: %s, asked by %s. Nothing was changed.", a.ID, safe(a.Target()), safe(a.RequestedBy))
		}
		return do(say{toneGood, text}, l.load())
	case tea.PasteMsg:
		if l.step == approvalReason {
			var cmd tea.Cmd
			l.reason, cmd = l.reason.Update(msg)
			return run(cmd)
		}
	case tea.KeyPressMsg:
		return l.key(msg)
	}
	return nil
}

func (l *approvalList) key(msg tea.KeyPressMsg) action {
	k := l.keys
	switch l.step {
	case approvalSending:
		return nil
	case approvalConfirm:
		switch {
		case key.Matches(msg, k.Yes):
			a, ok := l.selected()
			if !ok {
				l.step = approvalBrowse
				return nil
			}
			l.step = approvalSending
			return do(wait{"Approving"}, run(l.c.io.decide(a.ID, "")))
		case key.Matches(msg, k.No):
			l.step = approvalBrowse
			return say{toneInfo, "Not approved; nothing was changed."}
		}
		return nil
	case approvalReason:
		switch {
		case key.Matches(msg, k.No) && msg.String() == "esc":
			l.step = approvalBrowse
			l.reason.Reset()
			l.reason.Blur()
			return say{toneInfo, "Not refused; nothing was changed."}
		case key.Matches(msg, k.Send):
			if warn := reasonProblem(l.reason.Value()); warn != nil {
				return warn
			}
			r := strings.TrimSpace(l.reason.Value())
			a, ok := l.selected()
			if !ok {
				return nil
			}
			l.step = approvalSending
			l.reason.Reset()
			l.reason.Blur()
			return do(wait{"Refusing"}, run(l.c.io.decide(a.ID, r)))
		}
		var cmd tea.Cmd
		l.reason, cmd = l.reason.Update(msg)
		return run(cmd)
	}
	switch {
	case key.Matches(msg, k.Up):
		l.cur = max(l.cur-1, 0)
	case key.Matches(msg, k.Down):
		l.cur = min(l.cur+1, max(len(l.items)-1, 0))
	case key.Matches(msg, k.Reload):
		return l.load()
	case key.Matches(msg, k.Approve), key.Matches(msg, k.Refuse):
		a, ok := l.selected()
		if !ok {
			return say{toneInfo, "No request is pending."}
		}
		if model.SameOperator(l.c.op, a.RequestedBy, "") {
			// The core refuses it too; saying so here spares a round trip and a puzzled look.
			return say{toneWarn, fmt.Sprintf("Request #%d is yours: another supervisor must approve or refuse it.", a.ID)}
		}
		if key.Matches(msg, k.Approve) {
			l.step = approvalConfirm
			return say{toneNeutral, ""}
		}
		l.step = approvalReason
		return do(say{toneNeutral, ""}, run(l.reason.Focus()))
	}
	return nil
}

// decisionSentence says why a decision failed, plainly: the core's detail for the cases a
// supervisor meets here (closed, gone, yours).
func decisionSentence(err error) string {
	switch {
	case errors.Is(err, model.ErrApprovalClosed), errors.Is(err, model.ErrNotLocked), errors.Is(err, model.ErrHardLocked):
		_, d, _ := strings.Cut(err.Error(), ": ")
		return capitalise(safe(strings.TrimRight(d, "."))) + "."
	}
	return sentence(err)
}

func (l *approvalList) ShortHelp() []key.Binding {
	k := l.keys
	switch l.step {
	case approvalConfirm:
		return []key.Binding{k.Yes, k.No}
	case approvalReason:
		return []key.Binding{k.Send, l.c.keys.Global.Back}
	case approvalSending:
		return nil
	}
	return []key.Binding{k.Approve, k.Refuse, k.Reload, l.c.keys.Global.Back}
}

func (l *approvalList) FullHelp() [][]key.Binding {
	k := l.keys
	return [][]key.Binding{{k.Up, k.Down, k.Approve, k.Refuse, k.Reload}}
}

// view is the list, the selected request in full, and what is being asked.
func (l *approvalList) view() string {
	st := l.c.st
	inner := max(min(l.w, maxPanel)-4, 10)
	var lines []string
	switch {
	case !l.loaded:
		lines = append(lines, st.Subtle.Render("Loading the pending requests…"))
	case len(l.items) == 0:
		lines = append(lines, "No request is waiting for approval.")
	}
	for i, a := range l.items {
		mark := "  "
		if i == l.cur {
			mark = "▸ "
		}
		row := fmt.Sprintf("%s#%d  %s  asked by %s  expires %s", mark, a.ID, safe(a.Target()), safe(a.RequestedBy), l.expiry(a))
		if model.SameOperator(l.c.op, a.RequestedBy, "") {
			row += "  (yours)"
		}
		if i == l.cur {
			row = st.Bold.Render(row)
		}
		lines = append(lines, wrap(row, inner)...)
	}
	if a, ok := l.selected(); ok {
		lines = append(lines, "")
		for _, s := range append([]string{fmt.Sprintf("Request #%d: %s (%s)", a.ID, safe(a.Target()), safe(a.AccountName))}, l.requestLines(a)...) {
			lines = append(lines, wrap(s, inner)...)
		}
		lines = append(lines, "")
		lines = append(lines, l.stepLines(a, inner)...)
	}
	return strings.Join(lines, "\n")
}

// requestLines are what a person deciding reads of a request beside its target: the requester's
// reason (and the asking call's ticket), who asked, when, and why it waits. The lock board shows
// them under a request's row too.
func (l *approvalList) requestLines(a model.Approval) []string {
	why := map[string]string{model.RuleApprovalReset: "every reset needs a second supervisor",
		model.RuleApprovalRepeatUnlock: "unlocked once already in the last 24 hours",
		model.RuleApprovalUnlock:       "every unlock needs a second supervisor"}[a.Rule]
	reason := "Reason: " + safe(a.Reason)
	if a.Ticket != "" { // the asking call's, which the action will be recorded with
		reason += " · ticket " + safe(a.Ticket)
	}
	return []string{reason,
		fmt.Sprintf("Asked by %s (%s) at %s; %s.", safe(a.RequestedBy), a.RequesterRole, a.Created.In(l.c.loc).Format("15:04"), why)}
}

// stepLines are what is being asked of the selected request a, wrapped to inner: the prompt to
// approve or refuse, the yes/no of an approval, the refusal's reason, or that it is sent.
func (l *approvalList) stepLines(a model.Approval, inner int) []string {
	st := l.c.st
	var lines []string
	switch l.step {
	case approvalConfirm:
		what := "Unlock " + a.Holder + " on " + a.AccountNumber
		if a.Action == model.ApprovalReset {
			what = "Reset account " + a.AccountNumber + ", revoking every PIN"
		}
		lines = append(lines, wrap(st.Bold.Render(safe(what)+" now, as "+safe(a.RequestedBy)+" asked?")+"  y = yes · n = no", inner)...)
	case approvalReason:
		lines = append(lines, l.reason.View())
	case approvalSending:
		lines = append(lines, st.Subtle.Render("Sending…"))
	default:
		for _, l := range wrap("a approves (the action is done at once), x refuses with a reason.", inner) {
			lines = append(lines, st.Subtle.Render(l))
		}
	}
	return lines
}

func (l *approvalList) expiry(a model.Approval) string {
	at := a.Expires.In(l.c.loc).Format("15:04")
	if l.now.IsZero() {
		return at
	}
	left := a.Expires.Sub(l.now).Round(time.Minute)
	if left < time.Minute {
		return at + " (in under a minute)"
	}
	return fmt.Sprintf("%s (in %d min)", at, int(left.Minutes()))
}

// approvalsScreen is the approval list on a screen of its own, opened with ctrl+a over any
// screen, and left with esc for the screen it was opened from.
type approvalsScreen struct {
	c    *common
	list *approvalList
	h    int
}

func newApprovalsScreen(c *common) *approvalsScreen {
	return &approvalsScreen{c: c, list: newApprovalList(c)}
}

func (s *approvalsScreen) open() action      { s.list.step = approvalBrowse; return s.list.load() }
func (s *approvalsScreen) helpTitle() string { return "Approvals (dual control)" }
func (s *approvalsScreen) title() string     { return "approvals" }
func (s *approvalsScreen) setSize(w, h int)  { s.list.setWidth(w); s.h = h }
func (s *approvalsScreen) restyle()          { s.list.reason.SetStyles(s.c.st.Input) }
func (s *approvalsScreen) text() textMode {
	if s.list.typing() {
		return textFree
	}
	return textNone
}

func (s *approvalsScreen) ShortHelp() []key.Binding { return s.list.ShortHelp() }
func (s *approvalsScreen) FullHelp() [][]key.Binding {
	if !s.c.keys.Global.Approvals.Enabled() {
		return nil
	}
	return s.list.FullHelp()
}

func (s *approvalsScreen) update(msg tea.Msg) action {
	if m, ok := msg.(tea.KeyPressMsg); ok && key.Matches(m, s.c.keys.Global.Back) && s.list.step == approvalBrowse {
		return back{}
	}
	return s.list.update(msg)
}

func (s *approvalsScreen) view() string {
	st := s.c.st
	return st.Title.Render("APPROVALS · waiting for a second supervisor") + "\n\n" + s.list.view()
}

// Dual control in the unlock and reset dialog: the answer that the action waits for approval.

// awaitApproval ends the dialog on the panel that says the action waits for a second supervisor,
// when err says so.
func (s *dialogScreen) awaitApproval(err error) (action, bool) {
	var ar *model.ApprovalRequiredError
	if !errors.As(err, &ar) {
		return nil, false
	}
	s.step, s.pending = stepPending, ar
	s.reason.Reset()
	return say{toneWarn, approvalSentence(ar, s.c.loc)}, true
}

// approvalSentence is the status line of an action waiting for approval.
func approvalSentence(ar *model.ApprovalRequiredError, loc *time.Location) string {
	a := ar.Request
	who := ""
	if ar.Existing {
		who = fmt.Sprintf(" (asked already by %s)", safe(a.RequestedBy))
	}
	return fmt.Sprintf("Not done yet: needs a second supervisor. Request #%d%s expires at %s; another supervisor must approve it.",
		a.ID, who, a.Expires.In(loc).Format("15:04"))
}

// pendingLines are the dialog's panel for an action waiting for approval.
func (s *dialogScreen) pendingLines() []string {
	a := s.pending.Request
	what := "This unlock"
	if a.Action == model.ApprovalReset {
		what = "This reset"
	}
	lines := []string{
		s.c.st.tone(toneWarn).Render(fmt.Sprintf("NEEDS A SECOND SUPERVISOR · request #%d", a.ID)),
		"",
		fmt.Sprintf("%s was not done. Another supervisor must approve it (on the lock board, ctrl+o, or approvals, ctrl+a) before %s; until then nothing changes, and after that the request expires.",
			what, a.Expires.In(s.c.loc).Format("15:04")),
	}
	if s.pending.Existing {
		lines = append(lines, fmt.Sprintf("It was asked already by %s at %s.", safe(a.RequestedBy), a.Created.In(s.c.loc).Format("15:04")))
	}
	back := "the account"
	if s.home() == scrBoard {
		back = "the board"
	}
	return append(lines, "", s.c.st.Subtle.Render("Press any key to go back to "+back+"."))
}

package ui

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/pindesk/pindesk/model"
)

type dialogKind int

const (
	dialogUnlock dialogKind = iota + 1
	dialogReset
	dialogClearDispute // holder is the dispute's id
)

type dialogStep int

const (
	stepReason  dialogStep = iota // typing the reason
	stepConfirm                   // y/n
	stepWorking                   // sent, waiting for the answer
	stepDone                      // finished; the root returns to the account
	stepPending                   // not done: waiting for a second supervisor (approvals.go)
)

// dialogScreen is a supervisor's unlock or account reset: a reason (it goes to the audit trail),
// then an explicit yes. Only operators whose role permits the action ever reach it.
type dialogScreen struct {
	c      *common
	kind   dialogKind
	holder string
	step   dialogStep
	reason textinput.Model
	w, h   int
	// on is the holder's account as the lock board shows it, when the dialog was opened there
	// (ui/board.go): the unlock is of that holder, and the dialog returns to the board. nil: the
	// dialog is about the call's account.
	on *boardSubject
	// pending is the approval request the action waits for (stepPending).
	pending *model.ApprovalRequiredError
}

func newDialogScreen(c *common) *dialogScreen {
	in := textinput.New()
	in.Prompt = "Reason: "
	in.Placeholder = "e.g. identity confirmed by call-back to the number on file"
	in.CharLimit = model.MaxReasonLength
	in.SetStyles(c.st.Input)
	return &dialogScreen{c: c, reason: in}
}

func (s *dialogScreen) restyle() { s.reason.SetStyles(s.c.st.Input) }
func (s *dialogScreen) setSize(w, h int) {
	s.w, s.h = w, h
	s.reason.SetWidth(max(min(w, maxPanel)-14, 10))
}
func (s *dialogScreen) done() bool    { return s.step == stepDone }
func (s *dialogScreen) focus() action { return run(s.reason.Focus()) }
func (s *dialogScreen) reset() {
	s.kind, s.holder, s.step, s.on, s.pending = 0, "", stepReason, nil, nil
	s.reason.Reset()
}

// subject is the account the dialog is about: the board's holder's, or the call's.
func (s *dialogScreen) subject() *model.AccountView {
	if s.on != nil {
		return &s.on.view
	}
	return s.c.call.view
}

// home is where the dialog returns: the lock board it was opened from, or the account.
func (s *dialogScreen) home() screenID {
	if s.on != nil {
		return scrBoard
	}
	return scrAccount
}

func (s *dialogScreen) title() string {
	switch s.kind {
	case dialogReset:
		return "reset account"
	case dialogClearDispute:
		return "clear dispute"
	}
	return "unlock"
}

func (s *dialogScreen) text() textMode {
	if s.step == stepReason {
		return textFree
	}
	return textNone
}

func (s *dialogScreen) helpTitle() string { return "Unlock / reset" }

// FullHelp lists the dialog's keys for an operator who may unlock or reset; nobody else reaches it.
func (s *dialogScreen) FullHelp() [][]key.Binding {
	k := s.c.keys
	if !k.Account.Unlock.Enabled() && !k.Account.Reset.Enabled() {
		return nil
	}
	return [][]key.Binding{{k.Dialog.Next, k.Dialog.Yes, k.Dialog.No}}
}

func (s *dialogScreen) ShortHelp() []key.Binding {
	k := s.c.keys.Dialog
	switch s.step {
	case stepReason:
		return []key.Binding{k.Next, s.c.keys.Global.Back}
	case stepConfirm:
		return []key.Binding{k.Yes, k.No}
	}
	return nil
}

func (s *dialogScreen) open(kind dialogKind, holder string) {
	s.reset()
	s.kind, s.holder = kind, holder
}

func (s *dialogScreen) permitted() bool {
	switch s.kind {
	case dialogReset:
		return s.c.may(model.PermReset)
	case dialogClearDispute:
		return s.c.may(model.PermClearDispute)
	}
	return s.c.may(model.PermUnlock)
}

func (s *dialogScreen) update(msg tea.Msg) action {
	switch msg := msg.(type) {
	case unlockMsg:
		return s.answered(msg.err, func() string {
			return fmt.Sprintf("Unlocked %s; the failed attempts are cleared. Verify the caller again.", s.name())
		})
	case clearDisputeMsg:
		return s.answered(msg.err, func() string {
			return "Dispute cleared; the reason is in the audit trail. A hard lock stays until the customer or an admin lifts it."
		})
	case resetMsg:
		return s.answered(msg.err, func() string {
			return fmt.Sprintf("Account reset: %s revoked, %s unlocked. The customer must create new PINs.",
				plural(msg.res.RevokedPINs, "PIN", "PINs"), plural(msg.res.UnlockedHolders, "holder", "holders"))
		})
	case tea.PasteMsg:
		if s.step == stepReason {
			var cmd tea.Cmd
			s.reason, cmd = s.reason.Update(msg)
			return run(cmd)
		}
	case tea.KeyPressMsg:
		if !s.permitted() || s.step == stepPending {
			home := s.home()
			s.reset()
			return goTo{home}
		}
		k := s.c.keys.Dialog
		switch s.step {
		case stepReason:
			switch {
			case key.Matches(msg, s.c.keys.Global.Back):
				home := s.home()
				s.reset()
				return goTo{home}
			case key.Matches(msg, k.Next):
				if warn := reasonProblem(s.reason.Value()); warn != nil {
					return warn
				}
				s.step = stepConfirm
				s.reason.Blur()
				return say{toneNeutral, ""}
			}
			var cmd tea.Cmd
			s.reason, cmd = s.reason.Update(msg)
			return run(cmd)
		case stepConfirm:
			switch {
			case key.Matches(msg, k.Yes):
				return s.send()
			case key.Matches(msg, k.No):
				home := s.home()
				s.reset()
				return do(say{toneInfo, "Cancelled; nothing was changed."}, goTo{home})
			}
		}
	}
	return nil
}

func (s *dialogScreen) send() action {
	v := s.subject()
	if v == nil {
		return nil
	}
	s.step = stepWorking
	reason := strings.TrimSpace(s.reason.Value())
	ch := s.c.call.channel
	if s.kind == dialogClearDispute {
		return do(wait{"Clearing the dispute"},
			run(s.c.io.clearDispute(s.c.call.id, model.ClearDisputeRequest{AccountID: v.Account.ID, DisputeID: s.holder, Reason: reason, Channel: ch})))
	}
	if s.kind == dialogReset {
		return do(wait{"Resetting the account"},
			run(s.c.io.reset(s.c.call.id, model.ResetRequest{AccountID: v.Account.ID, Reason: reason, Channel: ch, Ticket: s.c.call.ticket})))
	}
	return do(wait{"Unlocking"},
		run(s.c.io.unlock(s.c.call.id, model.UnlockRequest{AccountID: v.Account.ID, Holder: s.holder, Reason: reason, Channel: ch, Ticket: s.c.call.ticket})))
}

// answered ends the dialog on success; on an error it goes back to the confirmation, reason kept.
func (s *dialogScreen) answered(err error, ok func() string) action {
	if s.step != stepWorking {
		return nil
	}
	if act, ok := s.awaitApproval(err); ok {
		return act
	}
	if err != nil {
		s.step = stepConfirm
		return sayErr(err)
	}
	s.step = stepDone
	s.reason.Reset()
	return say{toneGood, ok()}
}

func (s *dialogScreen) name() string {
	if v := s.subject(); v != nil {
		return holderName(v.Account, s.holder)
	}
	return s.holder
}

func (s *dialogScreen) view() string {
	st := s.c.st
	v := s.subject()
	if v == nil {
		return ""
	}
	a := v.Account
	var lines []string
	if s.kind == dialogClearDispute {
		lines = append(lines, st.tone(toneBad).Render("CLEAR DISPUTE · "+a.Number+" · "+a.Name), "")
		for _, d := range v.Disputes {
			if d.ID == s.holder {
				lines = append(lines, fmt.Sprintf("%s disputed a %s notice on %s.", holderName(a, d.Holder), d.EventType, stamp(d.Time, s.c.loc)))
			}
		}
		lines = append(lines, "Clear it only once the customer's report has been looked into. Clearing removes the DISPUTED mark; it does not unlock.")
	} else if s.kind == dialogReset {
		lines = append(lines,
			st.tone(toneBad).Render("RESET ACCOUNT "+a.Number+" · "+a.Name),
			"",
			"This revokes EVERY support PIN on the account and clears every lock. Every contact must create new PINs before they can be verified again. Use it after a suspected malicious attempt.")
	} else if s.on != nil {
		lines = append(lines, st.Title.Render("UNLOCK "+holderName(a, s.holder)+" · "+a.Number+" · "+a.Name), "", s.on.summary,
			"Unlock only after confirming the caller's identity another way (call-back to the number on file, ID check). The failed attempts are cleared.")
	} else {
		lines = append(lines, st.Title.Render("UNLOCK "+whoLabel(a, s.holder, "")+" · "+a.Number), "")
		if h, ok := v.Holder(s.holder); ok {
			lines = append(lines, holderBadge(h, a.UsesPINs, s.c.call.now).text(st)+"  "+holderDetail(h, a.UsesPINs, s.c.call.now, s.c.loc))
		}
		lines = append(lines, "Unlock only after confirming the caller's identity another way (call-back to the number on file, ID check). The failed attempts are cleared.")
	}
	lines = append(lines, "")
	switch s.step {
	case stepPending:
		lines = append(lines, s.pendingLines()...)
	case stepReason:
		lines = append(lines, s.reason.View(), "", st.Subtle.Render("The reason is kept in the audit trail with your name."))
	case stepConfirm, stepWorking:
		lines = append(lines, st.Label.Render("Reason: ")+strings.TrimSpace(s.reason.Value()), "")
		what := "Unlock " + s.name()
		switch s.kind {
		case dialogReset:
			what = "Reset account " + a.Number
		case dialogClearDispute:
			what = "Clear the dispute on " + a.Number
		}
		if s.step == stepConfirm {
			lines = append(lines, st.Bold.Render(what+" now?")+"  y = yes · n = no")
		} else {
			lines = append(lines, st.Subtle.Render(what+"…"))
		}
	}
	w := min(s.w, maxPanel)
	inner := max(w-4, 10)
	var out []string
	for _, l := range lines {
		out = append(out, wrap(l, inner)...)
	}
	lines = out
	return st.Dialog.Width(w).Render(strings.Join(lines, "\n"))
}

// reasonProblem is the agent's sentence for a reason the audit trail cannot take (none, or too
// long), or nil for a good one. Every dialog that asks for a reason (unlock, reset, clearing an
// alert, refusing a request) checks it the same way before anything is sent.
func reasonProblem(typed string) action {
	r := strings.TrimSpace(typed)
	switch {
	case r == "":
		return say{toneWarn, "A reason is required: it is kept in the audit trail."}
	case utf8.RuneCountInString(r) > model.MaxReasonLength:
		return say{toneWarn, fmt.Sprintf("A reason has at most %d characters.", model.MaxReasonLength)}
	}
	return nil
}

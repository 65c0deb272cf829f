package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/pindesk/pindesk/model"
)

// A code emailed to the caller (issue 11): on the PIN field the agent presses e, and pindesk emails
// a one-time code to the calling contact's address on file. The app never sees the code: the
// answer says only where (masked) and until when. The caller reads it back and the agent types it
// in the same field, where it is verified like any PIN.

// codeSentMsg is the answer to a send.
type codeSentMsg struct {
	tag
	contact string
	res     model.CodeSent
	err     error
}

func (io *backendCmds) sendCode(call uint64, req model.CodeRequest) tea.Cmd {
	return io.run(func(ctx context.Context) tea.Msg {
		res, err := io.b.SendCode(ctx, req)
		return codeSentMsg{tag{call}, req.Contact, res, err}
	}, func(err error) tea.Msg { return codeSentMsg{tag: tag{call}, contact: req.Contact, err: err} })
}

// sendCode asks for a code for the caller on the line. Once: a second e before the answer does
// nothing, so one key press never spends two of the contact's sends.
func (s *entryScreen) sendCode() action {
	call := s.c.call
	if call.view == nil || call.caller == "" || s.sending {
		return nil
	}
	s.sending = true
	req := model.CodeRequest{AccountID: call.view.Account.ID, Contact: call.caller, Channel: call.channel}
	return do(wait{"Emailing a code to the caller"}, run(s.c.io.sendCode(call.id, req)))
}

// codeStatus is the status line of a code sent.
func codeStatus(sent model.CodeSent, c *common) string {
	return fmt.Sprintf("Code sent to %s, valid until %s — ask the caller to read it back.", safe(sent.SentTo), sent.ExpiresAt.In(c.loc).Format("15:04"))
}

func (a *App) onCodeSent(msg codeSentMsg) tea.Cmd {
	a.clearBusy()
	a.entry.sending = false
	if msg.contact != a.c.call.caller {
		return nil // the agent picked another caller meanwhile
	}
	if msg.err != nil {
		cmd := a.apply(failed{msg.err}) // notes what the error tells of the connection
		a.setStatus(toneBad, codeSentence(msg.err, a.c))
		a.statusConn = unreachable(msg.err)
		return cmd
	}
	sent := msg.res
	a.entry.code = &sent
	a.setStatus(toneGood, codeStatus(sent, a.c))
	return a.reload() // the contact now has an emailed code: the account shows it
}

// codeSentence says why no code went out.
func codeSentence(err error, c *common) string {
	var cl *model.CodeLimitError
	switch {
	case errors.As(err, &cl):
		when := cl.RetryAt.In(c.loc).Format("15:04")
		if cl.Limit == model.LimitCodeToken {
			return "No code sent: this desk has sent as many codes as it may in an hour. The next can go at " + when + "."
		}
		return "No code sent: this caller has been sent as many codes as they may in an hour. The next can go at " + when + "."
	case errors.Is(err, model.ErrNoEmail):
		_, after, _ := strings.Cut(err.Error(), model.ErrNoEmail.Error())
		return "No code sent: no email on file" + safe(strings.TrimRight(after, ".")) + ". Verify the caller another way."
	case errors.Is(err, model.ErrCodeUndeliverable):
		return "No code sent: this pindesk sends no email. Codes need `pindesk serve` with a mail server (notify.smtp_host)."
	case errors.Is(err, model.ErrLocked):
		if d := strings.TrimPrefix(detail(err, model.ErrLocked), ": "); d != "" {
			return "No code sent: " + d + "."
		}
		return "No code sent: the caller's PIN is locked. A supervisor must unlock it first."
	}
	return "No code sent. " + sentence(err)
}

// mayEmailCode reports whether a code can be offered to the contact: they have an email on file.
// (Whether this pindesk sends email, only the backend knows: the send says so if it does not.)
func mayEmailCode(a model.Account, contactID string) bool {
	c, ok := a.Contact(contactID)
	return ok && c.Email != ""
}

// noPINFor is what the agent is told of a caller with no active PIN: the emailed code, when they
// have an address on file.
func noPINFor(a model.Account, contactID string) string {
	if mayEmailCode(a, contactID) {
		return "No PIN: press enter, then e to email the caller a one-time code (or they create a PIN in the portal)."
	}
	return noPINText
}

package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/pindesk/pindesk/model"
)

// entryScreen is the masked PIN field for the holder being verified. Digits only, one dot each;
// enter sends the PIN. The digits stay in the field's zeroable buffer until the answer: any answer
// from the core wipes them, but a PIN the server never checked — offline, timed out, busy or rate
// limited — is kept, so that enter sends it again without the caller reading it out again (under
// the same idempotency key, so an attempt whose answer was lost counts once). End call, idle and
// leaving the field wipe it as always.
type entryScreen struct {
	c       *common
	pin     pinInput
	waiting bool   // the PIN is sent; the root holds the keys typed until the answer
	key     string // the idempotency key of the PIN in the field, while it is kept for a retry
	sending bool   // a code is being emailed (emailcode.go)
	// code is the code emailed to this caller on this call: where and until when, never the code.
	code *model.CodeSent
	w, h int
}

func newEntryScreen(c *common) *entryScreen {
	return &entryScreen{c: c, pin: newPINInput(c.policy)}
}

func (s *entryScreen) title() string            { return "verify PIN" }
func (s *entryScreen) text() textMode           { return textNone }
func (s *entryScreen) setSize(w, h int)         { s.w, s.h = w, h }
func (s *entryScreen) setPolicy(p model.Policy) { s.pin.setPolicy(p) }
func (s *entryScreen) wipe()                    { s.pin.wipe(); s.key = "" }
func (s *entryScreen) reset()                   { s.wipe(); s.waiting, s.sending, s.code = false, false, nil }
func (s *entryScreen) start() {
	s.wipe()
	s.waiting, s.code = false, nil
	s.pin.setPolicy(s.c.policy)
}

// answered ends the wait. The PIN is kept for a retry when the server did not check it (keepPIN),
// and wiped otherwise.
func (s *entryScreen) answered(err error) (kept bool) {
	s.waiting = false
	if err != nil && keepPIN(err) && s.pin.Len() > 0 {
		return true
	}
	s.wipe()
	return false
}

func (s *entryScreen) helpTitle() string { return "PIN entry" }

func (s *entryScreen) ShortHelp() []key.Binding {
	k := s.c.keys.Entry
	return []key.Binding{k.Digits, k.Submit, k.Delete, k.SendCode, s.c.keys.Global.Back}
}

func (s *entryScreen) FullHelp() [][]key.Binding {
	k := s.c.keys.Entry
	return [][]key.Binding{{k.Digits, k.Submit, k.Delete, k.Clear, k.SendCode}}
}

func (s *entryScreen) update(msg tea.Msg) action {
	if s.waiting {
		return nil
	}
	switch msg := msg.(type) {
	case tea.PasteMsg:
		if !s.pin.paste(msg.Content) {
			return say{toneWarn, fmt.Sprintf("The pasted text is not a PIN of %s; nothing was added.", s.c.policyLength())}
		}
		s.key = "" // another PIN: another attempt
		return nil
	case tea.KeyPressMsg:
		k := s.c.keys.Entry
		switch {
		case key.Matches(msg, k.Submit):
			return s.submit()
		case key.Matches(msg, k.SendCode):
			return s.sendCode()
		case key.Matches(msg, s.c.keys.Global.Back):
			s.pin.wipe()
			return goTo{scrAccount}
		}
		if handled, refused := s.pin.update(msg, s.c.keys); handled {
			if !refused {
				s.key = "" // the PIN changed: it is another attempt
			}
			switch {
			case !refused:
				return say{toneNeutral, ""}
			case s.pin.Len() >= s.pin.max:
				return say{toneWarn, fmt.Sprintf("A PIN has %s; press enter to verify or ⌫ to correct.", s.c.policyLength())}
			default:
				return say{toneWarn, "Digits only."}
			}
		}
	}
	return nil
}

func (s *entryScreen) submit() action {
	call := s.c.call
	if call.view == nil || call.caller == "" {
		return nil
	}
	if !s.pin.Complete() {
		return say{toneWarn, fmt.Sprintf("A PIN has %s; %d typed so far.", s.c.policyLength(), s.pin.Len())}
	}
	if s.key == "" {
		s.key = newKey()
	}
	// The caller, never a holder: the core compares every PIN they may give.
	req := model.CallerVerifyRequest{
		AccountID:      call.view.Account.ID,
		Contact:        call.caller,
		PIN:            s.pin.value(), // kept in the field until the answer (see entryScreen)
		Channel:        call.channel,
		IdempotencyKey: s.key,
		Ticket:         call.ticket,
	}
	call.fixed = true
	s.waiting = true
	return do(wait{"Verifying the PIN"}, run(s.c.io.verifyCaller(call.id, req)))
}

func (s *entryScreen) view() string {
	st := s.c.st
	call := s.c.call
	if call.view == nil {
		return ""
	}
	a := call.view.Account
	var b strings.Builder
	b.WriteString(st.Title.Render("Verify "+whoLabel(a, call.holder, call.caller)) + "\n")
	b.WriteString(st.Label.Render("Account ") + a.Number + " · " + a.Name + st.Label.Render("   Channel: ") + string(call.channel) + "\n\n")
	warned := false
	for _, id := range []string{call.caller, model.AccountWide} {
		h, ok := call.view.Holder(id)
		if !ok || (!hasActivePIN(h, call.now) && !h.Locked()) {
			continue
		}
		whose := "Their own PIN"
		if id == model.AccountWide {
			whose = "The account-wide PIN"
		}
		locked := outcomeBadges[model.OutcomeLocked].render(st) + " "
		switch {
		case h.HardLocked:
			b.WriteString(locked + st.tone(toneBad).Render(clip(whose+" is hard-locked and will not be checked: the portal or an admin unlocks it.", max(s.w-12, 20))) + "\n")
		case h.Locked():
			b.WriteString(locked + st.tone(toneBad).Render(clip(whose+" is locked: it will not be checked until a supervisor unlocks it.", max(s.w-12, 20))) + "\n")
		case h.Failures > 0:
			b.WriteString(st.tone(toneWarn).Render(clip(fmt.Sprintf("! %s: %d of %d attempts left before it locks.", whose, h.MaxFailures-h.Failures, h.MaxFailures), s.w)) + "\n")
		default:
			continue
		}
		warned = true
	}
	if warned {
		b.WriteString("\n")
	}
	if s.code != nil {
		b.WriteString(st.tone(toneGood).Render(clip(codeStatus(*s.code, s.c), max(s.w, 20))) + "\n")
		b.WriteString("Type the code the caller reads back from their email:\n\n")
	} else {
		b.WriteString("Ask the caller to read their support PIN, and type it:\n\n")
	}
	b.WriteString("    " + s.pin.view(st) + st.Subtle.Render(fmt.Sprintf("   %d of %s", s.pin.Len(), s.c.policyLength())) + "\n\n")
	if s.waiting {
		b.WriteString(st.Subtle.Render("Checking… keys typed now are kept for the next screen."))
	} else if s.key != "" {
		b.WriteString(st.Subtle.Render("The server did not check this PIN. enter sends it again; ctrl+u clears it."))
	} else {
		b.WriteString(st.Subtle.Render("The PIN is never shown and is forgotten as soon as it is sent."))
		if own, _ := call.view.Holder(call.caller); s.code == nil && !own.Locked() { // a locked caller gets no code
			b.WriteString("\n" + st.Subtle.Render("No PIN at hand? e emails a one-time code to the caller's address on file."))
		}
	}
	// A long sentence (a name, the hard-lock notice) goes on to the next line rather than off the
	// edge.
	var out []string
	for _, l := range strings.Split(b.String(), "\n") {
		out = append(out, wrap(l, max(s.w, 20))...)
	}
	return strings.Join(out, "\n")
}

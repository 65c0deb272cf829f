package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/pindesk/pindesk/model"
)

// trainerScreen is the trainer's panel of the demo, shown only when the backend offers demo
// controls (client.Demo). The trainer plays the customer: generates a PIN for a holder of the open
// account and reads it out, moves the demo clock forward to show expiry, and restores every
// scenario. A generated PIN is shown only in demo mode, only here, and forgotten at the end of the
// call.
type trainerScreen struct {
	c       *common
	cursor  int
	gen     *generateMsg
	pins    *pinsMsg // the selected holder's current PINs, read from the demo database
	now     time.Time
	confirm bool // "restore all scenarios?" asked
	w, h    int
}

func newTrainerScreen(c *common) *trainerScreen { return &trainerScreen{c: c} }

func (s *trainerScreen) title() string    { return "trainer panel" }
func (s *trainerScreen) text() textMode   { return textNone }
func (s *trainerScreen) setSize(w, h int) { s.w, s.h = w, h }

// open shows the panel, on the holder selected in the app (or, with no account open, on the
// scenario whose account the search has selected), and asks for the demo clock.
func (s *trainerScreen) open(holder, searched string) action {
	s.confirm = false
	items := s.items()
	for i, it := range items {
		if (holder != "" && it.holder == holder) || (holder == "" && it.scenario != nil && it.scenario.AccountNumber == searched) {
			s.cursor = i
			break
		}
	}
	s.clamp()
	return do(run(s.c.io.now(s.c.call.id)), s.readPINs())
}

// loaded follows a reload of the account: the holders' PINs may have changed.
func (s *trainerScreen) loaded() action { s.clamp(); return s.readPINs() }

func (s *trainerScreen) holdsPIN() bool { return s.gen != nil || s.pins != nil }

// forget drops the generated and read PINs.
func (s *trainerScreen) forget() { s.gen, s.pins, s.confirm, s.now = nil, nil, false, time.Time{} }

// readPINs reads the current PINs of the selected holder, so the trainer can read one out as the
// customer would (demo mode only: the PINs are shown only there).
func (s *trainerScreen) readPINs() action {
	s.pins = nil
	items := s.items()
	v := s.c.call.view
	if !s.c.opts.Demo || s.c.io.demo == nil || v == nil || s.cursor >= len(items) || items[s.cursor].holder == "" {
		return nil
	}
	holder := items[s.cursor].holder
	hs, _ := v.Holder(holder)
	var reqs []model.PINChange
	for _, p := range hs.PINs {
		reqs = append(reqs, s.change(holder, p.Kind))
	}
	if len(reqs) == 0 {
		return nil
	}
	return run(s.c.io.readPINs(s.c.call.id, reqs))
}

func (s *trainerScreen) helpTitle() string { return "Trainer panel" }

// FullHelp lists the panel's keys on a demo backend; elsewhere the panel does not open.
func (s *trainerScreen) FullHelp() [][]key.Binding {
	if !s.c.keys.Global.Trainer.Enabled() {
		return nil
	}
	k := s.c.keys.Trainer
	return [][]key.Binding{{k.Up, k.Down, k.Open, k.Master, k.OneTime, k.Temporary, k.Minutes, k.Hour, k.Day, k.Restore}}
}

func (s *trainerScreen) ShortHelp() []key.Binding {
	k := s.c.keys.Trainer
	if s.confirm {
		return []key.Binding{s.c.keys.Dialog.Yes, s.c.keys.Dialog.No}
	}
	return []key.Binding{k.Master, k.OneTime, k.Temporary, k.Minutes, k.Hour, k.Day, k.Restore, k.Open, s.c.keys.Global.Back}
}

// item is a row of the panel: a holder of the open account, or a scenario to open.
type item struct {
	holder   string
	scenario *Scenario
}

func (s *trainerScreen) items() []item {
	var out []item
	if v := s.c.call.view; v != nil && v.Account.UsesPINs {
		for _, h := range v.Holders {
			out = append(out, item{holder: h.Holder.ContactID})
		}
	}
	for i := range s.c.opts.Scenarios {
		out = append(out, item{scenario: &s.c.opts.Scenarios[i]})
	}
	return out
}

func (s *trainerScreen) clamp() { s.cursor = min(max(s.cursor, 0), max(len(s.items())-1, 0)) }

func (s *trainerScreen) update(msg tea.Msg) action {
	switch msg := msg.(type) {
	case pinsMsg:
		if msg.err != nil {
			return sayErr(msg.err)
		}
		if v := s.c.call.view; v != nil && v.Account.ID == msg.account {
			m := msg
			s.pins = &m
		}
		return nil
	case generateMsg:
		if msg.err != nil {
			return sayErr(msg.err)
		}
		m := msg
		s.gen = &m
		if msg.holder == model.AccountWide {
			return say{toneGood, fmt.Sprintf("New account-wide %s PIN generated.", msg.pin.State.Kind)}
		}
		return say{toneGood, fmt.Sprintf("New %s PIN generated for %s.", msg.pin.State.Kind, s.name(msg.holder))}
	case demoMsg:
		if msg.err != nil {
			return sayErr(msg.err)
		}
		s.now = msg.now
		switch msg.what {
		case "now":
			return nil
		case "restore":
			s.gen = nil
			return say{toneGood, "Every scenario is restored as it was seeded."}
		}
		return say{toneGood, "Demo clock is now " + stamp(msg.now, s.c.loc) + "."}
	case tea.KeyPressMsg:
		return s.key(msg)
	}
	return nil
}

func (s *trainerScreen) key(msg tea.KeyPressMsg) action {
	k := s.c.keys.Trainer
	if s.confirm {
		s.confirm = false
		if key.Matches(msg, s.c.keys.Dialog.Yes) {
			return do(wait{"Restoring the scenarios"}, run(s.c.io.restore(s.c.call.id)))
		}
		return say{toneInfo, "Not restored."}
	}
	items := s.items()
	var it item
	if s.cursor < len(items) {
		it = items[s.cursor]
	}
	switch {
	case key.Matches(msg, s.c.keys.Global.Back):
		return back{}
	case key.Matches(msg, k.Up):
		s.cursor = max(s.cursor-1, 0)
		return s.readPINs()
	case key.Matches(msg, k.Down):
		s.cursor = min(s.cursor+1, max(len(items)-1, 0))
		return s.readPINs()
	case key.Matches(msg, k.Master), key.Matches(msg, k.OneTime), key.Matches(msg, k.Temporary):
		if it.holder == "" {
			return say{toneInfo, "Open an account and choose one of its holders first."}
		}
		kind := model.KindMaster
		if key.Matches(msg, k.OneTime) {
			kind = model.KindOneTime
		} else if key.Matches(msg, k.Temporary) {
			kind = model.KindTemporary
		}
		return do(wait{"Generating a PIN"}, run(s.c.io.generate(s.c.call.id, s.change(it.holder, kind))))
	case key.Matches(msg, k.Minutes):
		return do(wait{"Moving the clock"}, run(s.c.io.advance(s.c.call.id, 10*time.Minute)))
	case key.Matches(msg, k.Hour):
		return do(wait{"Moving the clock"}, run(s.c.io.advance(s.c.call.id, time.Hour)))
	case key.Matches(msg, k.Day):
		return do(wait{"Moving the clock"}, run(s.c.io.advance(s.c.call.id, 24*time.Hour)))
	case key.Matches(msg, k.Restore):
		s.confirm = true
		return say{toneWarn, "Restore every scenario account as seeded? Changes made in this session are lost. y / n"}
	case key.Matches(msg, k.Open):
		if it.scenario != nil {
			return find{query: it.scenario.AccountNumber}
		}
	}
	return nil
}

// change is the PIN change the customer would make in the portal, on their own behalf (for the
// account-wide PIN: on behalf of the first contact allowed to manage it).
func (s *trainerScreen) change(holder string, kind model.Kind) model.PINChange {
	v := s.c.call.view
	req := model.PINChange{AccountID: v.Account.ID, Holder: holder, Kind: kind, OnBehalfOf: holder, Channel: model.ChannelPortal}
	if holder == model.AccountWide {
		req.OnBehalfOf = ""
		for _, c := range v.Account.Contacts {
			if c.Role.MayManageAccountPIN() {
				req.OnBehalfOf = c.ID
				break
			}
		}
	}
	return req
}

// pinOf names a PIN of holder (see pinOf).
func (s *trainerScreen) pinOf(holder string, kind model.Kind) string {
	if v := s.c.call.view; v != nil {
		return pinOf(v.Account, holder, kind)
	}
	return pinOf(model.Account{}, holder, kind)
}

func (s *trainerScreen) name(holder string) string {
	if v := s.c.call.view; v != nil {
		return holderName(v.Account, holder)
	}
	return holder
}

func (s *trainerScreen) view() string {
	st := s.c.st
	var b strings.Builder
	b.WriteString(st.Title.Render("TRAINER PANEL — you play the customer") + "\n")
	now := s.now
	if now.IsZero() {
		now = s.c.call.now
	}
	clock := "…"
	if !now.IsZero() {
		clock = stamp(now, s.c.loc)
	}
	k := s.c.keys.Trainer
	b.WriteString(strings.Join(wrap(st.Label.Render("Demo clock: ")+clock+st.Subtle.Render("   "+keyHints(k.Minutes, k.Hour, k.Day, k.Restore)), s.w), "\n") + "\n\n")

	if s.gen != nil {
		p := s.gen.pin
		if s.c.opts.Demo {
			digits := strings.Join(strings.Split(p.PIN, ""), " ")
			b.WriteString(strings.Join(wrap(st.Label.Render("New "+s.pinOf(s.gen.holder, p.State.Kind)+": ")+st.Secret.Render(digits), s.w), "\n") + "\n")
			b.WriteString(s.para("Read it out as the caller would. It is shown only here, only in demo mode.") + "\n\n")
		} else {
			b.WriteString(s.para("A PIN was generated; it is shown only in demo mode.") + "\n\n")
		}
	}

	items := s.items()
	if len(items) == 0 {
		b.WriteString(s.para("Open an account (esc, then search) to generate PINs for its holders."))
		return b.String()
	}
	detail := s.detail(items)
	used := strings.Count(b.String(), "\n") + len(detail) + 1
	b.WriteString(strings.Join(s.list(items, max(s.h-used, 3)), "\n"))
	if len(detail) > 0 {
		b.WriteString("\n\n" + strings.Join(detail, "\n"))
	}
	return b.String()
}

// current shows the selected holder's PINs as they are in the demo database now (demo mode).
func (s *trainerScreen) current(items []item) []string {
	if s.pins == nil || s.cursor >= len(items) || items[s.cursor].holder != s.pins.holder || !s.c.opts.Demo {
		return nil
	}
	st := s.c.st
	parts := make([]string, 0, len(s.pins.pins))
	for _, p := range s.pins.pins {
		parts = append(parts, string(p.kind)+" "+st.Secret.Render(strings.Join(strings.Split(p.pin, ""), " ")))
	}
	return wrap(st.Label.Render("Current "+s.pinOf(s.pins.holder, "")+": ")+strings.Join(parts, st.Label.Render(" · ")), s.w)
}

// list draws the rows under their headings, scrolled so the cursor stays in the window of height h.
func (s *trainerScreen) list(items []item, h int) []string {
	st := s.c.st
	var lines []string
	cursorLine := 0
	heading := ""
	for i, it := range items {
		head := "Scenarios (enter puts the account number in the search box):"
		if it.scenario == nil {
			head = "Holders of " + s.c.call.view.Account.Number + " (m master · o one-time · t temporary):"
		}
		if head != heading {
			if heading != "" {
				lines = append(lines, "")
			}
			lines = append(lines, styleLines(st.Bold, wrap(head, s.w))...)
			heading = head
		}
		// A row too long for the width goes on under itself, indented to its second column: a lock
		// time or a scenario's title is never cut.
		var text []string
		if it.scenario != nil {
			text = hang(fit(it.scenario.AccountNumber, 10)+" "+it.scenario.Title, max(s.w-2, 10), 11)
		} else {
			v := s.c.call.view
			hs, _ := v.Holder(it.holder)
			nameW := min(24, max(s.w/3, 12))
			head := fit(holderName(v.Account, it.holder), nameW) + " " + fit(holderBadge(hs, true, s.c.call.now).String(), 14) + " "
			detail := holderDetail(hs, true, s.c.call.now, s.c.loc)
			text = []string{head + detail}
			if room := max(s.w-2, 10) - ansi.StringWidth(head); ansi.StringWidth(detail) > room {
				text = []string{strings.TrimRight(head, " ")}
				for _, l := range wrap(detail, max(s.w-2-nameW-1, 10)) {
					text = append(text, strings.Repeat(" ", nameW+1)+l)
				}
			}
		}
		for j, t := range text {
			switch {
			case i == s.cursor && j == 0:
				cursorLine = len(lines)
				lines = append(lines, st.Selected.Render("› "+t))
			case i == s.cursor:
				lines = append(lines, st.Selected.Render("  "+t))
			default:
				lines = append(lines, "  "+t)
			}
		}
	}
	if len(lines) <= h {
		return lines
	}
	start := min(max(cursorLine-h/2, 0), len(lines)-h)
	return lines[start : start+h]
}

// detail explains the selected scenario: what it demonstrates and, in demo mode, who calls and
// with which PIN (the trainer plays that caller).
func (s *trainerScreen) detail(items []item) []string {
	if s.cursor >= len(items) || items[s.cursor].scenario == nil {
		return s.current(items)
	}
	sc := items[s.cursor].scenario
	st := s.c.st
	var out []string
	if sc.Note != "" {
		out = append(out, styleLines(st.Subtle, wrap(sc.Note, max(s.w, 20)))...)
	}
	if s.c.opts.Demo && (sc.Caller != "" || sc.PIN != "") {
		line := st.Label.Render("Caller: ") + sc.Caller
		if sc.PIN != "" {
			line += st.Label.Render("   their PIN: ") + st.Secret.Render(strings.Join(strings.Split(sc.PIN, ""), " "))
		}
		out = append(out, wrap(line, s.w)...)
	}
	return out
}

// para is a sentence of the panel, wrapped to its width.
func (s *trainerScreen) para(text string) string {
	return strings.Join(styleLines(s.c.st.Subtle, wrap(text, max(s.w, 20))), "\n")
}

// keyHints says bindings inline, "h +1 hour · d +24 hours", from their help.
func keyHints(bs ...key.Binding) string {
	parts := make([]string, 0, len(bs))
	for _, b := range bs {
		if b.Enabled() {
			parts = append(parts, b.Help().Key+" "+b.Help().Desc)
		}
	}
	return strings.Join(parts, " · ")
}

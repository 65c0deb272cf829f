package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// helpScreen lists every key of the app, by screen, from the same KeyMap that Update matches.
// Keys the operator's role may not use are disabled in the map and so are not listed.
type helpScreen struct {
	c    *common
	vp   viewport.Model
	from screenID
	w, h int
}

func newHelpScreen(c *common) *helpScreen { return &helpScreen{c: c, vp: viewport.New()} }

func (s *helpScreen) title() string  { return "keys" }
func (s *helpScreen) text() textMode { return textNone }

func (s *helpScreen) setSize(w, h int) {
	s.w, s.h = w, h
	s.vp.SetWidth(w)
	s.vp.SetHeight(max(h-1, 1))
	s.render()
}

func (s *helpScreen) shortHelp() []key.Binding {
	return []key.Binding{s.c.keys.Global.Back, s.c.keys.Audit.Down, s.c.keys.Audit.Up}
}

func (s *helpScreen) open(from screenID) {
	s.from = from
	s.vp.GotoTop()
	s.render()
}

func (s *helpScreen) update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	k := s.c.keys.Audit
	switch {
	case key.Matches(km, s.c.keys.Global.Back):
		return s.c.emit(gotoMsg{s.from})
	case key.Matches(km, k.Up):
		s.vp.ScrollUp(1)
	case key.Matches(km, k.Down):
		s.vp.ScrollDown(1)
	case key.Matches(km, k.PageUp):
		s.vp.PageUp()
	case key.Matches(km, k.PageDown):
		s.vp.PageDown()
	}
	return nil
}

type helpSection struct {
	name     string
	bindings []key.Binding
}

func (s *helpScreen) sections() []helpSection {
	k := s.c.keys
	g := k.Global
	return []helpSection{
		{"Any screen", []key.Binding{g.Help, g.EndCall, g.Channel, g.Back, g.Quit, g.Interrupt, g.Trainer}},
		{"Search", []key.Binding{k.Search.Open, k.Search.Up, k.Search.Down, k.Search.PageUp, k.Search.PageDown}},
		{"Account", []key.Binding{k.Account.Choose, k.Account.Up, k.Account.Down, k.Account.Unlock, k.Account.Reset, k.Account.Audit, k.Account.Refresh}},
		{"PIN entry", []key.Binding{k.Entry.Digits, k.Entry.Submit, k.Entry.Delete, k.Entry.Clear}},
		{"Result", []key.Binding{k.Result.Again, k.Result.Unlock, k.Result.Account}},
		{"Unlock / reset", s.ifAny(k.Account.Unlock.Enabled() || k.Account.Reset.Enabled(), k.Dialog.Next, k.Dialog.Yes, k.Dialog.No)},
		{"Audit trail", s.ifAny(k.Account.Audit.Enabled(), k.Audit.Up, k.Audit.Down, k.Audit.PageUp, k.Audit.PageDown, k.Audit.Older)},
		{"Trainer panel", s.ifAny(g.Trainer.Enabled(), k.Trainer.Up, k.Trainer.Down, k.Trainer.Open, k.Trainer.Master, k.Trainer.OneTime, k.Trainer.Temporary, k.Trainer.Hour, k.Trainer.Day, k.Trainer.Restore)},
	}
}

func (s *helpScreen) ifAny(ok bool, bs ...key.Binding) []key.Binding {
	if !ok {
		return nil
	}
	return bs
}

func (s *helpScreen) block(sec helpSection, w int) []string {
	st := s.c.st
	var lines []string
	for _, b := range sec.bindings {
		if !b.Enabled() {
			continue
		}
		h := b.Help()
		lines = append(lines, clip(st.Key.Render(fit(h.Key, 8))+" "+st.KeyDesc.Render(h.Desc), w))
	}
	if len(lines) == 0 {
		return nil
	}
	return append([]string{st.Section.Render(sec.name)}, lines...)
}

// render lays the sections out in two columns when the terminal is wide enough.
func (s *helpScreen) render() {
	if s.w == 0 {
		return
	}
	cols := 1
	colW := s.w
	if s.w >= 70 {
		cols, colW = 2, (s.w-2)/2
	}
	var blocks [][]string
	total := 0
	for _, sec := range s.sections() {
		if b := s.block(sec, colW); b != nil {
			blocks = append(blocks, b)
			total += len(b) + 1
		}
	}
	var left, right []string
	for _, b := range blocks {
		if cols == 2 && len(left) >= total/2 {
			right = append(right, b...)
			right = append(right, "")
		} else {
			left = append(left, b...)
			left = append(left, "")
		}
	}
	content := strings.Join(left, "\n")
	if cols == 2 {
		pad := lipgloss.NewStyle().Width(colW + 2)
		content = lipgloss.JoinHorizontal(lipgloss.Top, pad.Render(strings.Join(left, "\n")), strings.Join(right, "\n"))
	}
	s.vp.SetContent(content)
}

func (s *helpScreen) view() string {
	more := ""
	if !s.vp.AtBottom() {
		more = "  ·  ↓ more below"
	}
	return s.c.st.Title.Render("Every key") + s.c.st.Subtle.Render("  ·  esc or ? closes"+more) + "\n" + s.vp.View()
}

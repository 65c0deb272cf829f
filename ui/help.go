package ui

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// helpScreen lists every key of the app, a section for each source (the keys of every screen, and
// first the root's global ones), from the sources' FullHelp: the same KeyMap bindings that update
// matches. Keys the operator's role may not use are disabled in the map and so are not listed.
type helpScreen struct {
	c       *common
	vp      viewport.Model
	from    screenID
	sources []helpSource
	w, h    int
}

// helpSource is what declares keys for the help screen: a screen, or the root's global keys.
type helpSource interface {
	help.KeyMap
	helpTitle() string
}

func newHelpScreen(c *common, sources ...helpSource) *helpScreen {
	return &helpScreen{c: c, vp: viewport.New(), sources: sources}
}

func (s *helpScreen) title() string     { return "keys" }
func (s *helpScreen) helpTitle() string { return "Help" }
func (s *helpScreen) text() textMode    { return textNone }

// setSize lays the keys out again only for a new width: the height, which changes whenever a
// status line comes or goes, only sizes the viewport, and open lays them out as the screen shows.
func (s *helpScreen) setSize(w, h int) {
	rewrap := w != s.w
	s.w, s.h = w, h
	s.vp.SetWidth(w)
	s.vp.SetHeight(max(h-1, 1))
	if rewrap {
		s.render()
	}
}

func (s *helpScreen) ShortHelp() []key.Binding {
	return []key.Binding{s.c.keys.Global.Back, s.c.keys.Scroll.Down, s.c.keys.Scroll.Up}
}

// FullHelp is empty: the help screen's own keys are the global ones and scrolling, and it does not
// list itself.
func (s *helpScreen) FullHelp() [][]key.Binding { return nil }

func (s *helpScreen) open(from screenID) {
	s.from = from
	s.vp.GotoTop()
	s.render()
}

func (s *helpScreen) update(msg tea.Msg) action {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	k := s.c.keys.Scroll
	switch {
	case key.Matches(km, s.c.keys.Global.Back):
		return goTo{s.from}
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
	out := make([]helpSection, 0, len(s.sources))
	for _, src := range s.sources {
		var bs []key.Binding
		for _, group := range src.FullHelp() {
			bs = append(bs, group...)
		}
		out = append(out, helpSection{src.helpTitle(), bs})
	}
	return out
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

package ui

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/table"
	"charm.land/bubbles/v2/textinput"
	"charm.land/lipgloss/v2"
)

// tone is what a status means to the agent. Every tone is also said by a word and a symbol (see
// badge.go), so colour only ever repeats what the text already says.
type tone int

const (
	toneNeutral tone = iota
	toneGood
	toneWarn
	toneBad
	toneInfo
)

// maxPanel is the widest a panel or a dialog is drawn: a box of sentences wider than this is
// harder to read on a wide terminal, not easier.
const maxPanel = 80

// palette is the handful of colours the app uses, chosen per background.
type palette struct {
	fg, muted, faint, accent color.Color
	good, warn, bad, info    color.Color
	onBadge                  color.Color // text on a coloured badge
	banner, onBanner         color.Color
	selected                 color.Color
}

func newPalette(isDark bool) palette {
	ld := lipgloss.LightDark(isDark)
	c := lipgloss.Color
	return palette{
		fg:       ld(c("#1f2328"), c("#e6edf3")),
		muted:    ld(c("#57606a"), c("#9da7b3")),
		faint:    ld(c("#8c959f"), c("#6e7681")),
		accent:   ld(c("#0550ae"), c("#79c0ff")),
		good:     ld(c("#1a7f37"), c("#3fb950")),
		warn:     ld(c("#9a6700"), c("#d29922")),
		bad:      ld(c("#cf222e"), c("#f85149")),
		info:     ld(c("#0969da"), c("#58a6ff")),
		onBadge:  ld(c("#ffffff"), c("#0d1117")),
		banner:   ld(c("#bf8700"), c("#e3b341")),
		onBanner: c("#000000"),
		selected: ld(c("#ddf4ff"), c("#1f3a5f")),
	}
}

// Styles is every style of the app, built in one place from a palette.
type Styles struct {
	Header, HeaderDim   lipgloss.Style
	Banner              lipgloss.Style
	Title               lipgloss.Style
	Subtle, Faint, Bold lipgloss.Style
	Label               lipgloss.Style
	Selected            lipgloss.Style // a chosen row: also marked by "›"
	Script              lipgloss.Style
	Panel               lipgloss.Style
	Dialog              lipgloss.Style
	PIN                 lipgloss.Style
	Secret              lipgloss.Style // a generated PIN shown to a trainer
	Key, KeyDesc        lipgloss.Style
	Section             lipgloss.Style

	tones      map[tone]lipgloss.Style // text in a tone
	badges     map[tone]lipgloss.Style // a badge in a tone
	statusLine map[tone]lipgloss.Style

	Help  help.Styles
	Table table.Styles
	Input textinput.Styles
}

// newStyles builds the styles for a dark or light background. With noColor (NO_COLOR) no colour is
// used at all; emphasis is bold and reverse video, which every terminal shows.
func newStyles(isDark, noColor bool) *Styles {
	p := newPalette(isDark)
	n := lipgloss.NewStyle
	fg := func(s lipgloss.Style, c color.Color) lipgloss.Style {
		if noColor {
			return s
		}
		return s.Foreground(c)
	}
	bg := func(s lipgloss.Style, c color.Color) lipgloss.Style {
		if noColor {
			return s
		}
		return s.Background(c)
	}

	s := &Styles{
		Header:    fg(n().Bold(true), p.fg),
		HeaderDim: fg(n(), p.muted),
		Title:     fg(n().Bold(true), p.accent),
		Subtle:    fg(n(), p.muted),
		Faint:     fg(n(), p.faint),
		Bold:      n().Bold(true),
		Label:     fg(n(), p.muted),
		Script:    fg(n().Bold(true), p.fg),
		PIN:       fg(n().Bold(true), p.accent),
		Secret:    fg(n().Bold(true), p.warn),
		Key:       fg(n().Bold(true), p.accent),
		KeyDesc:   fg(n(), p.muted),
		Section:   fg(n().Bold(true).Underline(true), p.fg),
		Panel:     fg(n().Border(lipgloss.RoundedBorder()).Padding(0, 1), p.faint).BorderForeground(p.faint),
		Dialog:    n().Border(lipgloss.DoubleBorder()).Padding(0, 1),
	}
	if noColor {
		s.Panel = n().Border(lipgloss.RoundedBorder()).Padding(0, 1)
	}
	s.Banner = bg(fg(n().Bold(true), p.onBanner), p.banner)
	if noColor {
		s.Banner = s.Banner.Reverse(true)
	}
	s.Selected = bg(n().Bold(true), p.selected)
	if noColor {
		s.Selected = n().Bold(true).Reverse(true)
	}

	colours := map[tone]color.Color{toneNeutral: p.muted, toneGood: p.good, toneWarn: p.warn, toneBad: p.bad, toneInfo: p.info}
	s.tones, s.badges, s.statusLine = map[tone]lipgloss.Style{}, map[tone]lipgloss.Style{}, map[tone]lipgloss.Style{}
	for t, c := range colours {
		s.tones[t] = fg(n().Bold(t != toneNeutral), c)
		if noColor {
			s.badges[t] = n().Bold(true)
		} else {
			s.badges[t] = n().Bold(true).Foreground(p.onBadge).Background(c)
		}
		s.statusLine[t] = fg(n(), c)
	}

	s.Help = help.DefaultStyles(isDark)
	if noColor {
		plain := n()
		s.Help = help.Styles{Ellipsis: plain, ShortKey: n().Bold(true), ShortDesc: plain, ShortSeparator: plain,
			FullKey: n().Bold(true), FullDesc: plain, FullSeparator: plain}
	}

	s.Table = table.Styles{
		Header:   fg(n().Bold(true).Padding(0, 1), p.muted),
		Cell:     n().Padding(0, 1),
		Selected: s.Selected,
	}

	s.Input = textinput.DefaultStyles(isDark)
	if noColor {
		plain := n()
		s.Input.Focused = textinput.StyleState{Text: plain, Placeholder: plain, Suggestion: plain, Prompt: n().Bold(true)}
		s.Input.Blurred = s.Input.Focused
	}
	s.Input.Cursor.Blink = false // a blinking cursor redraws twice a second for nothing
	return s
}

func (s *Styles) tone(t tone) lipgloss.Style  { return s.tones[t] }
func (s *Styles) badge(t tone) lipgloss.Style { return s.badges[t] }

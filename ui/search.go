package ui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/table"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/pindesk/pindesk/model"
)

// searchLimit is how many accounts one search shows; more means the agent should type more.
const searchLimit = 50

// searchScreen is where every call starts: the search box has focus and the results table
// follows what is typed. Each keystroke that changes the query sends a search numbered by seq; an
// answer is shown only if it is newer than the one on screen, so a slow search for "jo" can never
// replace the results for "jonas".
type searchScreen struct {
	c       *common
	input   textinput.Model
	table   table.Model
	results []model.AccountSummary
	more    bool
	seq     uint64 // the last search sent (or the last time the query was cleared)
	shown   uint64 // the search whose results are on screen
	query   string // the query of the results on screen
	// openOn is the search whose top result enter should open when it answers: enter pressed
	// while the results on screen were for an older query (the agent typed ahead).
	openOn uint64
	// err is why the last search failed (nil when it answered): the view says so rather than
	// "no account matches", which would tell the agent the account does not exist.
	err  error
	w, h int
}

func newSearchScreen(c *common) *searchScreen {
	in := textinput.New()
	in.Prompt = "> "
	in.Placeholder = "account number, name, contact, email or phone"
	in.CharLimit = model.MaxQueryLength
	in.SetStyles(c.st.Input)
	t := table.New(table.WithStyles(c.st.Table), table.WithFocused(true))
	s := &searchScreen{c: c, input: in, table: t}
	s.setSize(c.w, c.h)
	return s
}

func (s *searchScreen) title() string  { return "find the caller's account" }
func (s *searchScreen) text() textMode { return textSearch }
func (s *searchScreen) focus() action  { return run(s.input.Focus()) }
func (s *searchScreen) blur()          { s.input.Blur() }
func (s *searchScreen) restyle()       { s.input.SetStyles(s.c.st.Input); s.table.SetStyles(s.c.st.Table) }
func (s *searchScreen) pending() bool  { return s.shown < s.seq }

func (s *searchScreen) helpTitle() string { return "Search" }

func (s *searchScreen) ShortHelp() []key.Binding {
	k := s.c.keys.Search
	return []key.Binding{k.Open, k.Move, s.c.keys.Global.Channel}
}

func (s *searchScreen) FullHelp() [][]key.Binding {
	k := s.c.keys.Search
	return [][]key.Binding{{k.Open, k.Up, k.Down, k.PageUp, k.PageDown}}
}

func (s *searchScreen) setSize(w, h int) {
	s.w, s.h = w, h
	s.input.SetWidth(max(w-4, 10))
	s.table.SetWidth(w)
	s.table.SetHeight(max(h-4, 2))
	s.render(s.table.Cursor())
}

// columns shares the width among the columns by priority: the number is always whole, then the
// name, then the note (it warns "no PIN", and says why an account is listed), then the product.
// A column is never wider than its widest cell, so a wide terminal does not spread the results
// apart; whatever is over goes to the note, the last column.
func (s *searchScreen) columns(rows []table.Row) []table.Column {
	// marker, number, name, product, note: each cell has one space of padding either side.
	titles := []string{" ", "NUMBER", "NAME", "PRODUCT", "NOTE"}
	want := make([]int, len(titles))
	for i, t := range titles {
		want[i] = ansi.StringWidth(t)
	}
	want[1], want[2], want[3] = max(want[1], 10), max(want[2], 12), max(want[3], 10)
	for _, r := range rows {
		for i, c := range r {
			want[i] = max(want[i], ansi.StringWidth(c))
		}
	}
	room := s.w - 2*len(titles)
	widths := make([]int, len(titles))
	least := []int{1, 4, 8, 6, 4} // what a column keeps when the ones before it take their share
	order := []int{0, 1, 2, 4, 3}
	for n, i := range order {
		rest := 0
		for _, j := range order[n+1:] {
			rest += least[j]
		}
		widths[i] = max(min(want[i], room-rest), least[i])
		room -= widths[i]
	}
	widths[len(widths)-1] += max(room, 0)
	cols := make([]table.Column, len(titles))
	for i, t := range titles {
		cols[i] = table.Column{Title: t, Width: widths[i]}
	}
	return cols
}

// reset empties the box and the table; any search still out is outdated by the new seq.
func (s *searchScreen) reset() {
	s.input.Reset()
	s.seq++
	s.shown, s.results, s.more, s.query, s.err = s.seq, nil, false, "", nil
	s.render(0)
}

// retry sends the query again after a failed search (the server is back).
func (s *searchScreen) retry() action {
	if s.err == nil || strings.TrimSpace(s.input.Value()) == "" {
		return nil
	}
	s.seq++
	return run(s.c.io.search(s.c.call.id, s.seq, strings.TrimSpace(s.input.Value()), searchLimit))
}

func (s *searchScreen) update(msg tea.Msg) action {
	switch msg := msg.(type) {
	case searchMsg:
		return s.answered(msg)
	case tea.PasteMsg:
		return s.edit(msg)
	case tea.KeyPressMsg:
		k := s.c.keys.Search
		if !key.Matches(msg, k.Open) {
			s.openOn = 0 // any other key means the agent is not waiting for that answer
		}
		switch {
		case key.Matches(msg, k.Up):
			s.move(-1)
		case key.Matches(msg, k.Down):
			s.move(1)
		case key.Matches(msg, k.PageUp):
			s.move(-max(s.table.Height(), 1))
		case key.Matches(msg, k.PageDown):
			s.move(max(s.table.Height(), 1))
		case key.Matches(msg, k.Open):
			return s.open()
		case key.Matches(msg, s.c.keys.Global.Back):
			if s.input.Value() != "" {
				s.reset()
			}
		default:
			return s.edit(msg)
		}
	}
	return nil
}

func (s *searchScreen) open() action {
	if s.pending() && strings.TrimSpace(s.input.Value()) != "" {
		// The table shows an older query's results: opening its selection could open the wrong
		// account. Open the top result of the query typed, as soon as it answers.
		s.openOn = s.seq
		return nil
	}
	i := s.table.Cursor()
	if i < 0 || i >= len(s.results) {
		if strings.TrimSpace(s.input.Value()) == "" {
			return say{toneInfo, "Type something to search for first."}
		} else if s.pending() {
			return say{toneInfo, "Still searching; press enter again when the account is listed."}
		}
		return nil
	}
	return openAccount{id: s.results[i].ID, contact: s.results[i].MatchedContact}
}

// find puts a query in the box and searches for it.
func (s *searchScreen) find(q string) action {
	s.input.SetValue(q)
	s.input.CursorEnd()
	s.seq++
	return run(s.c.io.search(s.c.call.id, s.seq, strings.TrimSpace(q), searchLimit))
}

// edit passes a key to the search box and, if the query changed, sends a new search.
func (s *searchScreen) edit(msg tea.Msg) action {
	before := s.input.Value()
	var cmd tea.Cmd
	s.input, cmd = s.input.Update(msg)
	if s.input.Value() == before {
		return run(cmd)
	}
	s.seq++
	q := strings.TrimSpace(s.input.Value())
	if q == "" {
		s.shown, s.results, s.more, s.query = s.seq, nil, false, ""
		s.render(s.table.Cursor())
		return run(cmd)
	}
	return do(run(cmd), run(s.c.io.search(s.c.call.id, s.seq, q, searchLimit)))
}

func (s *searchScreen) answered(msg searchMsg) action {
	if msg.seq <= s.shown {
		return nil // older than what is on screen
	}
	s.shown = msg.seq
	s.err = msg.err
	if msg.err != nil {
		s.openOn = 0
		return sayErr(msg.err)
	}
	prev := ""
	if i := s.table.Cursor(); i >= 0 && i < len(s.results) {
		prev = s.results[i].ID
	}
	// Typing on into a word often finds the same accounts again ("garc", "garci", "garcia"):
	// then the table already shows them, and drawing it is most of what an answer costs the app.
	same := slices.Equal(s.results, msg.res.Accounts)
	s.results, s.more, s.query = msg.res.Accounts, msg.res.More, msg.query
	openNow := s.openOn != 0 && s.openOn == msg.seq
	cursor := 0
	for i, r := range s.results {
		if r.ID == prev && !openNow {
			cursor = i // keep the agent's selection when it is still listed
		}
	}
	if !same || cursor != s.table.Cursor() {
		s.render(cursor)
	}
	if !openNow {
		return nil
	}
	s.openOn = 0
	if len(s.results) == 0 {
		return say{toneInfo, fmt.Sprintf("No account matches %q.", s.query)}
	}
	return s.open()
}

// selectedNumber is the number of the account selected in the results ("" when none is).
func (s *searchScreen) selectedNumber() string {
	if i := s.table.Cursor(); i >= 0 && i < len(s.results) {
		return s.results[i].Number
	}
	return ""
}

func (s *searchScreen) move(n int) {
	if len(s.results) == 0 {
		return
	}
	s.render(min(max(s.table.Cursor()+n, 0), len(s.results)-1))
}

// render fills the table with the cursor on row cur, marking it with "›" so the selection shows
// without colour. The table redraws its rows on every change, so it is told each thing once.
func (s *searchScreen) render(cur int) {
	cur = min(max(cur, 0), max(len(s.results)-1, 0))
	rows := make([]table.Row, len(s.results))
	for i, r := range s.results {
		mark := " "
		if i == cur {
			mark = "›"
		}
		// The note says why an account is listed when its number and name do not show it, and
		// warns when its product has no support PIN.
		var note []string
		if !r.UsesPINs {
			note = append(note, "– no PIN")
		}
		if r.MatchedOn != "" && r.MatchedOn != "number" && r.MatchedOn != "name" {
			note = append(note, r.MatchedOn+": "+r.MatchedText)
		}
		rows[i] = table.Row{mark, r.Number, r.Name, r.Product, strings.Join(note, " · ")}
	}
	// The table draws its visible rows on every Set, and drawing them is most of what a keystroke
	// costs the app, so they are drawn once, by the last Set: the columns (first, as a row with
	// more cells than the table has columns cannot be drawn) and the cursor are set over as many
	// blank rows, which cost next to nothing to draw.
	s.table.SetRows(make([]table.Row, len(rows)))
	s.table.SetColumns(s.columns(rows))
	if len(rows) > 0 && s.table.Cursor() != cur {
		s.table.SetCursor(cur)
	}
	s.table.SetRows(rows)
}

func (s *searchScreen) view() string {
	st := s.c.st
	var b strings.Builder
	b.WriteString(st.Title.Render("Who is calling? Find their account"))
	b.WriteString("\n")
	b.WriteString(s.input.View())
	b.WriteString("\n\n")
	q := strings.TrimSpace(s.input.Value())
	para := func(style lipgloss.Style, text string, indent int) string {
		return strings.Join(styleLines(style, hang(text, s.w, indent)), "\n")
	}
	switch {
	case q == "":
		b.WriteString(para(st.Subtle, "Type an account number, a company or contact name, an email or a phone number.", 0) + "\n")
		b.WriteString(para(st.Subtle, "Results appear as you type; ↑/↓ choose, enter opens the account.", 0))
		return b.String()
	case len(s.results) == 0 && s.pending():
		b.WriteString(st.Subtle.Render("Searching…"))
		return b.String()
	case len(s.results) == 0 && s.err != nil:
		b.WriteString(para(st.tone(toneBad), "✗ The search failed, so nothing is known about this query yet.", 2) + "\n")
		b.WriteString(para(st.tone(toneBad), "  "+sentence(s.err), 2))
		return b.String()
	case len(s.results) == 0:
		b.WriteString(para(st.Subtle, fmt.Sprintf("No account matches %q. Check the spelling, or try a phone number or email.", s.query), 0))
		return b.String()
	}
	b.WriteString(s.table.View())
	b.WriteString("\n")
	var foot string
	switch {
	case s.more:
		foot = fmt.Sprintf("First %d accounts shown; type more to narrow the search.", len(s.results))
	case len(s.results) == 1:
		foot = "1 account. enter opens it."
	default:
		foot = fmt.Sprintf("%d accounts. ↑/↓ choose, enter opens.", len(s.results))
	}
	if s.pending() {
		foot += " (searching…)"
	}
	b.WriteString(para(st.Subtle, foot, 0))
	return b.String()
}

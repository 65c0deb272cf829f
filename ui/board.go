package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/model"
)

// The lock board (issue 13): a supervisor's view of the floor. It lists every holder locked now,
// newest first, with the failed attempts behind each and the account's open disputes, then the
// holders failing without a lock yet. While it is open (and only then) the root asks the backend
// for it every pollEvery, so a lock made at any desk shows within about a second; what is typed
// filters the rows at once (account number or name, holder, desk); enter unlocks the selected
// holder with the usual reason dialog (ui/supervisor.go), which returns to the board.

// boardMsg is the board as the backend answered, for the call that asked.
type boardMsg struct {
	tag
	board model.Board
	err   error
	extra boardExtras // the open desk alerts and pending requests, read with it (boardplus.go)
}

// boardPollMsg is the timer of the board's next read, for the call it was set for.
type boardPollMsg struct{ tag }

// boardUnlock opens the unlock dialog on a holder of the board.
type boardUnlock struct{ on boardSubject }

func (boardUnlock) isAction() {}

// boardSubject is a board holder as the unlock dialog needs it: its account (with that one
// contact), what the board says of it, and the holder.
type boardSubject struct {
	view    model.AccountView
	holder  string
	summary string
}

// board reads the lock board, when the backend has one (client.LockBoard).
// With it, in the same read, the open desk alerts and the pending requests the operator may see
// (want).
func (io *backendCmds) board(call uint64, want boardWant) tea.Cmd {
	lb, ok := io.b.(client.LockBoard)
	if !ok {
		return nil
	}
	return io.run(func(ctx context.Context) tea.Msg {
		b, err := lb.Board(ctx)
		if err != nil {
			return boardMsg{tag: tag{call}, err: err}
		}
		return boardMsg{tag{call}, safeBoard(b), nil, io.boardExtras(ctx, want)}
	}, func(err error) tea.Msg { return boardMsg{tag: tag{call}, err: err} })
}

// safeBoard makes every text of the board terminal-safe (see safe.go); ids are kept as they are.
func safeBoard(b model.Board) model.Board {
	clean := func(hs []model.BoardHolder) []model.BoardHolder {
		out := make([]model.BoardHolder, len(hs))
		for i, h := range hs {
			h.AccountNumber, h.AccountName, h.HolderName = safe(h.AccountNumber), safe(h.AccountName), safe(h.HolderName)
			as := make([]model.BoardAttempt, len(h.Attempts))
			for j, a := range h.Attempts {
				a.Operator, a.Channel = safe(a.Operator), model.Channel(safe(string(a.Channel)))
				as[j] = a
			}
			h.Attempts = as
			ds := make([]model.Dispute, len(h.Disputes))
			for j, d := range h.Disputes {
				d.EventType = model.NoticeType(safe(string(d.EventType)))
				ds[j] = d
			}
			h.Disputes = ds
			out[i] = h
		}
		return out
	}
	b.Locked, b.Failing = clean(b.Locked), clean(b.Failing)
	return b
}

// boardRow is one row of a section: a line always shown, the lines shown under it when it is
// selected, the text the filter looks in, and the holder enter unlocks (nil for a row that is
// not a holder's).
type boardRow struct {
	key    string
	head   string
	detail []string
	find   string // lower case
	holder *model.BoardHolder
	// alert and approval are the desk alert or the request of the row (boardplus.go); own says
	// the request is the operator's own, which another supervisor must decide.
	alert    *model.Alert
	approval *model.Approval
	own      bool
}

// boardSection is one section of the board: its title, its rows, and what it says when empty.
type boardSection struct {
	title string
	empty string
	note  string // under the rows (more than are shown)
	rows  []boardRow
	// hideEmpty leaves the section out while it has no row at all (before the filter): the desk
	// alerts and the requests, exceptions that would otherwise push the locks down.
	hideEmpty bool
}

// boardSections builds the board's sections, in the order shown. A section added later (open
// desk alerts, pending four-eyes requests) is one more function here, reading its own field of
// model.Board; rows whose holder is nil are listed and filtered but not unlocked.
var boardSections = []func(s *boardScreen, b model.Board) boardSection{alertsSection, approvalsSection, lockedSection, failingSection}

func lockedSection(s *boardScreen, b model.Board) boardSection {
	sec := boardSection{title: fmt.Sprintf("LOCKED NOW (%d)", len(b.Locked)), empty: "No holder is locked."}
	for i := range b.Locked {
		h := &b.Locked[i]
		word := "⊘ LOCKED"
		if h.HardLocked {
			word = "⊘ HARD-LOCKED"
		}
		since := ""
		if h.LockedSince != nil {
			since = s.clock(*h.LockedSince, b.Time)
		}
		sec.rows = append(sec.rows, s.row("locked", h, word, since, b.Time))
	}
	return sec
}

func failingSection(s *boardScreen, b model.Board) boardSection {
	sec := boardSection{title: fmt.Sprintf("FAILING, NOT LOCKED (%d)", len(b.Failing)), empty: "No holder has failed attempts."}
	if b.FailingMore {
		sec.title = fmt.Sprintf("FAILING, NOT LOCKED (first %d)", len(b.Failing))
		sec.note = "More holders are failing: the ones with the most failures are shown."
	}
	for i := range b.Failing {
		h := &b.Failing[i]
		last := ""
		if len(h.Attempts) > 0 {
			last = s.clock(h.Attempts[0].Time, b.Time)
		}
		sec.rows = append(sec.rows, s.row("failing", h, fmt.Sprintf("! %d of %d FAILED", h.Failures, s.c.policy.MaxFailures), last, b.Time))
	}
	return sec
}

// row is a holder's row: "⊘ LOCKED  14:02:11  100001 Smith & Sons Ltd · John Smith · 6 failed",
// and under it when selected, each failed attempt (time, desk, channel) and each open dispute.
func (s *boardScreen) row(section string, h *model.BoardHolder, word, at string, now time.Time) boardRow {
	who := h.HolderName
	if h.Holder == model.AccountWide {
		who = "account-wide PIN"
	}
	head := fmt.Sprintf("%s  %s  %s %s · %s", word, at, h.AccountNumber, h.AccountName, who)
	if section == "locked" {
		head += " · " + plural(h.Failures, "failure", "failures")
	}
	if len(h.Disputes) > 0 {
		head += " · DISPUTED"
	}
	var detail []string
	desks := map[string]bool{}
	var deskList []string
	// Attempts in a row from one desk, on one channel, by one caller, are one line: a guesser at
	// one desk reads as one line of six, not six lines.
	for i := 0; i < len(h.Attempts); {
		a, j := h.Attempts[i], i+1
		for j < len(h.Attempts) && h.Attempts[j].Operator == a.Operator && h.Attempts[j].Channel == a.Channel && h.Attempts[j].Caller == a.Caller {
			j++
		}
		line := fmt.Sprintf("wrong PIN %s  by %s  on %s", s.clock(a.Time, now), a.Operator, a.Channel)
		if n := j - i; n > 1 {
			oldest := h.Attempts[j-1].Time
			when := s.clock(a.Time, now)
			if !oldest.Equal(a.Time) {
				when = s.clock(oldest, now) + "–" + when
			}
			line = fmt.Sprintf("%d wrong PINs %s  by %s  on %s", n, when, a.Operator, a.Channel)
		}
		if a.Caller != "" && a.Caller != h.Holder {
			line += "  (caller " + safe(a.Caller) + ")"
		}
		detail = append(detail, line)
		if !desks[a.Operator] {
			desks[a.Operator] = true
			deskList = append(deskList, a.Operator)
		}
		i = j
	}
	if len(h.Attempts) == 0 {
		detail = append(detail, "no failed attempt in a row behind it")
	}
	for _, d := range h.Disputes {
		detail = append(detail, fmt.Sprintf("DISPUTED: a %s notice, disputed %s", d.EventType, s.clock(d.Time, now)))
	}
	if h.HardLocked {
		detail = append(detail, "Hard-locked: only the customer (portal) or an admin can lift it.")
	}
	return boardRow{
		key:    section + "\x00" + h.AccountID + "\x00" + h.Holder,
		head:   head,
		detail: detail,
		find:   strings.ToLower(strings.Join(append([]string{h.AccountNumber, h.AccountName, h.HolderName, who}, deskList...), "\n")),
		holder: h,
	}
}

// clock is a time on the board: the time of day when it is today, the date too when not.
func (s *boardScreen) clock(t, now time.Time) string {
	t, now = t.In(s.c.loc), now.In(s.c.loc)
	if t.Year() == now.Year() && t.YearDay() == now.YearDay() {
		return t.Format("15:04:05")
	}
	return stamp(t, s.c.loc)
}

// boardScreen is the lock board.
type boardScreen struct {
	c      *common
	filter textinput.Model
	board  *model.Board // the last board read; nil until the first answer
	err    error        // why the last read failed (the board shown is then the one before)
	secs   []boardSection
	sel    string    // the selected row's key, kept across reads
	from   screenID  // where esc returns
	picked *boardRow // the selected row among those shown
	w, h   int
	urgent // the desk alerts and requests, and their actions (boardplus.go)
}

func newBoardScreen(c *common) *boardScreen {
	in := textinput.New()
	in.Prompt = "Filter: "
	in.Placeholder = "account, name or desk"
	in.CharLimit = model.MaxQueryLength
	in.SetStyles(c.st.Input)
	return &boardScreen{c: c, filter: in, from: scrSearch, urgent: newUrgent(c)}
}

func (s *boardScreen) title() string     { return "lock board" }
func (s *boardScreen) helpTitle() string { return "Lock board" }
func (s *boardScreen) text() textMode {
	if s.typing() {
		return textFree
	}
	return textSearch
}
func (s *boardScreen) restyle() {
	s.filter.SetStyles(s.c.st.Input)
	s.clear.restyle()
	s.decide.reason.SetStyles(s.c.st.Input)
}
func (s *boardScreen) focus() action { return run(s.filter.Focus()) }
func (s *boardScreen) setSize(w, h int) {
	s.w, s.h = w, h
	s.filter.SetWidth(max(w-10, 10))
	s.clear.setSize(w, h)
	s.decide.setWidth(w)
}

// reset forgets the board and the filter (a call ended).
func (s *boardScreen) reset() {
	s.board, s.err, s.secs, s.sel, s.picked = nil, nil, nil, "", nil
	s.filter.Reset()
	s.urgent.reset()
}

func (s *boardScreen) ShortHelp() []key.Binding {
	if h := s.actingHelp(); h != nil {
		return h
	}
	k := s.c.keys.Board
	act := k.Unlock
	if r := s.picked; r != nil && r.alert != nil {
		act = k.ClearAlert
	} else if r != nil && r.approval != nil {
		act = k.Decide
		if r.own {
			act = key.Binding{}
		}
	}
	return []key.Binding{act, k.Move, k.Close}
}

// FullHelp lists the board's keys for an operator who may read it; nobody else reaches it.
func (s *boardScreen) FullHelp() [][]key.Binding {
	k := s.c.keys.Board
	if !k.Open.Enabled() {
		return nil
	}
	return [][]key.Binding{{k.Open, k.Up, k.Down, k.Unlock, k.ClearAlert, k.Decide, k.Close}}
}

func (s *boardScreen) update(msg tea.Msg) action {
	switch msg := msg.(type) {
	case boardMsg:
		if msg.err != nil {
			s.err = msg.err
			return nil
		}
		b := msg.board
		s.board, s.err = &b, nil
		s.took(msg.extra, b.Time)
		s.build()
		return nil
	case alertsMsg, alertClearedMsg, approvalsMsg, decidedMsg:
		return s.urgentAnswer(msg)
	case tea.PasteMsg:
		if s.acting() {
			return s.actKey(msg)
		}
		var cmd tea.Cmd
		s.filter, cmd = s.filter.Update(msg)
		s.build()
		return run(cmd)
	case tea.KeyPressMsg:
		if s.acting() {
			return s.actKey(msg)
		}
		k := s.c.keys.Board
		switch {
		case key.Matches(msg, k.Close):
			if s.filter.Value() != "" {
				s.filter.Reset()
				s.build()
				return nil
			}
			return goTo{s.from}
		case key.Matches(msg, k.Up):
			s.move(-1)
			return nil
		case key.Matches(msg, k.Down):
			s.move(1)
			return nil
		case key.Matches(msg, k.Unlock, k.ClearAlert, k.Decide):
			return s.act()
		}
		var cmd tea.Cmd
		s.filter, cmd = s.filter.Update(msg)
		s.build()
		return run(cmd)
	}
	return nil
}

// build makes the sections from the last board and the filter, keeping the selected row.
func (s *boardScreen) build() {
	s.secs, s.picked = nil, nil
	if s.board == nil {
		return
	}
	words := strings.Fields(strings.ToLower(s.filter.Value()))
	for _, f := range boardSections {
		sec := f(s, *s.board)
		if sec.hideEmpty && len(sec.rows) == 0 {
			continue
		}
		kept := sec.rows[:0]
		for _, r := range sec.rows {
			if matchesAll(r.find, words) {
				kept = append(kept, r)
			}
		}
		sec.rows = kept
		s.secs = append(s.secs, sec)
	}
	rows := s.rows()
	for i := range rows {
		if rows[i].key == s.sel {
			s.picked = &rows[i]
			return
		}
	}
	if len(rows) > 0 {
		s.picked, s.sel = &rows[0], rows[0].key
	}
}

func matchesAll(text string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

// rows is every row shown, section after section.
func (s *boardScreen) rows() []boardRow {
	var out []boardRow
	for _, sec := range s.secs {
		out = append(out, sec.rows...)
	}
	return out
}

func (s *boardScreen) move(d int) {
	rows := s.rows()
	for i := range rows {
		if rows[i].key == s.sel {
			j := min(max(i+d, 0), len(rows)-1)
			s.sel = rows[j].key
			s.build()
			return
		}
	}
}

// unlock opens the unlock dialog on the selected holder.
func (s *boardScreen) unlock() action {
	r := s.picked
	switch {
	case r == nil || r.holder == nil:
		return say{toneInfo, "Select a holder to unlock (↑/↓)."}
	case !s.c.may(model.PermUnlock):
		return say{toneWarn, "Your role may not unlock."}
	case r.holder.HardLocked:
		return say{toneWarn, "This holder is hard-locked: only the customer (portal) or an admin can lift it."}
	}
	h := r.holder
	acct := model.Account{ID: h.AccountID, Number: h.AccountNumber, Name: h.AccountName, UsesPINs: true}
	if h.Holder != model.AccountWide {
		acct.Contacts = []model.Contact{{ID: h.Holder, Name: h.HolderName}}
	}
	return boardUnlock{boardSubject{view: model.AccountView{Account: acct}, holder: h.Holder, summary: r.head}}
}

func (s *boardScreen) view() string {
	st := s.c.st
	head := st.Title.Render("LOCK BOARD")
	switch {
	case s.board == nil && s.err != nil:
		head += "  " + st.tone(toneBad).Render("✗ could not read the board: "+sentence(s.err))
	case s.board == nil:
		head += "  " + st.Subtle.Render("reading…")
	default:
		head += "  " + st.Subtle.Render("as of "+s.board.Time.In(s.c.loc).Format("15:04:05")+" · updates every second")
		if s.err != nil {
			head += "  " + st.tone(toneWarn).Render("! not updated: "+sentence(s.err))
		}
	}
	top := []string{clip(head, s.w), s.filter.View()}
	var lines []string
	at := -1 // the selected row's first line
	end := -1
	for _, sec := range s.secs {
		lines = append(lines, "", st.Section.Render(sec.title))
		if len(sec.rows) == 0 {
			msg := sec.empty
			if s.filter.Value() != "" {
				msg = "Nothing here matches the filter."
			}
			lines = append(lines, st.Subtle.Render("  "+msg))
		}
		for _, r := range sec.rows {
			if r.key == s.sel {
				at = len(lines)
				lines = append(lines, st.Selected.Render(clip("▸ "+r.head, s.w)))
				if act := s.actionLines(r); act != nil {
					lines = append(lines, act...) // what is being done on it, in place of its detail
					end = len(lines)
					continue
				}
				for _, d := range r.detail {
					for _, l := range wrap(d, max(s.w-4, 10)) { // a reason or a sentence is read whole
						lines = append(lines, clip("    "+l, s.w))
					}
				}
				end = len(lines)
				continue
			}
			lines = append(lines, clip("  "+r.head, s.w))
		}
		if sec.note != "" {
			lines = append(lines, st.Subtle.Render("  "+sec.note))
		}
	}
	// The selected row and its attempts stay in view; the rest scrolls around them.
	room := max(s.h-len(top), 1)
	off := 0
	if len(lines) > room && at >= 0 {
		off = max(min(end, len(lines))-room, 0)
		off = min(off, at)
	}
	lines = lines[off:min(off+room, len(lines))]
	return strings.Join(append(top, lines...), "\n")
}

// openBoard shows the lock board, reading it at once, for an operator who may (the key is
// disabled for the others). It remembers the screen to return to.
func (a *App) openBoard() tea.Cmd {
	if !a.c.keys.Board.Open.Enabled() {
		return nil
	}
	// A ticket typed over the board (sessions.go) returns to it: not where esc goes back to.
	if a.cur != scrBoard && a.cur != scrDialog && a.cur != scrHelp && a.cur != scrTicket {
		a.board.from = a.cur
	}
	a.show(scrBoard)
	a.board.build()
	return tea.Batch(a.apply(a.board.focus()), a.readBoard())
}

// readBoard asks for the board now, unless a read is out already (its answer is as new).
func (a *App) readBoard() tea.Cmd {
	if a.boardReading {
		return nil
	}
	a.boardReading = true
	return a.c.io.board(a.c.call.id, a.boardWant())
}

// onBoardPoll is the board's timer: read it again if it is still open.
func (a *App) onBoardPoll(m boardPollMsg) tea.Cmd {
	a.boardTimer = false
	if m.call != a.c.call.id || a.cur != scrBoard {
		return nil
	}
	return a.readBoard()
}

// armBoard schedules the board's next read a pollEvery after the last answer, while the board
// is open: one timer and one read at a time, so a slow backend is never asked twice at once.
func (a *App) armBoard() tea.Cmd {
	if a.cur != scrBoard || a.boardTimer || a.boardReading {
		return nil
	}
	a.boardTimer = true
	return a.after(pollEvery, boardPollMsg{tag{a.c.call.id}})
}

// unlockOnBoard opens the unlock dialog on a board holder.
func (a *App) unlockOnBoard(act boardUnlock) tea.Cmd {
	a.dialog.open(dialogUnlock, act.on.holder)
	on := act.on
	a.dialog.on = &on
	a.show(scrDialog)
	return a.apply(a.dialog.focus())
}

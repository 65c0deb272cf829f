package ui

import (
	"charm.land/bubbles/v2/key"
	"github.com/pindesk/pindesk/model"
)

// KeyMap is every key of the app, declared once: Update matches these bindings, and each screen's
// ShortHelp and FullHelp (the footer and the help screen) list the same bindings, so a key cannot
// work without being listed or be listed without working. Global keys are the ones that do the
// same thing on every screen; Scroll moves through a long text (the audit trail, the help).
type KeyMap struct {
	Global struct {
		Help, Quit, Interrupt, EndCall, Channel, Trainer, Back key.Binding
		Ticket                                                 key.Binding // the call's ticket (sessions.go)
		// More and Less scroll a screen taller than the terminal (see App.render), on the screens
		// that do not page through a list of their own.
		More, Less key.Binding
		// Approvals opens the requests waiting for a second supervisor (approvals.go).
		Approvals key.Binding
	}
	Search struct {
		Open, Up, Down, PageUp, PageDown key.Binding
		Move                             key.Binding // up and down together, for the footer
	}
	Account struct {
		Choose, Up, Down, Unlock, Reset, Audit, Refresh key.Binding
		Move                                            key.Binding
		ClearDispute                                    key.Binding // a supervisor clears the DISPUTED mark
		// A long list of contacts pages, and filters on what is typed after "/" (letters alone
		// are the screen's commands: u, a, r, j, k…); esc clears the filter before it goes back.
		PageUp, PageDown, Home, End, Filter, ClearFilter key.Binding
	}
	Entry struct {
		Digits, Submit, Delete, Clear key.Binding
		SendCode                      key.Binding // email a one-time code to the caller (emailcode.go)
	}
	Result struct {
		Again, Unlock, Account key.Binding
	}
	Dialog struct {
		Next, Yes, No key.Binding
	}
	Scroll struct {
		Up, Down, PageUp, PageDown key.Binding
	}
	Audit struct {
		Older  key.Binding
		Ticket key.Binding // only the events of the call's ticket (sessions.go)
	}
	Trainer struct {
		Up, Down, Master, OneTime, Temporary, Minutes, Hour, Day, Restore, Open key.Binding
	}
	// Board is the lock board's (ui/board.go): Open works on every screen, for a supervisor.
	// Letters are the filter's, so the board's own keys are not letters.
	Board struct {
		Open, Up, Down, Move, Unlock, Close key.Binding
		// ClearAlert and Decide are enter too, on a desk alert's or an approval request's row
		// (boardplus.go): the footer names what enter does on the row selected.
		ClearAlert, Decide key.Binding
	}
	// Alerts are the anomaly alerts panel's (alerts.go); Alerts.Open works on every screen.
	Alerts AlertKeys
}

func b(keys []string, help, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
}

func k(keys ...string) []string { return keys }

// NewKeyMap returns the key map for an operator; actions the role may not perform are disabled,
// so they neither work nor appear in the help.
func NewKeyMap(role model.OperatorRole) *KeyMap {
	km := &KeyMap{}
	g := &km.Global
	g.Help = b(k("?", "f1"), "?", "keys")
	g.Quit = b(k("q"), "q", "quit")
	g.Interrupt = b(k("ctrl+c"), "ctrl+c", "quit now")
	g.EndCall = b(k("ctrl+e"), "ctrl+e", "end call")
	g.Channel = b(k("ctrl+p"), "ctrl+p", "phone/chat")
	g.Trainer = b(k("ctrl+t"), "ctrl+t", "trainer")
	g.Back = b(k("esc"), "esc", "back")
	g.Ticket = b(k("ctrl+r"), "ctrl+r", "call ref")
	g.More = b(k("pgdown"), "pgdn", "more of a long screen")
	g.Less = b(k("pgup"), "pgup", "back up a long screen")
	g.Approvals = b(k("ctrl+a"), "ctrl+a", "approvals")

	s := &km.Search
	s.Open = b(k("enter"), "enter", "open")
	s.Up = b(k("up"), "↑", "previous")
	s.Down = b(k("down"), "↓", "next")
	s.PageUp = b(k("pgup"), "pgup", "page up")
	s.PageDown = b(k("pgdown"), "pgdn", "page down")
	s.Move = b(k("up", "down"), "↑/↓", "choose")

	a := &km.Account
	a.Choose = b(k("enter"), "enter", "pick caller")
	a.Up = b(k("up", "k"), "↑/k", "up")
	a.Down = b(k("down", "j"), "↓/j", "down")
	a.Unlock = b(k("u"), "u", "unlock")
	a.Reset = b(k("X"), "X", "reset account")
	a.Audit = b(k("a"), "a", "audit")
	a.Refresh = b(k("r"), "r", "reload")
	a.Move = b(k("up", "down", "k", "j"), "↑/↓", "choose")
	a.ClearDispute = b(k("D"), "D", "clear dispute")
	a.PageUp = b(k("pgup"), "pgup", "page up")
	a.PageDown = b(k("pgdown"), "pgdn", "page down")
	a.Home = b(k("home"), "home", "first")
	a.End = b(k("end"), "end", "last")
	a.Filter = b(k("/"), "/", "filter")
	a.ClearFilter = b(k("esc"), "esc", "clear filter")

	e := &km.Entry
	e.Digits = b(k("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), "0-9", "PIN digits")
	e.Submit = b(k("enter"), "enter", "verify")
	e.Delete = b(k("backspace"), "⌫", "delete")
	e.Clear = b(k("ctrl+u"), "ctrl+u", "clear")
	e.SendCode = b(k("e"), "e", "email a code")

	r := &km.Result
	r.Again = b(k("enter"), "enter", "try again")
	r.Unlock = b(k("u"), "u", "unlock")
	r.Account = b(k("esc"), "esc", "account")

	d := &km.Dialog
	d.Next = b(k("enter"), "enter", "next")
	d.Yes = b(k("y"), "y", "yes")
	d.No = b(k("n", "esc"), "n/esc", "cancel")

	sc := &km.Scroll
	sc.Up = b(k("up", "k"), "↑/k", "up")
	sc.Down = b(k("down", "j"), "↓/j", "down")
	sc.PageUp = b(k("pgup", "b"), "pgup", "page up")
	sc.PageDown = b(k("pgdown", "f", "space"), "pgdn", "page down")

	km.Audit.Older = b(k("o"), "o", "older")
	km.Audit.Ticket = b(k("t"), "t", "this ticket only")

	t := &km.Trainer
	t.Up = b(k("up", "k"), "↑/k", "up")
	t.Down = b(k("down", "j"), "↓/j", "down")
	t.Master = b(k("m"), "m", "new master")
	t.OneTime = b(k("o"), "o", "new one-time")
	t.Temporary = b(k("t"), "t", "new temporary")
	t.Minutes = b(k("n"), "n", "+10 min")
	t.Hour = b(k("h"), "h", "+1 h")
	t.Day = b(k("d"), "d", "+24 h")
	t.Restore = b(k("R"), "R", "restore all")
	t.Open = b(k("enter"), "enter", "find scenario")

	bd := &km.Board
	// Not ctrl+b: that is tmux's prefix, and desks run the app in tmux.
	bd.Open = b(k("ctrl+o"), "ctrl+o", "lock board")
	bd.Up = b(k("up"), "↑", "previous")
	bd.Down = b(k("down"), "↓", "next")
	bd.Move = b(k("up", "down"), "↑/↓", "choose")
	bd.Unlock = b(k("enter"), "enter", "unlock")
	bd.Close = b(k("esc"), "esc", "clear filter / back")
	bd.ClearAlert = b(k("enter"), "enter", "clear alert")
	bd.Decide = b(k("enter"), "enter", "approve/refuse")
	if !role.Permits(model.PermBoard) {
		bd.Open.SetEnabled(false)
	}
	km.Alerts = newAlertKeys(role)
	if !role.Permits(model.PermAlerts) {
		bd.ClearAlert.SetEnabled(false)
	}

	if !role.Permits(model.PermUnlock) {
		bd.Unlock.SetEnabled(false)
		a.Unlock.SetEnabled(false)
		r.Unlock.SetEnabled(false)
	}
	if !role.Permits(model.PermReset) {
		a.Reset.SetEnabled(false)
	}
	if !role.Permits(model.PermAudit) {
		a.Audit.SetEnabled(false)
	}
	if !role.Permits(model.PermClearDispute) {
		a.ClearDispute.SetEnabled(false)
	}
	if !role.Permits(model.PermApprove) {
		g.Approvals.SetEnabled(false)
		bd.Decide.SetEnabled(false)
	}
	return km
}

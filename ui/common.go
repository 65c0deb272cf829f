package ui

import (
	"time"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
	"github.com/pindesk/pindesk/model"
)

// common is what every screen shares with the root: styles, keys, who is signed in, the policy,
// the commands to the backend and the state of the current call. The root owns it and keeps it
// current (size, palette, policy); screens read it.
type common struct {
	st     *Styles
	keys   *KeyMap
	op     model.Operator
	loc    *time.Location
	policy model.Policy
	io     *backendCmds
	call   *callState
	demo   bool // the backend offers demo controls (client.Demo)
	opts   Options
	w, h   int // the body's size, between header and footer
}

// callState is everything about the caller on the line. "End call" replaces it with a fresh one
// under a new id, and every answer still on its way for the old id is dropped on arrival.
type callState struct {
	id      uint64
	channel model.Channel
	fixed   bool // a PIN was checked: the channel is in the audit trail and no longer changes

	accountID string             // the account asked for (its view may still be loading)
	view      *model.AccountView // nil until loaded
	now       time.Time          // the backend's clock when the view was loaded
	holder    string             // whose PIN is being checked
	caller    string             // with the account-wide PIN: the contact giving it
	ticket    string             // the call's ticket or call reference (sessions.go)
}

func newCall(id uint64, ch model.Channel) *callState { return &callState{id: id, channel: ch} }

func (c *common) may(p model.Permission) bool { return c.op.Role.Permits(p) }

// textMode says which printable keys a screen takes as text, so the root knows when "q" and "?"
// are commands and when they are letters.
type textMode int

const (
	textNone   textMode = iota // q quits, ? is help
	textSearch                 // q is a letter; ? is still help (no account has a "?")
	textFree                   // every printable key is text (a reason being typed)
)

// screen is one page of the app. Each lives in its own file. It declares its own keys for the help
// (help.KeyMap, as soft-serve's components do): ShortHelp for the footer, in the state the screen
// is in; FullHelp for its section of the help screen, under helpTitle, listing every key of the
// screen the operator may use (nil: the screen is not the operator's). Both come from the KeyMap
// bindings that update matches, so a key is declared in one place.
type screen interface {
	help.KeyMap
	helpTitle() string
	// update handles a message and says what it wants of the root (see action).
	update(msg tea.Msg) action
	view() string
	title() string
	setSize(w, h int)
	text() textMode
}

type screenID int

const (
	scrSearch screenID = iota
	scrAccount
	scrEntry
	scrResult
	scrDialog
	scrAudit
	scrHelp
	scrTrainer
	scrTicket // the call's ticket (sessions.go)
	scrBoard
	scrApprovals // dual control's pending requests (approvals.go)
	scrAlerts
)

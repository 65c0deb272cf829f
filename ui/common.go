package ui

import (
	"time"

	"charm.land/bubbles/v2/key"
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

	intents []tea.Msg

	sayFn  func(tone, string)
	waitFn func(string) tea.Cmd
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

// screen is one page of the app. Each lives in its own file.
type screen interface {
	update(msg tea.Msg) tea.Cmd
	view() string
	title() string
	setSize(w, h int)
	shortHelp() []key.Binding
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
)

// Intents: what a screen asks the root to do (open an account, go back, ...). They are handed to
// the root synchronously, before the next key is read: were they sent as commands, the digits an
// agent types right after enter would reach the old screen before the PIN field opened. A screen's
// Update is tested by the intents it queued (c.intents).

type openAccountMsg struct{ id string }

type pickMsg struct{ holder, caller string }

type gotoMsg struct{ to screenID }

type dialogMsg struct {
	kind   dialogKind
	holder string
}

type statusMsg struct {
	text string
	tone tone
}

type busyMsg struct{ what string }

// emit queues an intent for the root, which handles it as soon as the screen's Update returns.
// It returns a nil command so that screens can write "return s.c.emit(...)".
func (c *common) emit(m tea.Msg) tea.Cmd {
	c.intents = append(c.intents, m)
	return nil
}

// takeIntents returns and clears the queued intents.
func (c *common) takeIntents() []tea.Msg {
	out := c.intents
	c.intents = nil
	return out
}

// say sets the status line now; wait shows a spinner with what the app waits for.
func (c *common) say(t tone, text string)  { c.sayFn(t, text) }
func (c *common) wait(what string) tea.Cmd { return c.waitFn(what) }

package ui

import tea "charm.land/bubbletea/v2"

// An action is what a screen asks of the root, and the only way it asks: a screen's update, and
// every method the root calls on a screen that may want something, returns one. The root applies
// it at once, before Bubble Tea reads the next message (App.apply). That is why a wish to change
// screens is an action and not a command: a command's message is queued behind the keys already
// typed, so the digits an agent types right after enter would reach the old screen before the PIN
// field opened. Work that must not run inside Update — every call to the backend, a text field's
// cursor — is carried by a command action (run), which the root hands to Bubble Tea.
//
// The shape follows crush's dialogs, whose HandleMsg returns an Action for the UI to act on.
type action interface{ isAction() }

type (
	// command is a tea.Cmd for Bubble Tea to run (see run).
	command struct{ cmd tea.Cmd }
	// say sets the status line.
	say struct {
		tone tone
		text string
	}
	// wait shows the spinner with what the app waits for, until the answer comes.
	wait struct{ what string }
	// openAccount loads an account and shows it, with the cursor on contact (the one the search
	// matched) when it is given.
	openAccount struct{ id, contact string }
	// pick starts verifying a holder (for the account-wide PIN: given by caller).
	pick struct{ holder, caller string }
	// goTo shows another screen.
	goTo struct{ to screenID }
	// openDialog starts a supervisor's unlock or reset.
	openDialog struct {
		kind   dialogKind
		holder string // the holder to unlock; for dialogClearDispute, the dispute's id
	}
	// find puts a query in the search box and searches for it (a scenario's account number).
	find struct{ query string }
	// failed says what went wrong with a call to the backend, and lets the root note what the error
	// tells of the connection (a line about an unreachable server is cleared when it is back).
	failed struct{ err error }
	// back leaves the help or the trainer panel for the screen it was opened from, as it was.
	back struct{}
	// actions are several, applied in order.
	actions []action
)

func (command) isAction()     {}
func (say) isAction()         {}
func (wait) isAction()        {}
func (openAccount) isAction() {}
func (pick) isAction()        {}
func (goTo) isAction()        {}
func (openDialog) isAction()  {}
func (find) isAction()        {}
func (failed) isAction()      {}
func (back) isAction()        {}
func (actions) isAction()     {}

// sayErr is the action that says err.
func sayErr(err error) action { return failed{err} }

// run is the action that runs cmd; nil when cmd is nil.
func run(cmd tea.Cmd) action {
	if cmd == nil {
		return nil
	}
	return command{cmd}
}

// do is the actions given, in order, without the nil ones; nil when none is left.
func do(as ...action) action {
	out := make(actions, 0, len(as))
	for _, a := range as {
		if a != nil {
			out = append(out, a)
		}
	}
	switch len(out) {
	case 0:
		return nil
	case 1:
		return out[0]
	}
	return out
}

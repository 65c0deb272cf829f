package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/model"
)

// App is the root model. It owns the call, routes each message to the screen it belongs to, and
// draws the frame around it: header, DEMO banner, status line and key help.
type App struct {
	c       *common
	conn    client.Connection // nil for a backend that cannot lose its connection
	screens map[screenID]screen
	cur     screenID
	back    screenID // where help and the trainer panel return to

	search  *searchScreen
	account *accountScreen
	entry   *entryScreen
	result  *resultScreen
	dialog  *dialogScreen
	audit   *auditScreen
	helpScr *helpScreen
	trainer *trainerScreen
	ticket  *ticketScreen
	board   *boardScreen
	// approvals is dual control's pending requests (approvals.go).
	approvals *approvalsScreen
	alerts    *alertsScreen

	help help.Model

	width, height int
	// bodyOff is how far the current screen is scrolled by the root (pgdn), when it is taller than
	// the room between header and footer and does not page through a list of its own.
	bodyOff int
	isDark  bool

	status     string
	statusTone tone

	busy     string // what the app waits for, with the spinner; "" when idle
	spin     spinner.Model
	spinning bool // a tick of the spinner is on its way: one at a time, or it would turn faster

	lastKey     time.Time // when the agent last pressed a key
	idleArmed   bool      // an idle check is scheduled
	idleWarn    bool      // the screen is about to clear: a countdown is shown, any key cancels it
	idleLeft    time.Duration
	confirmQuit bool

	link       link // what the last answer told of the server (shown in the header)
	statusConn bool // the status line says the server is unreachable: cleared when it answers again
	probing    bool // offline: a re-check of the server is scheduled or out
	polling    bool // a background refresh of the open account is scheduled or out
	// The lock board's timer and read (ui/board.go): at most one of each is out at a time.
	boardTimer, boardReading bool

	// held are the keys (and pastes) typed while the app waits for an answer that moves the agent
	// on (an account opening, a PIN being checked): they belong to the screen that comes next, and
	// are replayed there in order (release). heldFrom is the screen the wait began on.
	held     []tea.Msg
	heldFrom screenID

	// after schedules msg after d (tea.Tick) and clock tells the time (for the idle timeout); tests
	// replace both to control time.
	after func(d time.Duration, msg tea.Msg) tea.Cmd
	clock func() time.Time
}

// idleMsg is the idle check: one timer at a time, re-armed for the time that remains.
type idleMsg struct{}

// link is the state of the connection to the server, as the last answer showed it.
type link int

const (
	linkOnline    link = iota
	linkOffline        // the server cannot be reached
	linkSignedOut      // the server answers but refuses this desk's token
)

const (
	// pollEvery is how often the open account is reloaded in the background, so that a change
	// made at another desk (a supervisor's unlock) shows within about a second.
	pollEvery = time.Second
	// probeEvery is how often the server is asked again while it cannot be reached.
	probeEvery = 2 * time.Second
	// idleWarning is how long before the idle clear the countdown shows.
	idleWarning = 15 * time.Second
)

// New returns the app's root model over a backend. It does no I/O: the policy and the terminal's
// background colour are asked for by Init.
func New(b client.Backend, opts Options) *App { return newApp(context.Background(), b, opts) }

func newApp(ctx context.Context, b client.Backend, opts Options) *App {
	opts = opts.withDefaults()
	op := b.Operator()
	io := &backendCmds{ctx: ctx, b: b, timeout: opts.RequestTimeout}
	c := &common{
		keys:   NewKeyMap(op.Role),
		op:     op,
		loc:    opts.Location,
		policy: model.DefaultPolicy(),
		io:     io,
		call:   newCall(1, opts.Channel),
		opts:   opts,
		w:      80,
		h:      20,
	}
	if d, ok := b.(client.Demo); ok {
		io.demo, c.demo = d, true
	}
	if !c.demo {
		c.keys.Global.Trainer.SetEnabled(false)
	}
	a := &App{c: c, isDark: true, width: 80, height: 24}
	if conn, ok := b.(client.Connection); ok {
		a.conn = conn
	}
	a.clock = time.Now
	a.after = func(d time.Duration, msg tea.Msg) tea.Cmd {
		return tea.Tick(d, func(time.Time) tea.Msg { return msg })
	}
	c.st = newStyles(a.isDark, opts.NoColor)
	a.help = help.New()
	a.help.Styles = c.st.Help
	a.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot))

	a.search = newSearchScreen(c)
	a.account = newAccountScreen(c)
	a.entry = newEntryScreen(c)
	a.result = newResultScreen(c)
	a.dialog = newDialogScreen(c)
	a.audit = newAuditScreen(c)
	a.trainer = newTrainerScreen(c)
	a.ticket = newTicketScreen(c)
	a.alerts = newAlertsScreen(c)
	a.board = newBoardScreen(c)
	if _, ok := b.(client.LockBoard); !ok {
		c.keys.Board.Open.SetEnabled(false)
	}
	a.approvals = newApprovalsScreen(c)
	if _, ok := b.(client.Approvals); !ok {
		c.keys.Global.Approvals.SetEnabled(false) // a backend without dual control (the demo)
		c.keys.Board.Decide.SetEnabled(false)
	}
	// The help screen lists the root's keys, then each screen's, in the order the screens come.
	a.helpScr = newHelpScreen(c, a, a.search, a.account, a.entry, a.result, a.dialog, a.audit, a.trainer, a.ticket, a.board, a.approvals, a.alerts)
	a.screens = map[screenID]screen{
		scrSearch: a.search, scrAccount: a.account, scrEntry: a.entry, scrResult: a.result,
		scrDialog: a.dialog, scrAudit: a.audit, scrHelp: a.helpScr, scrTrainer: a.trainer,
		scrTicket: a.ticket, scrBoard: a.board, scrApprovals: a.approvals, scrAlerts: a.alerts,
	}
	a.layout()
	return a
}

func (a *App) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, a.c.io.policy(), a.apply(a.search.focus()), a.touch())
}

// Update routes one message. A panic while handling it must not take the terminal down with a Go
// stack on the agent's screen: it is turned into a status line and the call stays.
func (a *App) Update(msg tea.Msg) (m tea.Model, cmd tea.Cmd) {
	defer func() {
		if r := recover(); r != nil {
			a.setStatus(toneBad, sentence(errInternal))
			m, cmd = a, nil
		}
	}()
	cmd = a.update(msg)
	rel := a.release()
	// The status line and the footer take as many lines as their text needs: the screens get what
	// is left.
	a.relayout()
	return a, tea.Batch(cmd, rel, a.arm())
}

func (a *App) update(msg tea.Msg) tea.Cmd {
	// The background refresh's timer and answer end its round even when its call has ended.
	switch m := msg.(type) {
	case pollMsg:
		a.polling = false
		if m.call != a.c.call.id || !a.holdersShown() || m.account != a.c.call.accountID || a.busy != "" {
			return nil // the agent moved on, or a load of the account is already out
		}
		a.polling = true
		return a.c.io.poll(a.c.call.id, m.account)
	case accountMsg:
		if m.quiet {
			a.polling = false
		}
	case boardPollMsg:
		return a.onBoardPoll(m)
	case boardMsg:
		a.boardReading = false
	}
	if t, ok := msg.(tagged); ok && t.callID() != a.c.call.id {
		return nil // an answer for a call that has ended: it must not reach this caller's screen
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.width, a.height = msg.Width, msg.Height
		a.layout()
		return nil
	case tea.BackgroundColorMsg:
		a.isDark = msg.IsDark()
		a.restyle()
		return nil
	case tea.KeyPressMsg:
		if a.idleWarn {
			// The key that stops the countdown does only that: the agent pressed it to keep the
			// call, not to act on a screen they were not looking at.
			a.idleWarn = false
			a.setStatus(toneInfo, "The call is kept.")
			return a.touch()
		}
		return tea.Batch(a.touch(), a.key(msg))
	case tea.PasteMsg:
		a.idleWarn = false
		if a.loading() {
			a.hold(msg)
			return a.touch()
		}
		return tea.Batch(a.touch(), a.apply(a.screens[a.cur].update(msg)))
	case idleMsg:
		return a.idle()
	case probeMsg:
		return a.c.io.probe()
	case probedMsg:
		a.probing = false
		return a.note(msg.err)
	case spinner.TickMsg:
		if a.busy == "" {
			a.spinning = false // the wait is over: the spinner stops here
			return nil
		}
		// The next frame is timed by after, not by the spinner's own timer, so tests control time.
		a.spin, _ = a.spin.Update(msg)
		return a.after(a.spin.Spinner.FPS, a.spin.Tick())
	case policyMsg:
		if msg.err != nil {
			a.setStatus(toneBad, "Could not read the PIN policy; assuming the default. "+sentence(msg.err))
			return nil
		}
		a.c.policy = msg.policy
		a.entry.setPolicy(msg.policy)
		return nil

	case accountMsg:
		return a.onAccount(msg)
	case verifyMsg:
		return a.onVerify(msg)
	case codeSentMsg:
		return a.onCodeSent(msg) // emailcode.go
	case unlockMsg, resetMsg, clearDisputeMsg:
		a.clearBusy()
		cmd := a.apply(a.dialog.update(msg))
		if a.dialog.done() && a.dialog.home() == scrBoard {
			return tea.Batch(cmd, a.openBoard())
		}
		if a.dialog.done() {
			a.show(scrAccount)
			return tea.Batch(cmd, a.reload())
		}
		return cmd
	case boardMsg:
		return tea.Batch(a.note(msg.err), a.apply(a.board.update(msg)))
	case approvalsMsg:
		if msg.seq >= boardListSeq { // the board's list (boardplus.go)
			return a.apply(a.board.update(msg))
		}
		return a.apply(a.approvals.update(msg))
	case decidedMsg:
		a.clearBusy()
		if a.board.deciding && a.board.decide.step == approvalSending { // decided on the board
			return tea.Batch(a.apply(a.board.update(msg)), a.readBoardNow())
		}
		return a.apply(a.approvals.update(msg))
	case alertClearedMsg:
		if a.board.clear.step == alertsWorking { // cleared on the board
			return tea.Batch(a.apply(a.board.update(msg)), a.readBoardNow())
		}
	case auditMsg:
		a.clearBusy()
		return a.apply(a.audit.update(msg))
	case auditChainMsg:
		return a.apply(a.audit.update(msg))
	case generateMsg:
		a.clearBusy()
		return tea.Batch(a.apply(a.trainer.update(msg)), a.reload())
	case demoMsg:
		if msg.what == "now" {
			return a.apply(a.trainer.update(msg))
		}
		a.clearBusy()
		return tea.Batch(a.apply(a.trainer.update(msg)), a.reload())
	case searchMsg:
		return tea.Batch(a.note(msg.err), a.apply(a.search.update(msg)))
	case pinsMsg:
		return tea.Batch(a.note(msg.err), a.apply(a.trainer.update(msg)))
	}
	return a.apply(a.screens[a.cur].update(msg))
}

// apply does what a screen asked for (see action), now, and returns the commands it leaves for
// Bubble Tea to run.
func (a *App) apply(act action) tea.Cmd {
	switch act := act.(type) {
	case nil:
		return nil
	case actions:
		cmds := make([]tea.Cmd, 0, len(act))
		for _, x := range act {
			cmds = append(cmds, a.apply(x))
		}
		return tea.Batch(cmds...)
	case command:
		return act.cmd
	case say:
		a.setStatus(act.tone, act.text)
		return nil
	case failed:
		cmd := a.note(act.err)
		a.setStatus(toneBad, sentence(act.err))
		a.statusConn = unreachable(act.err)
		return cmd
	case back:
		return a.returnBack()
	case wait:
		return a.setBusy(act.what)
	case openAccount:
		a.c.call.accountID, a.c.call.view, a.c.call.holder, a.c.call.caller = act.id, nil, "", ""
		a.account.reset()
		a.account.focusOn = act.contact
		a.show(scrAccount)
		a.setStatus(toneNeutral, "")
		return tea.Batch(a.setBusy("Loading the account"), a.c.io.account(a.c.call.id, act.id))
	case pick:
		return a.onPick(act)
	case goTo:
		return a.goTo(act.to)
	case openDialog:
		if act.kind != dialogClearDispute {
			if cmd, asked := a.needTicket(act); asked { // sessions.go
				return cmd
			}
		}
		a.dialog.open(act.kind, act.holder)
		a.show(scrDialog)
		return a.apply(a.dialog.focus())
	case boardUnlock:
		if cmd, asked := a.needTicket(act); asked { // sessions.go: as the account's unlock does
			return cmd
		}
		return a.unlockOnBoard(act)
	case find:
		a.goTo(scrSearch)
		return a.apply(do(a.search.focus(), a.search.find(act.query)))
	}
	panic(fmt.Sprintf("ui: unknown action %T", act))
}

// key handles the keys that mean the same on every screen, then hands the rest to the screen.
func (a *App) key(msg tea.KeyPressMsg) tea.Cmd {
	g := &a.c.keys.Global
	if a.confirmQuit {
		a.confirmQuit = false
		if key.Matches(msg, a.c.keys.Dialog.Yes) {
			return a.quit()
		}
		a.setStatus(toneInfo, "Not quitting. The call stays.")
		return nil
	}
	scr := a.screens[a.cur]
	mode := scr.text()
	switch {
	case key.Matches(msg, g.Interrupt):
		if a.pinHalfTyped() {
			a.confirmQuit = true
			a.setStatus(toneWarn, "A PIN is half typed. Quit and discard it? y = quit, any other key = stay")
			return nil
		}
		return a.quit()
	case key.Matches(msg, g.EndCall):
		return a.endCall("Call ended. Ready for the next caller.")
	case key.Matches(msg, g.Channel):
		return a.toggleChannel()
	case key.Matches(msg, g.Ticket):
		return a.askTicket(nil) // sessions.go
	case key.Matches(msg, a.c.keys.Board.Open):
		if a.cur == scrBoard {
			return a.goTo(a.board.from)
		}
		return a.openBoard()
	case key.Matches(msg, g.Trainer):
		if a.cur == scrTrainer {
			return a.returnBack()
		}
		return a.goTo(scrTrainer)
	case key.Matches(msg, g.Approvals) && !a.approvals.list.typing() && !(a.cur == scrBoard && a.board.typing()):
		if a.cur == scrApprovals {
			return a.returnBack()
		}
		return a.goTo(scrApprovals)
	case key.Matches(msg, a.c.keys.Alerts.Open):
		if a.cur == scrAlerts {
			return a.returnBack()
		}
		return a.goTo(scrAlerts)
	case key.Matches(msg, g.Help) && (mode != textFree || msg.Text == ""):
		// While a reason is typed, "?" is a letter; f1 (which types nothing) still opens the help.
		if a.cur == scrHelp {
			return a.returnBack()
		}
		return a.goTo(scrHelp)
	case key.Matches(msg, g.Quit) && mode == textNone:
		if a.callInProgress() {
			// A slip of the finger must not end a call in progress.
			a.confirmQuit = true
			a.setStatus(toneWarn, "A call is in progress. Quit and forget it? y = quit, any other key = stay")
			return nil
		}
		return a.quit()
	}
	if a.loading() {
		a.hold(msg)
		return nil
	}
	if !pagesItself[a.cur] {
		switch {
		case key.Matches(msg, g.More):
			a.bodyOff += max(a.c.h-2, 1)
			a.bodyOff = min(a.bodyOff, a.maxBodyOff())
			return nil
		case key.Matches(msg, g.Less):
			a.bodyOff = max(min(a.bodyOff, a.maxBodyOff())-max(a.c.h-2, 1), 0)
			return nil
		}
	}
	return a.apply(scr.update(msg))
}

// pagesItself are the screens that page through a list of their own with pgup and pgdn; the root
// scrolls the others when they are taller than the room they have.
var pagesItself = map[screenID]bool{scrSearch: true, scrAccount: true, scrAudit: true, scrHelp: true, scrBoard: true}

// maxBodyOff is the furthest the current screen scrolls: its last line shown above the hint.
func (a *App) maxBodyOff() int {
	n := strings.Count(a.screens[a.cur].view(), "\n") + 1
	if n <= a.c.h {
		return 0
	}
	return n - (a.c.h - 1)
}

func (a *App) quit() tea.Cmd {
	a.entry.wipe()
	a.trainer.forget()
	return tea.Quit
}

func (a *App) pinHalfTyped() bool { return a.cur == scrEntry && a.entry.pin.Len() > 0 }

// hasCall reports whether anything of a caller is on screen or in memory.
func (a *App) hasCall() bool {
	c := a.c.call
	return c.accountID != "" || c.fixed || a.search.input.Value() != "" || a.entry.pin.Len() > 0 || a.trainer.holdsPIN() || a.cur != scrSearch
}

// callInProgress reports whether a caller is being dealt with: an account open or asked for, a
// PIN checked or being typed, a query typed, a PIN the trainer holds. (Help opened from an empty
// search is not a call.)
func (a *App) callInProgress() bool {
	c := a.c.call
	return c.accountID != "" || c.fixed || a.search.input.Value() != "" || a.entry.pin.Len() > 0 || a.trainer.holdsPIN()
}

// endCall forgets the caller: account, holder, result, typed digits and search, under a new call
// id so that any answer still on its way is dropped when it arrives.
func (a *App) endCall(why string) tea.Cmd {
	a.c.call = newCall(a.c.call.id+1, a.c.opts.Channel)
	a.entry.wipe()
	a.entry.reset()
	a.result.reset()
	a.account.reset()
	a.dialog.reset()
	a.audit.reset()
	a.trainer.forget()
	a.ticket.reset()
	a.search.reset()
	a.board.reset()
	a.confirmQuit = false
	a.idleWarn = false
	a.held = nil
	a.clearBusy()
	a.show(scrSearch)
	a.setStatus(toneInfo, why)
	return a.apply(a.search.focus())
}

func (a *App) toggleChannel() tea.Cmd {
	c := a.c.call
	if c.fixed {
		a.setStatus(toneWarn, fmt.Sprintf("The channel of this call is %s: it is in the audit trail. End the call (ctrl+e) to change it.", c.channel))
		return nil
	}
	if c.channel == model.ChannelChat {
		c.channel = model.ChannelPhone
	} else {
		c.channel = model.ChannelChat
	}
	a.setStatus(toneInfo, fmt.Sprintf("This call is taken by %s.", c.channel))
	return nil
}

func (a *App) goTo(to screenID) tea.Cmd {
	switch to {
	case scrAlerts:
		if !a.c.may(model.PermAlerts) {
			return nil
		}
		if !overlay(a.cur) {
			a.back = a.cur
		}
		a.show(scrAlerts)
		return a.apply(a.alerts.open())
	case scrHelp, scrTrainer, scrApprovals:
		if to == scrTrainer && !a.c.demo || to == scrApprovals && !a.c.keys.Global.Approvals.Enabled() {
			return nil
		}
		// Nor is the ticket screen (sessions.go), which returns to the screen it was typed over.
		if !overlay(a.cur) {
			a.back = a.cur
		}
		if to == scrApprovals {
			a.show(to)
			return a.apply(a.approvals.open())
		}
		a.show(to)
		if to == scrHelp {
			a.helpScr.open(a.back)
			return nil
		}
		return a.apply(a.trainer.open(a.selected(), a.search.selectedNumber()))
	case scrAudit:
		if !a.c.may(model.PermAudit) || a.c.call.view == nil {
			return nil
		}
		a.show(scrAudit)
		return tea.Batch(a.setBusy("Loading the audit trail"), a.apply(a.audit.open()))
	case scrSearch:
		a.c.call.accountID, a.c.call.view, a.c.call.holder, a.c.call.caller = "", nil, "", ""
		a.account.reset()
		a.show(scrSearch)
		return a.apply(a.search.focus())
	case scrAccount:
		if a.c.call.accountID == "" {
			return a.goTo(scrSearch)
		}
		a.show(scrAccount)
		return a.reload()
	case scrEntry:
		a.show(scrEntry)
		return nil
	case scrBoard:
		return a.openBoard()
	}
	a.show(to)
	return nil
}

// show switches screens without side effects.
func (a *App) show(to screenID) {
	if a.cur == scrSearch && to != scrSearch {
		a.search.blur()
	}
	if a.cur == scrEntry && to != scrEntry && to != scrHelp && to != scrTrainer {
		// Leaving the PIN field forgets what was typed in it. The help and the trainer panel are
		// looked at over it: esc comes back to the digits typed.
		a.entry.wipe()
	}
	if to != a.cur {
		a.bodyOff = 0
	}
	a.cur = to
}

func (a *App) reload() tea.Cmd {
	if a.c.call.accountID == "" {
		return nil
	}
	return a.c.io.account(a.c.call.id, a.c.call.accountID)
}

func (a *App) onAccount(msg accountMsg) tea.Cmd {
	cmd := a.note(msg.err)
	if msg.err == nil && msg.view.Account.ID != a.c.call.accountID {
		return cmd // the agent has moved on to another account
	}
	if msg.quiet && msg.err != nil {
		return cmd // a background refresh failed: the header says why, the screen stays as it was
	}
	if !msg.quiet {
		a.clearBusy()
	}
	if msg.err != nil {
		cmd = tea.Batch(cmd, a.apply(failed{msg.err}))
		if a.c.call.view == nil && a.cur == scrAccount {
			a.drop("the account did not open")
			a.c.call.accountID = ""
			a.show(scrSearch)
			return tea.Batch(cmd, a.apply(a.search.focus()))
		}
		return cmd
	}
	v := msg.view
	a.c.call.view, a.c.call.now = &v, msg.now
	a.account.loaded()
	if a.cur != scrTrainer {
		// Reading a PIN back is audited: only the panel on screen reads them (not every poll).
		a.trainer.clamp()
		return cmd
	}
	return tea.Batch(cmd, a.apply(a.trainer.loaded()))
}

func (a *App) onPick(msg pick) tea.Cmd {
	c := a.c.call
	if c.view == nil {
		return nil
	}
	if c.view.Account.UsesPINs {
		if cmd, asked := a.needTicket(msg); asked { // sessions.go
			return cmd
		}
	}
	c.holder, c.caller = msg.holder, msg.caller
	if !c.view.Account.UsesPINs {
		// Nothing to ask the caller for: the answer is known without sending a PIN.
		a.result.show(verifyMsg{tag: tag{c.id}, holder: msg.holder, caller: msg.caller, now: c.now,
			res: model.VerifyResult{Outcome: model.OutcomeNotApplicable}})
		a.show(scrResult)
		return nil
	}
	a.entry.start()
	a.show(scrEntry)
	return nil
}

func (a *App) onVerify(msg verifyMsg) tea.Cmd {
	a.clearBusy()
	a.entry.answered(msg.err)
	if msg.err != nil {
		// A kept PIN is said on the PIN field itself (entryScreen.view).
		return a.apply(failed{msg.err})
	}
	a.result.show(msg)
	a.show(scrResult)
	a.setStatus(toneNeutral, "")
	return a.reload()
}

// note takes what an answer from the backend (err nil: a success) tells of the connection. When the
// server answers again after being unreachable, what went stale is cleared and asked again.
func (a *App) note(err error) tea.Cmd {
	if a.conn == nil {
		return nil // an in-process backend has no connection to lose
	}
	was := a.link
	switch {
	case unreachable(err) || !a.conn.Reachable():
		a.link = linkOffline
	case errors.Is(err, model.ErrUnauthorized):
		a.link = linkSignedOut
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		// No answer either way: the state stays what it was.
	default:
		a.link = linkOnline
	}
	if was == linkOffline && a.link == linkOnline {
		return a.backOnline()
	}
	return nil
}

// backOnline clears what the outage left on screen and asks again for what it stopped.
func (a *App) backOnline() tea.Cmd {
	if a.statusConn {
		a.setStatus(toneGood, "The server answers again.")
	}
	cmds := []tea.Cmd{a.apply(a.search.retry())}
	if a.holdersShown() {
		cmds = append(cmds, a.reload())
	}
	return tea.Batch(cmds...)
}

// holdersShown reports whether an account's holders are on screen (the account or the PIN field).
func (a *App) holdersShown() bool {
	return (a.cur == scrAccount || a.cur == scrEntry) && a.c.call.view != nil
}

// arm schedules the timers the app's state calls for, one of each at a time: the offline re-check,
// and the background refresh of the account on screen.
func (a *App) arm() tea.Cmd {
	var cmds []tea.Cmd
	if a.conn != nil && a.link == linkOffline && !a.probing {
		a.probing = true
		cmds = append(cmds, a.after(probeEvery, probeMsg{}))
	}
	if a.holdersShown() && a.link == linkOnline && !a.polling {
		a.polling = true
		cmds = append(cmds, a.after(pollEvery, pollMsg{tag{a.c.call.id}, a.c.call.accountID}))
	}
	cmds = append(cmds, a.armBoard())
	return tea.Batch(cmds...)
}

// loading reports whether the screen waits for an answer that will move the agent on: the keys
// typed meanwhile are held for the screen that comes next.
func (a *App) loading() bool {
	switch a.cur {
	case scrSearch:
		return a.search.openOn != 0
	case scrAccount:
		return a.c.call.accountID != "" && a.c.call.view == nil
	case scrEntry:
		return a.entry.waiting
	}
	return false
}

func (a *App) hold(msg tea.Msg) {
	if len(a.held) == 0 {
		a.heldFrom = a.cur
	}
	a.held = append(a.held, msg)
}

// release replays the held keys, in order, once the wait is over, until one of them starts
// another wait. A wait that ended where it began (a search that found nothing, a PIN the server
// did not check) did not move the agent on: the keys were meant for a screen that did not come,
// so they are dropped, and the agent is told.
func (a *App) release() tea.Cmd {
	if len(a.held) == 0 || a.loading() || a.cur == scrHelp || a.cur == scrTrainer {
		return nil
	}
	if a.cur == a.heldFrom && a.cur != scrAccount {
		a.drop("the screen they were for did not come")
		return nil
	}
	var cmds []tea.Cmd
	for len(a.held) > 0 && !a.loading() {
		msg := a.held[0]
		a.held = a.held[1:]
		switch msg := msg.(type) {
		case tea.KeyPressMsg:
			cmds = append(cmds, a.key(msg))
		default:
			cmds = append(cmds, a.apply(a.screens[a.cur].update(msg)))
		}
	}
	if len(a.held) > 0 {
		a.heldFrom = a.cur
	}
	return tea.Batch(cmds...)
}

// drop forgets the held keys, saying so after what the status line says.
func (a *App) drop(why string) {
	if len(a.held) == 0 {
		return
	}
	n := len(a.held)
	a.held = nil
	note := fmt.Sprintf("%d keys typed while waiting were not used: %s.", n, why)
	if n == 1 {
		note = fmt.Sprintf("1 key typed while waiting was not used: %s.", why)
	}
	if a.status != "" {
		note = a.status + " " + note
	}
	a.setStatus(max(a.statusTone, toneWarn), note)
}

// selected is the holder the agent has selected, for the trainer panel to start on.
func (a *App) selected() string {
	switch a.back {
	case scrAccount:
		if h, ok := a.account.holder(); ok {
			return h.Holder.ContactID
		}
	case scrEntry, scrResult, scrDialog:
		return a.c.call.holder
	}
	return ""
}

// returnBack leaves the help or the trainer panel for the screen under it, as it was left: the
// search with its query, the PIN field with its digits. The account is reloaded, since the trainer
// may have changed it.
func (a *App) returnBack() tea.Cmd {
	to := a.back
	if to != scrSearch && to != scrBoard && a.c.call.accountID == "" {
		to = scrSearch
	}
	a.show(to)
	switch to {
	case scrBoard:
		return a.openBoard()
	case scrSearch:
		return a.apply(a.search.focus())
	case scrDialog:
		return a.apply(a.dialog.focus())
	}
	return a.reload()
}

// idle is the idle check: it warns, counting down, before it clears the screen.
func (a *App) idle() tea.Cmd {
	a.idleArmed = false
	timeout := a.c.opts.IdleTimeout
	if timeout <= 0 {
		return nil
	}
	warn := min(idleWarning, timeout/2)
	left := timeout - a.clock().Sub(a.lastKey)
	switch {
	case left <= 0:
		a.idleWarn = false
		if a.hasCall() {
			return a.endCall(fmt.Sprintf("Screen cleared after %s without a key press.", span(timeout)))
		}
		return nil
	case left <= warn && a.hasCall():
		a.idleWarn, a.idleLeft = true, left
		a.idleArmed = true
		// The next check comes when the count shown drops by a second.
		next := left - (left-1)/time.Second*time.Second
		return a.after(next, idleMsg{})
	case left <= warn:
		a.idleArmed = true
		return a.after(left, idleMsg{})
	}
	a.idleArmed = true
	return a.after(left-warn, idleMsg{})
}

// touch notes a key press, and arms the idle check if none is scheduled.
func (a *App) touch() tea.Cmd {
	a.lastKey = a.clock()
	if a.c.opts.IdleTimeout <= 0 || a.idleArmed {
		return nil
	}
	a.idleArmed = true
	return a.after(a.c.opts.IdleTimeout, idleMsg{})
}

func (a *App) setBusy(what string) tea.Cmd {
	a.busy = what
	if what == "" || a.spinning {
		return nil // a tick still on its way keeps the spinner turning
	}
	a.spinning = true
	return a.after(a.spin.Spinner.FPS, a.spin.Tick())
}

func (a *App) clearBusy() { a.busy = "" }

func (a *App) setStatus(t tone, s string) { a.status, a.statusTone, a.statusConn = s, t, false }

func (a *App) restyle() {
	a.c.st = newStyles(a.isDark, a.c.opts.NoColor)
	a.help.Styles = a.c.st.Help
	for _, s := range a.screens {
		if r, ok := s.(interface{ restyle() }); ok {
			r.restyle()
		}
	}
}

// maxFrame is the widest the app draws. On a wide terminal a result panel or a table stretched
// over 200 columns reads worse, not better: the eye loses the line.
const maxFrame = 100

// frameWidth is the width the app draws in.
func (a *App) frameWidth() int { return min(max(a.width, 20), maxFrame) }

// chrome is the number of lines around the body: header, banner, status line and key help, the
// last two as many lines as their text needs.
func (a *App) chrome(w int) int {
	n := 1 + len(a.statusLines(w)) + len(a.footerLines(a.screens[a.cur], w))
	if a.c.opts.Demo {
		n++
	}
	return n
}

func (a *App) layout() {
	w := a.frameWidth()
	h := max(a.height-a.chrome(w), 3)
	a.c.w, a.c.h = w, h
	a.help.SetWidth(w)
	for _, s := range a.screens {
		s.setSize(w, h)
	}
}

// relayout sizes the screens again when the room between header and footer changed.
func (a *App) relayout() {
	w := a.frameWidth()
	if w != a.c.w || max(a.height-a.chrome(w), 3) != a.c.h {
		a.layout()
	}
}

// View draws the frame and the current screen. It only reads the model.
func (a *App) View() tea.View {
	v := tea.NewView(a.render())
	v.AltScreen = true
	v.WindowTitle = "pindesk"
	return v
}

func (a *App) render() string {
	st := a.c.st
	w := a.frameWidth()
	var lines []string
	lines = append(lines, a.header(w))
	if a.c.opts.Demo {
		lines = append(lines, st.Banner.Render(banner(w)))
	}
	scr := a.screens[a.cur]
	lines = append(lines, a.body(scr.view(), w, a.c.h))
	lines = append(lines, a.statusLines(w)...)
	lines = append(lines, a.footerLines(scr, w)...)
	return strings.Join(lines, "\n")
}

// body is a screen's view in exactly h lines. A view taller than that is scrolled (pgdn, pgup) and
// its last line says there is more, so nothing is lost off the bottom unseen.
func (a *App) body(view string, w, h int) string {
	lines := strings.Split(view, "\n")
	if len(lines) > h && h > 1 {
		last := len(lines) - (h - 1)
		off := min(max(a.bodyOff, 0), last)
		if pagesItself[a.cur] {
			off = 0 // the screen pages itself: this only happens when it is drawn too tall
		}
		hint := "↓ more · pgdn"
		if off == last {
			hint = "↑ more above · pgup"
		}
		lines = append(lines[off:off+h-1:off+h-1], a.c.st.Faint.Render(hint))
	}
	body := clipLines(strings.Join(lines, "\n"), w, h)
	if n := lipgloss.Height(body); n < h {
		body += strings.Repeat("\n", h-n)
	}
	return body
}

// banner is the DEMO line: a full-width bar that reads as a warning even without colour.
func banner(w int) string {
	text := " DEMO · training data only · not real customers · DEMO "
	if ansi.StringWidth(text) > w {
		text = " DEMO "
	}
	left := (w - ansi.StringWidth(text)) / 2
	right := w - ansi.StringWidth(text) - left
	return fit(strings.Repeat("▓", max(left, 0))+text+strings.Repeat("▓", max(right, 0)), w)
}

func (a *App) header(w int) string {
	st := a.c.st
	c := a.c.call
	left := st.Header.Render("pindesk") + st.HeaderDim.Render(" · "+a.screens[a.cur].title())
	ch := strings.ToUpper(string(c.channel))
	if c.fixed {
		ch += " (fixed)"
	}
	// The connection state is never cut: the operator's name is shortened first, then the
	// screen's title goes, then the name.
	tail := fmt.Sprintf(" (%s) · %s · call %d", a.c.op.Role, ch, c.id) + ticketTail(c.ticket)
	if a.conn != nil {
		tail += " · " + map[link]string{linkOnline: "● online", linkOffline: "✗ OFFLINE", linkSignedOut: "✗ SIGNED OUT"}[a.link]
	}
	name := safe(a.c.op.Name)
	const minName = 8
	room := w - ansi.StringWidth(left) - 1 - ansi.StringWidth(tail)
	if room < min(ansi.StringWidth(name), minName) {
		left = st.Header.Render("pindesk")
		room = w - ansi.StringWidth(left) - 1 - ansi.StringWidth(tail)
	}
	switch {
	case room <= 1:
		name = ""
	case ansi.StringWidth(name) > room:
		name = ansi.Truncate(name, room, "…")
	}
	right := st.HeaderDim.Render(strings.TrimPrefix(name+tail, " "))
	gap := w - ansi.StringWidth(left) - ansi.StringWidth(right)
	if gap < 1 {
		return ansi.TruncateLeft(left+" "+right, -gap+1, "")
	}
	return left + strings.Repeat(" ", gap) + right
}

// statusLines is the status line: one line, or as many as its sentence needs, since a sentence
// cut short ("…") can drop the part the agent needed (a lock time, what to do next).
func (a *App) statusLines(w int) []string {
	st := a.c.st
	var t tone
	var text string
	switch {
	case a.idleWarn:
		secs := int((a.idleLeft + time.Second - 1) / time.Second)
		t, text = toneWarn, fmt.Sprintf("! No key pressed: this call is cleared in %d s. Press any key to keep it.", secs)
	case a.busy != "":
		text = a.spin.View() + " " + a.busy + "…"
		if n := len(a.held); n > 0 {
			text += fmt.Sprintf(" (%d keys typed, kept for the next screen)", n)
		}
		return styleLines(st.tone(toneInfo), hang(text, w, 2))
	case a.status == "":
		return []string{""}
	default:
		sym := map[tone]string{toneGood: "✓ ", toneBad: "✗ ", toneWarn: "! ", toneInfo: "i ", toneNeutral: ""}[a.statusTone]
		t, text = a.statusTone, sym+a.status
	}
	indent := 0
	if t != toneNeutral {
		indent = 2 // under the text, not the symbol
	}
	return styleLines(st.statusLine[t], hang(text, w, indent))
}

// The root declares its keys as the screens do (see screen): ShortHelp is the part of the footer
// that is there on every screen, FullHelp the help screen's first section.

func (a *App) helpTitle() string { return "Any screen" }

func (a *App) ShortHelp() []key.Binding {
	g := a.c.keys.Global
	always := []key.Binding{g.EndCall, g.Help}
	if a.screens[a.cur].text() == textNone && !a.pinHalfTyped() {
		always = append(always, g.Quit)
	}
	return always
}

func (a *App) FullHelp() [][]key.Binding {
	g := a.c.keys.Global
	return [][]key.Binding{{g.Help, g.EndCall, g.Channel, g.Ticket, g.Back, g.More, g.Less, g.Quit, g.Interrupt, g.Trainer, a.c.keys.Board.Open, g.Approvals}}
}

// footerLines is the key help: the screen's keys, then the ones that work everywhere, on as many
// lines as they need up to maxFooter. When they need more, the screen's last keys give way to
// "…" ("?" lists them all); the keys that work everywhere are always shown.
func (a *App) footerLines(scr screen, w int) []string {
	const maxFooter = 2
	item := func(b key.Binding) string { return a.help.ShortHelpView([]key.Binding{b}) }
	var own, always []string
	for _, b := range scr.ShortHelp() {
		if b.Enabled() {
			own = append(own, item(b))
		}
	}
	for _, b := range a.ShortHelp() {
		always = append(always, item(b))
	}
	sep := a.c.st.Help.ShortSeparator.Render(" • ")
	ellipsis := a.c.st.Help.Ellipsis.Render("…")
	for n := len(own); ; n-- {
		items := append(append([]string{}, own[:n]...), always...)
		if n < len(own) {
			items = append(append(append([]string{}, own[:n]...), ellipsis), always...)
		}
		lines := flow(items, sep, w)
		if len(lines) <= maxFooter || n == 0 {
			for i := range lines {
				lines[i] = clip(lines[i], w)
			}
			return lines
		}
	}
}

// flow lays items out on lines of at most w cells, joined by sep, breaking between items.
func flow(items []string, sep string, w int) []string {
	var lines []string
	cur := ""
	for _, it := range items {
		switch {
		case cur == "":
			cur = it
		case ansi.StringWidth(cur)+ansi.StringWidth(sep)+ansi.StringWidth(it) <= w:
			cur += sep + it
		default:
			lines = append(lines, cur)
			cur = it
		}
	}
	return append(lines, cur)
}

// overlay says whether a screen is shown over another and returns to it (help, the trainer, the
// ticket, approvals, alerts): going from one overlay to another keeps the screen under both.
func overlay(id screenID) bool {
	switch id {
	case scrHelp, scrTrainer, scrTicket, scrApprovals, scrAlerts:
		return true
	}
	return false
}

package ui

import (
	"context"
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

	help help.Model

	width, height int
	isDark        bool

	status     string
	statusTone tone

	busy     string // what the app waits for, with the spinner; "" when idle
	spin     spinner.Model
	spinning bool // a tick of the spinner is on its way: one at a time, or it would turn faster

	lastKey     time.Time // when the agent last pressed a key
	idleArmed   bool      // an idle check is scheduled
	confirmQuit bool
	reachable   bool

	// after schedules msg after d (tea.Tick) and clock tells the time (for the idle timeout); tests
	// replace both to control time.
	after func(d time.Duration, msg tea.Msg) tea.Cmd
	clock func() time.Time
}

// idleMsg is the idle check: one timer at a time, re-armed for the time that remains.
type idleMsg struct{}

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
	a := &App{c: c, isDark: true, width: 80, height: 24, reachable: true}
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
	// The help screen lists the root's keys, then each screen's, in the order the screens come.
	a.helpScr = newHelpScreen(c, a, a.search, a.account, a.entry, a.result, a.dialog, a.audit, a.trainer)
	a.screens = map[screenID]screen{
		scrSearch: a.search, scrAccount: a.account, scrEntry: a.entry, scrResult: a.result,
		scrDialog: a.dialog, scrAudit: a.audit, scrHelp: a.helpScr, scrTrainer: a.trainer,
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
	return a, a.update(msg)
}

func (a *App) update(msg tea.Msg) tea.Cmd {
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
		return tea.Batch(a.touch(), a.key(msg))
	case tea.PasteMsg:
		return tea.Batch(a.touch(), a.apply(a.screens[a.cur].update(msg)))
	case idleMsg:
		a.idleArmed = false
		timeout := a.c.opts.IdleTimeout
		if idle := a.clock().Sub(a.lastKey); idle < timeout {
			a.idleArmed = true
			return a.after(timeout-idle, idleMsg{})
		}
		if a.hasCall() {
			return a.endCall(fmt.Sprintf("Screen cleared after %s without a key press.", span(timeout)))
		}
		return nil
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
	case unlockMsg, resetMsg:
		a.clearBusy()
		cmd := a.apply(a.dialog.update(msg))
		if a.dialog.done() {
			a.show(scrAccount)
			return tea.Batch(cmd, a.reload())
		}
		return cmd
	case auditMsg:
		a.clearBusy()
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
		a.noteConnection()
		return a.apply(a.search.update(msg))
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
		a.dialog.open(act.kind, act.holder)
		a.show(scrDialog)
		return a.apply(a.dialog.focus())
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
			a.entry.wipe()
			return tea.Quit
		}
		a.setStatus(toneInfo, "Not quitting. The PIN is still being typed.")
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
	case key.Matches(msg, g.Trainer):
		if a.cur == scrTrainer {
			return a.goTo(a.back)
		}
		return a.goTo(scrTrainer)
	case key.Matches(msg, g.Help) && (mode != textFree || msg.Text == ""):
		// While a reason is typed, "?" is a letter; f1 (which types nothing) still opens the help.
		if a.cur == scrHelp {
			return a.goTo(a.back)
		}
		return a.goTo(scrHelp)
	case key.Matches(msg, g.Quit) && mode == textNone:
		if a.pinHalfTyped() {
			return nil // a slip of the finger must not throw away the caller's half-typed PIN
		}
		return a.quit()
	}
	return a.apply(scr.update(msg))
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
	a.search.reset()
	a.confirmQuit = false
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
	case scrHelp, scrTrainer:
		if to == scrTrainer && !a.c.demo {
			return nil
		}
		if a.cur != scrHelp && a.cur != scrTrainer {
			a.back = a.cur
		}
		a.show(to)
		if to == scrHelp {
			a.helpScr.open(a.back)
			return nil
		}
		return a.apply(a.trainer.open())
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
	}
	a.show(to)
	return nil
}

// show switches screens without side effects.
func (a *App) show(to screenID) {
	if a.cur == scrSearch && to != scrSearch {
		a.search.blur()
	}
	if a.cur == scrEntry && to != scrEntry {
		a.entry.wipe() // leaving the PIN field for any reason forgets what was typed in it
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
	a.noteConnection()
	if msg.err == nil && msg.view.Account.ID != a.c.call.accountID {
		return nil // the agent has moved on to another account
	}
	a.clearBusy()
	if msg.err != nil {
		a.setStatus(toneBad, sentence(msg.err))
		if a.c.call.view == nil && a.cur == scrAccount {
			a.c.call.accountID = ""
			a.show(scrSearch)
			return a.apply(a.search.focus())
		}
		return nil
	}
	v := msg.view
	a.c.call.view, a.c.call.now = &v, msg.now
	a.account.loaded()
	a.trainer.loaded()
	return nil
}

func (a *App) onPick(msg pick) tea.Cmd {
	c := a.c.call
	if c.view == nil {
		return nil
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
	a.noteConnection()
	a.clearBusy()
	a.entry.answered()
	if msg.err != nil {
		a.setStatus(toneBad, sentence(msg.err))
		return nil
	}
	a.result.show(msg)
	a.show(scrResult)
	a.setStatus(toneNeutral, "")
	return a.reload()
}

func (a *App) noteConnection() {
	if a.conn != nil {
		a.reachable = a.conn.Reachable()
	}
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

func (a *App) setStatus(t tone, s string) { a.status, a.statusTone = s, t }

func (a *App) restyle() {
	a.c.st = newStyles(a.isDark, a.c.opts.NoColor)
	a.help.Styles = a.c.st.Help
	for _, s := range a.screens {
		if r, ok := s.(interface{ restyle() }); ok {
			r.restyle()
		}
	}
}

// chrome is the number of lines around the body: header, banner, status line, key help.
func (a *App) chrome() int {
	n := 3
	if a.c.opts.Demo {
		n++
	}
	return n
}

func (a *App) layout() {
	w, h := max(a.width, 20), max(a.height-a.chrome(), 3)
	a.c.w, a.c.h = w, h
	a.help.SetWidth(w)
	for _, s := range a.screens {
		s.setSize(w, h)
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
	w := max(a.width, 20)
	var lines []string
	lines = append(lines, a.header(w))
	if a.c.opts.Demo {
		lines = append(lines, st.Banner.Render(banner(w)))
	}
	scr := a.screens[a.cur]
	body := clipLines(scr.view(), w, a.c.h)
	if n := lipgloss.Height(body); n < a.c.h {
		body += strings.Repeat("\n", a.c.h-n)
	}
	lines = append(lines, body)
	lines = append(lines, a.statusLine(w))
	lines = append(lines, a.footer(scr, w))
	return strings.Join(lines, "\n")
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
	right := fmt.Sprintf("%s (%s) · %s · call %d", safe(a.c.op.Name), a.c.op.Role, ch, c.id)
	if a.conn != nil {
		if a.reachable {
			right += " · ● online"
		} else {
			right += " · ✗ OFFLINE"
		}
	}
	right = st.HeaderDim.Render(right)
	gap := w - ansi.StringWidth(left) - ansi.StringWidth(right)
	if gap < 1 {
		return clip(left+" "+right, w)
	}
	return left + strings.Repeat(" ", gap) + right
}

func (a *App) statusLine(w int) string {
	st := a.c.st
	if a.busy != "" {
		return clip(st.tone(toneInfo).Render(a.spin.View()+" "+a.busy+"…"), w)
	}
	if a.status == "" {
		return ""
	}
	sym := map[tone]string{toneGood: "✓ ", toneBad: "✗ ", toneWarn: "! ", toneInfo: "i ", toneNeutral: ""}[a.statusTone]
	return clip(st.statusLine[a.statusTone].Render(sym+a.status), w)
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
	return [][]key.Binding{{g.Help, g.EndCall, g.Channel, g.Back, g.Quit, g.Interrupt, g.Trainer}}
}

func (a *App) footer(scr screen, w int) string {
	// The keys that work everywhere are always shown; the screen's own keys get the rest of the
	// line (and "?" lists them all).
	tail := a.help.ShortHelpView(a.ShortHelp())
	h := a.help
	h.SetWidth(max(w-ansi.StringWidth(tail)-3, 10))
	head := h.ShortHelpView(scr.ShortHelp())
	if head == "" {
		return clip(tail, w)
	}
	return clip(head+a.c.st.Help.ShortSeparator.Render(" • ")+tail, w)
}

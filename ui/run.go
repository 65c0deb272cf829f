// Package ui is pindesk's terminal app for support agents, supervisors and trainers: find the
// caller's account, pick who is calling, type the PIN they read out (masked), and read the answer
// with what to say next. It is built on Bubble Tea v2 and talks only to a client.Backend, always
// from inside a tea.Cmd.
//
// The app is driven from the keyboard (see keys.go; "?" lists every key), never shows a PIN (the
// trainer panel of the demo excepted: there the trainer plays the customer), forgets the typed
// digits the moment they are sent, and forgets the whole call on "end call" (ctrl+e) or after an
// idle time. Every answer from the backend carries the id of the call that asked for it, and an
// answer for a call that has ended is dropped.
//
// # Shape
//
// The root model (App, app.go) owns the call and routes each message to one screen at a time;
// each screen is a small model in its own file. A screen tells the root what it wants in one way:
// its update returns an action (action.go) — show another screen, open an account, say something
// in the status line, wait with the spinner, or run a command — and the root applies it before it
// reads the next message. Every call to the backend is such a command (commands.go), run by Bubble
// Tea outside Update; its answer comes back as a message.
//
// Every key is declared once, in the KeyMap (keys.go). Each screen, like the root, declares its own
// help from those bindings (help.KeyMap: ShortHelp for the footer, FullHelp for its section of the
// help screen), and its update matches the same bindings.
package ui

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/model"
)

// DefaultRequestTimeout bounds a call to the backend when Options leave it zero.
const DefaultRequestTimeout = 15 * time.Second

// Options configure the app.
type Options struct {
	// Demo shows the DEMO banner and lets the trainer panel show the PINs it generates. Set it only
	// over a throwaway demo database.
	Demo bool
	// IdleTimeout clears the screen (ends the call) after this long without a key press; zero or
	// negative never clears it. Its default is a setting's, so it is defined once, in config
	// (config.DefaultIdleTimeout, which this package may not import): pindesk always passes the
	// idle_timeout setting here.
	IdleTimeout time.Duration
	// Channel is the channel each call starts on (phone when empty); ctrl+p switches it until the
	// first PIN of the call is checked.
	Channel model.Channel

	// Scenarios lists the demo's accounts for the trainer panel (optional).
	Scenarios []Scenario
	// Location is the time zone times are shown in; nil for the local zone.
	Location *time.Location
	// NoColor draws without colour. Run also sets it when NO_COLOR is set in the environment.
	NoColor bool
	// RequestTimeout bounds every call to the backend; zero means DefaultRequestTimeout.
	RequestTimeout time.Duration
	// Input and Output replace the terminal (for tests); nil for stdin and stdout.
	Input  io.Reader
	Output io.Writer
}

// Scenario is one situation of the demo database, listed in the trainer panel.
type Scenario struct {
	Title         string // "One-time PIN about to expire"
	AccountNumber string // what the trainer panel searches for to open it
	Note          string // what the trainer shows with it (optional)
	// Caller and PIN are who calls in the scenario and the PIN they give; the trainer plays that
	// caller. Shown only in demo mode. Optional.
	Caller, PIN string
}

func (o Options) withDefaults() Options {
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if o.Channel == "" {
		o.Channel = model.ChannelPhone
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	return o
}

// Run runs the app on the terminal until the operator quits or ctx is cancelled. It does not close
// b; the caller does.
func Run(ctx context.Context, b client.Backend, opts Options) error {
	return runIn(ctx, b, opts, os.Environ())
}

// runIn is Run in the environment environ (the program's, and where NO_COLOR is read); tests add
// program options (a window size, for output that is not a terminal).
func runIn(ctx context.Context, b client.Backend, opts Options, environ []string, extra ...tea.ProgramOption) error {
	// Bubble Tea's colour-profile detection (colorprofile.Detect, v0.4.3) reads NO_COLOR, but does
	// not cover it: it takes the value with strconv.ParseBool, so NO_COLOR=1 or true gives the
	// Ascii profile on a terminal, while NO_COLOR=yes — or any other non-empty value, which
	// no-color.org says must turn colour off — leaves the colours on. (Output that is not a terminal
	// gets the NoTTY profile, which writes no styles at all, whatever NO_COLOR says.) And the styles
	// must know too: without colour, a selected row and the DEMO banner are drawn in reverse video
	// rather than on a coloured background (newStyles). So the app reads NO_COLOR itself, and sets
	// the profile.
	if noColor(environ) {
		opts.NoColor = true
	}
	app := newApp(ctx, b, opts)
	popts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithEnvironment(environ)}
	if opts.Input != nil {
		popts = append(popts, tea.WithInput(opts.Input))
	}
	if opts.Output != nil {
		popts = append(popts, tea.WithOutput(opts.Output))
	}
	if opts.NoColor {
		popts = append(popts, tea.WithColorProfile(colorprofile.Ascii))
	}
	_, err := tea.NewProgram(app, append(popts, extra...)...).Run()
	app.entry.wipe()
	app.trainer.forget()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil // cancelled by the caller (a signal): a normal way to stop
	}
	return err
}

// noColor reports whether environ asks for no colour: NO_COLOR set to anything but "".
func noColor(environ []string) bool {
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "NO_COLOR="); ok && v != "" {
			return true
		}
	}
	return false
}

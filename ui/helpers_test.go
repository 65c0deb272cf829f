package ui

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/model"
)

var (
	agent      = model.Operator{Name: "ann", Role: model.OpAgent}
	supervisor = model.Operator{Name: "sue", Role: model.OpSupervisor}
	trainer    = model.Operator{Name: "tina", Role: model.OpTrainer}
)

// harness drives an App synchronously: every command is run at once and its message fed back,
// until nothing is left. Timers (idle, spinner) are recorded instead of waited for.
type harness struct {
	t      *testing.T
	app    *App
	timers []tea.Msg
	quit   bool
}

func newHarness(t *testing.T, b client.Backend, opts Options) *harness {
	t.Helper()
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	h := &harness{t: t}
	h.app = New(b, opts)
	h.app.after = func(_ time.Duration, msg tea.Msg) tea.Cmd {
		h.timers = append(h.timers, msg)
		return nil
	}
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	h.run(h.app.Init())
	return h
}

// send delivers a message and runs what it returns.
func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	_, cmd := h.app.Update(msg)
	h.run(cmd)
}

// run executes a command and, recursively, the commands its messages return.
func (h *harness) run(cmd tea.Cmd) {
	h.t.Helper()
	if cmd == nil {
		return
	}
	msg := cmd()
	switch m := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range m {
			h.run(c)
		}
	case tea.QuitMsg:
		h.quit = true
	default:
		h.send(msg)
	}
}

// key types keys: "enter", "esc", "ctrl+e", or text typed one rune at a time (prefix "type:").
func (h *harness) keys(keys ...string) {
	h.t.Helper()
	for _, k := range keys {
		if t, ok := strings.CutPrefix(k, "type:"); ok {
			for _, r := range t {
				h.send(tea.KeyPressMsg{Code: r, Text: string(r)})
			}
			continue
		}
		h.send(keyMsg(k))
	}
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "f1":
		return tea.KeyPressMsg{Code: tea.KeyF1}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "home":
		return tea.KeyPressMsg{Code: tea.KeyHome}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	}
	if c, ok := strings.CutPrefix(k, "ctrl+"); ok {
		return tea.KeyPressMsg{Code: rune(c[0]), Mod: tea.ModCtrl}
	}
	r := []rune(k)
	if len(r) == 1 {
		return tea.KeyPressMsg{Code: r[0], Text: k}
	}
	panic("unknown key " + k)
}

// screen is the visible text: the view without styles.
func (h *harness) screen() string { return ansi.Strip(h.app.View().Content) }

// flowed is the screen's text with its lines joined by single spaces, so that a sentence the app
// wrapped over two lines is still found whole.
func (h *harness) flowed() string {
	lines := strings.Split(h.screen(), "\n")
	for i, l := range lines {
		lines[i] = strings.Trim(l, " │║") // and the sides of a box
	}
	return strings.Join(lines, " ")
}

func (h *harness) mustSee(texts ...string) {
	h.t.Helper()
	s, flowed := h.screen(), h.flowed()
	for _, t := range texts {
		if !strings.Contains(s, t) && !strings.Contains(flowed, t) {
			h.t.Fatalf("screen lacks %q:\n%s", t, s)
		}
	}
}

func (h *harness) mustNotSee(texts ...string) {
	h.t.Helper()
	s, flowed := h.screen(), h.flowed()
	for _, t := range texts {
		if strings.Contains(s, t) || strings.Contains(flowed, t) {
			h.t.Fatalf("screen shows %q:\n%s", t, s)
		}
	}
}

// openAccount searches for q and opens the first result.
func (h *harness) openAccount(q string) {
	h.t.Helper()
	h.keys("type:"+q, "enter")
	if h.app.cur != scrAccount || h.app.c.call.view == nil {
		h.t.Fatalf("account %q did not open:\n%s", q, h.screen())
	}
}

func lipglossWidth(s string) int { return ansi.StringWidth(s) }

// findString walks everything the model holds and returns the path of the first string or byte
// array containing secret, or "". It does not enter the backend (which legitimately knows PINs)
// nor functions (commands in flight).
func findString(root any, secret string) string {
	seen := map[uintptr]bool{}
	var walk func(v reflect.Value, path string) string
	walk = func(v reflect.Value, path string) string {
		if !v.IsValid() {
			return ""
		}
		if v.Type() == reflect.TypeOf(&backendCmds{}) {
			return ""
		}
		switch v.Kind() {
		case reflect.String:
			if strings.Contains(v.String(), secret) {
				return path
			}
		case reflect.Pointer:
			if v.IsNil() || seen[v.Pointer()] {
				return ""
			}
			seen[v.Pointer()] = true
			return walk(v.Elem(), path)
		case reflect.Interface:
			if v.IsNil() {
				return ""
			}
			if v.Elem().Type().Implements(reflect.TypeOf((*client.Backend)(nil)).Elem()) {
				return ""
			}
			return walk(v.Elem(), path)
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				if p := walk(v.Field(i), path+"."+v.Type().Field(i).Name); p != "" {
					return p
				}
			}
		case reflect.Slice, reflect.Array:
			if v.Type().Elem().Kind() == reflect.Uint8 {
				b := make([]byte, v.Len())
				for i := range b {
					b[i] = byte(v.Index(i).Uint())
				}
				if strings.Contains(string(b), secret) {
					return path
				}
				return ""
			}
			if v.Type().Elem().Kind() == reflect.Int32 { // runes, as in a textinput's value
				r := make([]rune, v.Len())
				for i := range r {
					r[i] = rune(v.Index(i).Int())
				}
				if strings.Contains(string(r), secret) {
					return path
				}
				return ""
			}
			for i := 0; i < v.Len(); i++ {
				if p := walk(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); p != "" {
					return p
				}
			}
		case reflect.Map:
			it := v.MapRange()
			for it.Next() {
				if p := walk(it.Value(), fmt.Sprintf("%s[%v]", path, it.Key())); p != "" {
					return p
				}
			}
		}
		return ""
	}
	return walk(reflect.ValueOf(root), "App")
}

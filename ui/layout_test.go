package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/pindesk/pindesk/internal/uitest"
	"github.com/pindesk/pindesk/model"
)

// Tests of the wording and the layout of screens (issue 9: every screen readable at 80×24 and
// complete at 60×20).

func TestCountsAndNamesReadAsEnglish(t *testing.T) {
	t.Parallel()
	t.Run("a reset of one PIN and one holder says PIN and holder", func(t *testing.T) {
		h := newHarness(t, uitest.Scenarios(t, supervisor), Options{})
		h.openAccount("ACC-1004") // Tom Quill: one master PIN, locked
		h.keys("X", "type:malicious caller", "enter", "y")
		h.mustSee("Account reset: 1 PIN revoked, 1 holder unlocked.")
	})
	t.Run("an audit trail of one event says event", func(t *testing.T) {
		h := newHarness(t, uitest.Scenarios(t, supervisor), Options{})
		h.openAccount("ACC-1001")
		h.keys("enter", "type:111111", "enter", "esc", "a")
		h.mustSee("Newest first · 1 event shown")
	})
	t.Run("a PIN generated for the account-wide holder is the account-wide PIN", func(t *testing.T) {
		h := newHarness(t, uitest.NewDemo(uitest.Scenarios(t, trainer), uitest.Seed), Options{Demo: true})
		h.openAccount("ACC-1009") // the account-wide PIN is the first row
		h.keys("ctrl+t", "m")
		h.mustSee("New account-wide master PIN: ", "New account-wide master PIN generated.")
		h.mustNotSee("of Account-wide PIN", "for Account-wide PIN")
	})
}

// resized is a harness at w×h.
func resized(t *testing.T, h *harness, w, hh int) *harness {
	t.Helper()
	h.send(tea.WindowSizeMsg{Width: w, Height: hh})
	return h
}

// fitsIn fails unless the screen is exactly h lines of at most w cells.
func fitsIn(t *testing.T, h *harness, w, hh int) {
	t.Helper()
	lines := strings.Split(h.screen(), "\n")
	if len(lines) != hh {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), hh, h.screen())
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			t.Fatalf("line %d is %d cells wide, more than %d: %q", i, ansi.StringWidth(l), w, l)
		}
	}
}

func TestSentencesWrapInsteadOfBeingCut(t *testing.T) {
	t.Parallel()
	t.Run("a status sentence longer than the line is whole at 80 columns", func(t *testing.T) {
		h := newHarness(t, uitest.Scenarios(t, supervisor), Options{})
		h.openAccount("ACC-1004")
		h.keys("X", "type:malicious caller", "enter", "y")
		h.mustSee("✓ Account reset: 1 PIN revoked, 1 holder unlocked. The customer must create new PINs.")
		fitsIn(t, h, 80, 24)
	})
	t.Run("a lock time is whole on the account screen at 60 columns", func(t *testing.T) {
		h := resized(t, newHarness(t, uitest.Scenarios(t, supervisor), Options{}), 60, 20)
		h.openAccount("ACC-1004")
		h.mustSee("since 2026-05-04 12:00 (2h ago)")
		h.mustNotSee("…")
		fitsIn(t, h, 60, 20)
	})
	t.Run("the idle warning is whole at 60 columns", func(t *testing.T) {
		h := resized(t, newHarness(t, uitest.Scenarios(t, agent), Options{IdleTimeout: 2 * time.Minute}), 60, 20)
		now := uitest.Epoch
		h.app.clock = func() time.Time { return now }
		h.openAccount("ACC-1001")
		now = now.Add(2*time.Minute - 15*time.Second)
		h.send(idleMsg{})
		h.mustSee("! No key pressed: this call is cleared in 15 s. Press any key to keep it.")
		fitsIn(t, h, 60, 20)
	})
	t.Run("the key help keeps every key of the account screen at 80 columns", func(t *testing.T) {
		h := newHarness(t, uitest.Scenarios(t, supervisor), Options{})
		h.openAccount("ACC-1004")
		h.mustSee("enter pick caller", "u unlock", "a audit", "esc back", "ctrl+e end call", "? keys", "q quit")
		h.mustNotSee("…")
	})
}

func TestTheResultPanelKeepsItsBorderAndNextStepAt60x20(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		op   model.Operator
		next string
	}{
		{"locked, for a supervisor", supervisor, "Supervisor: confirm the caller's identity another way, then unlock (u)."},
		{"locked, for an agent", agent, "Transfer the call to a supervisor, who can unlock the PIN."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// The DEMO banner takes a line more.
			f := uitest.Scenarios(t, tt.op)
			h := resized(t, newHarness(t, uitest.NewDemo(f, uitest.Seed), Options{Demo: true}), 60, 20)
			h.openAccount("ACC-1004")
			h.keys("enter", "type:"+uitest.LockedPIN, "enter")
			h.mustSee("╭", "╰", tt.next, "Locked since 2026-05-04 12:00 (2h ago).")
			fitsIn(t, h, 60, 20)
		})
	}
}

func TestAuditColumnsGiveWayByPriorityAt60Columns(t *testing.T) {
	t.Parallel()
	h := resized(t, newHarness(t, uitest.Scenarios(t, supervisor), Options{}), 60, 20)
	h.openAccount("ACC-1004")
	h.keys("enter", "type:"+uitest.LockedPIN, "enter", "u", "type:identity confirmed by call-back to the number on file", "enter", "y",
		"enter", "type:"+uitest.LockedPIN, "enter", "esc", "a")
	fitsIn(t, h, 60, 20)
	// Every event keeps its time, action and outcome whole.
	for _, want := range []string{"2026-05-04 14:00  verify   ✓ VERIFIED", "2026-05-04 14:00  unlock   ok", "2026-05-04 14:00  verify   ⊘ LOCKED"} {
		h.mustSee(want)
	}
	// The selected event is shown whole: the operator, and (on the unlock) the whole reason.
	h.mustSee("sue (supervisor)")
	h.keys("down")
	h.mustSee("› 2026-05-04 14:00  unlock", "reason: identity confirmed by call-back to the number on file")
	fitsIn(t, h, 60, 20)
}

func TestAScreenTooShortScrollsAndSaysSo(t *testing.T) {
	t.Parallel()
	h := resized(t, newHarness(t, uitest.Scenarios(t, supervisor), Options{}), 60, 12)
	h.openAccount("ACC-1004")
	h.keys("enter", "type:"+uitest.LockedPIN, "enter")
	fitsIn(t, h, 60, 12)
	h.mustSee("↓ more · pgdn")
	h.mustNotSee("╰")
	h.keys("pgdown")
	h.mustSee("╰", "↑ more above · pgup")
	h.mustNotSee("↓ more")
	h.keys("pgup")
	h.mustSee("╭", "↓ more · pgdn")
}

func TestNothingStretchesOnAWideTerminal(t *testing.T) {
	t.Parallel()
	h := resized(t, newHarness(t, uitest.Scenarios(t, supervisor), Options{}), 200, 50)
	h.openAccount("ACC-1004")
	h.keys("enter", "type:"+uitest.LockedPIN, "enter")
	for i, l := range strings.Split(h.screen(), "\n") {
		if w := ansi.StringWidth(strings.TrimRight(l, " ")); w > maxFrame {
			t.Fatalf("line %d is %d cells wide on a 200-column terminal: %q", i, w, l)
		}
	}
	if top := strings.Split(h.screen(), "\n")[1]; ansi.StringWidth(top) > maxPanel {
		t.Fatalf("the result panel is %d cells wide: %q", ansi.StringWidth(top), top)
	}
}

package ui

import (
	"testing"

	"github.com/pindesk/pindesk/internal/uitest"
)

// Tests of the wording and the layout of screens (issue 9: every screen readable at 80×24 and
// complete at 60×20).

func TestCountsAndNamesReadAsEnglish(t *testing.T) {
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

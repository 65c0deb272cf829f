package ui

import (
	"testing"

	"github.com/pindesk/pindesk/internal/uitest"
)

// An answer that lists the accounts already on screen is not drawn again (searchScreen.answered:
// drawing is most of what an answer costs the app); what the agent sees must be what drawing it
// again would show, selection included.
func TestTypingOnIntoTheSameResultsKeepsTheTableAndTheSelection(t *testing.T) {
	t.Parallel()
	h := newHarness(t, uitest.Scenarios(t, agent), Options{})
	h.keys("type:acc-1")
	s := h.app.search
	if len(s.results) < 3 {
		t.Fatalf("acc-1 found %d accounts, want the nine scenarios", len(s.results))
	}
	h.keys("down", "down")
	selected := s.selectedNumber()
	if selected == s.results[0].Number {
		t.Fatalf("down, down left the first account selected")
	}
	before := s.results
	h.keys("type:00")
	if len(s.results) != len(before) || s.results[0] != before[0] {
		t.Fatalf("acc-100 found %v, want the same accounts as acc-1: %v", s.results, before)
	}
	if got := s.selectedNumber(); got != selected {
		t.Errorf("selection moved from %s to %s while the results stayed the same", selected, got)
	}
	shown := s.table.View()
	s.render(s.table.Cursor())
	if again := s.table.View(); shown != again {
		t.Errorf("the table shown differs from the table drawn again:\n%s\nwant\n%s", shown, again)
	}
}

package ui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/pindesk/pindesk/internal/uitest"
)

// The DISPUTED banner and the clear-dispute dialog fit the terminal as every screen does: the
// banner takes the place of a blank line, and is clipped to the width.
func TestTheDisputedAccountAndItsDialogFitTheTerminal(t *testing.T) {
	t.Parallel()
	for _, size := range [][2]int{{80, 24}, {60, 20}} {
		for _, sc := range []struct {
			name string
			keys []string
			see  string
		}{
			{"account", []string{"type:ACC-1001", "enter"}, "⚠ DISPUTED"},
			{"dialog", []string{"type:ACC-1001", "enter", "D"}, "CLEAR DISPUTE"},
		} {
			t.Run(fmt.Sprintf("%s at %dx%d", sc.name, size[0], size[1]), func(t *testing.T) {
				b := uitest.Scenarios(t, supervisor)
				b.Dispute("a1", "maria")
				h := newHarness(t, b, Options{})
				h.keys(sc.keys...)
				h.send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
				h.mustSee(sc.see, "Maria Lopez")
				lines := strings.Split(h.screen(), "\n")
				if len(lines) != size[1] {
					t.Errorf("%d lines, want %d:\n%s", len(lines), size[1], h.screen())
				}
				for i, l := range lines {
					if w := lipglossWidth(l); w > size[0] {
						t.Errorf("line %d is %d wide: %q", i, w, l)
					}
				}
			})
		}
	}
}

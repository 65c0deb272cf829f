package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/pindesk/pindesk/internal/uitest"
	"github.com/pindesk/pindesk/model"
)

// Golden screens: the scenarios' fixed clock, times in UTC, styles stripped, at each of
// goldenSizes. Regenerate with `go test ./ui -run TestGolden -update` and review the diff like code.

// goldenSizes are the sizes every golden screen is drawn at: 80×24, the size the app is designed
// for (its files keep the plain name), and 60×20, the smallest at which every screen must still be
// complete.
var goldenSizes = []struct {
	suffix string
	w, h   int
}{{"", 80, 24}, {"_60x20", 60, 20}}

// atEachSize runs fn in a subtest per golden size, named name plus the size's suffix, on a
// harness resized to it.
func atEachSize(t *testing.T, name string, newH func(t *testing.T) *harness, fn func(t *testing.T, h *harness)) {
	for _, size := range goldenSizes {
		t.Run(name+size.suffix, func(t *testing.T) {
			h := newH(t)
			h.send(tea.WindowSizeMsg{Width: size.w, Height: size.h})
			fn(t, h)
		})
	}
}

func TestGoldenResultPanels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		op      model.Operator
		account string
		pick    []string
		pin     string
	}{
		{"verified", agent, "ACC-1002", nil, uitest.ExpiringPIN},
		{"wrong_pin", agent, "ACC-1001", nil, "111111"},
		{"wrong_pin_now_locked", agent, "ACC-1005", nil, "111111"},
		{"locked_agent", agent, "ACC-1004", nil, uitest.LockedPIN},
		{"locked_supervisor", supervisor, "ACC-1004", nil, uitest.LockedPIN},
		{"not_used_for_this_product", agent, "ACC-1008", nil, ""},
		{"account_wide_verified", agent, "ACC-1009", []string{"down", "down", "down"}, uitest.AccountWidePIN},
	}
	for _, tt := range tests {
		atEachSize(t, tt.name, func(t *testing.T) *harness {
			return newHarness(t, uitest.Scenarios(t, tt.op), Options{})
		}, func(t *testing.T, h *harness) {
			h.openAccount(tt.account)
			h.keys(tt.pick...)
			h.keys("enter")
			if tt.pin != "" {
				h.keys("type:"+tt.pin, "enter")
			}
			golden.RequireEqual(t, h.screen())
		})
	}
}

func TestGoldenScreens(t *testing.T) {
	t.Parallel()
	// The audit trail of ACC-1004: the locked PIN tried, an unlock with a reason, a verify.
	trail := []string{"type:ACC-1004", "enter", "enter", "type:" + uitest.LockedPIN, "enter", "u",
		"type:identity confirmed by call-back to the number on file", "enter", "y", "enter", "type:" + uitest.LockedPIN, "enter", "esc", "a"}
	// Leo hard-locked and Mia locked, beside the account-wide PIN and Ana.
	locks := func(f *uitest.Backend) {
		f.PutPIN("a9", "leo", model.KindMaster, "739104", uitest.Epoch.Add(-24*time.Hour))
		f.HardLock("a9", "leo", uitest.Epoch.Add(-30*time.Minute))
		f.PutPIN("a9", "mia", model.KindTemporary, "620418", uitest.Epoch.Add(-time.Hour))
		f.Lock("a9", "mia", uitest.Epoch.Add(-3*time.Hour))
	}
	tests := []struct {
		name  string
		op    model.Operator
		demo  bool
		keys  []string
		setup func(*uitest.Backend)
		idle  time.Duration // the idle timeout, and the screen is drawn as its warning shows
	}{
		{name: "search_empty", op: agent},
		{name: "search_no_match", op: agent, keys: []string{"type:nobody by that name"}},
		{name: "search_results", op: agent, keys: []string{"type:acc-10"}},
		{name: "account_locked_and_hard_locked_supervisor", op: supervisor, keys: []string{"type:ACC-1009", "enter"}, setup: locks},
		{name: "account_locked_and_hard_locked_agent", op: agent, keys: []string{"type:ACC-1009", "enter", "down", "down"}, setup: locks},
		{name: "pin_entry_hard_locked", op: supervisor, keys: []string{"type:ACC-1009", "enter", "down", "down", "enter"}, setup: locks},
		{name: "reset_reason", op: supervisor, keys: []string{"type:ACC-1009", "enter", "X", "type:malicious caller"}},
		{name: "reset_confirm", op: supervisor, keys: []string{"type:ACC-1009", "enter", "X", "type:malicious caller", "enter"}},
		{name: "audit", op: supervisor, keys: trail},
		{name: "audit_reason_selected", op: supervisor, keys: append(append([]string{}, trail...), "down")},
		{name: "audit_supervisor", op: supervisor, keys: []string{"type:ACC-1004", "enter", "a"}},
		{name: "idle_warning", op: agent, keys: []string{"type:ACC-1001", "enter", "enter", "type:48"}, idle: 2 * time.Minute},
		{name: "status_wrapped", op: supervisor, keys: []string{"type:ACC-1004", "enter", "X", "type:malicious caller", "enter", "y"}},
		{name: "account_locked_holder_supervisor", op: supervisor, keys: []string{"type:ACC-1004", "enter"}},
		{name: "account_last_try_agent", op: agent, keys: []string{"type:ACC-1005", "enter"}},
		{name: "account_account_wide", op: agent, keys: []string{"type:vega", "enter"}},
		{name: "account_account_wide_enter_points_to_callers", op: agent, keys: []string{"type:vega", "enter", "enter"}},
		{name: "account_no_pin_for_caller", op: agent, keys: []string{"type:ACC-1007", "enter"}},
		{name: "account_no_pins_product", op: agent, keys: []string{"type:ACC-1008", "enter"}},
		{name: "pin_entry_half_typed", op: agent, keys: []string{"type:ACC-1005", "enter", "enter", "type:264"}},
		{name: "unlock_reason", op: supervisor, keys: []string{"type:ACC-1004", "enter", "u", "type:called back on file number"}},
		{name: "unlock_confirm", op: supervisor, keys: []string{"type:ACC-1004", "enter", "u", "type:called back on file number", "enter"}},
		{name: "help_agent", op: agent, keys: []string{"?"}},
		{name: "help_supervisor", op: supervisor, keys: []string{"?"}},
		{name: "trainer_panel", op: trainer, demo: true, keys: []string{"type:ACC-1002", "enter", "ctrl+t"}},
		{name: "trainer_panel_scenario", op: trainer, demo: true, keys: []string{"ctrl+t", "down"}},
		{name: "trainer_panel_new_pin", op: trainer, demo: true, keys: []string{"type:ACC-1009", "enter", "ctrl+t", "m"}},
	}
	for _, tt := range tests {
		atEachSize(t, tt.name, func(t *testing.T) *harness {
			f := uitest.Scenarios(t, tt.op)
			if tt.setup != nil {
				tt.setup(f)
			}
			opts := Options{IdleTimeout: tt.idle}
			if !tt.demo {
				return newHarness(t, f, opts)
			}
			opts.Demo = true
			opts.Scenarios = []Scenario{
				{Title: "Healthy master PIN", AccountNumber: "ACC-1001", Caller: "Maria Lopez", PIN: uitest.HealthyPIN,
					Note: "The everyday call: the caller reads her PIN and is verified."},
				{Title: "Locked after too many wrong PINs", AccountNumber: "ACC-1004", Caller: "Tom Quill", PIN: uitest.LockedPIN,
					Note: "Even the right PIN answers locked; nothing is compared. A supervisor unlocks with a reason (see the audit trail for the six tries)."},
			}
			return newHarness(t, uitest.NewDemo(f, uitest.Seed), opts)
		}, func(t *testing.T, h *harness) {
			if tt.idle > 0 {
				now := uitest.Epoch
				h.app.clock = func() time.Time { return now }
				h.keys(tt.keys...)
				now = now.Add(tt.idle - 15*time.Second)
				h.send(idleMsg{})
			} else {
				h.keys(tt.keys...)
			}
			screen := h.screen()
			if g := h.app.trainer.gen; g != nil {
				// A generated PIN is random: the golden has a stand-in.
				screen = strings.ReplaceAll(screen, strings.Join(strings.Split(g.pin.PIN, ""), " "), "# # # # # #")
			}
			screen = maskSessionIDs(screen) // auditplus_test.go
			golden.RequireEqual(t, screen)
		})
	}
}

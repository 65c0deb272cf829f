package ui

import (
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/pindesk/pindesk/internal/uitest"
	"github.com/pindesk/pindesk/model"
)

// Golden screens: 80×24, the scenarios' fixed clock, times in UTC, styles stripped. Regenerate
// with `go test ./ui -run TestGolden -update` and review the diff like code.

func TestGoldenResultPanels(t *testing.T) {
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
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, uitest.Scenarios(t, tt.op), Options{})
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
	tests := []struct {
		name string
		op   model.Operator
		demo bool
		keys []string
	}{
		{"search_results", agent, false, []string{"type:acc-10"}},
		{"account_locked_holder_supervisor", supervisor, false, []string{"type:ACC-1004", "enter"}},
		{"account_last_try_agent", agent, false, []string{"type:ACC-1005", "enter"}},
		{"account_account_wide", agent, false, []string{"type:vega", "enter"}},
		{"account_account_wide_enter_points_to_callers", agent, false, []string{"type:vega", "enter", "enter"}},
		{"account_no_pin_for_caller", agent, false, []string{"type:ACC-1007", "enter", "enter"}},
		{"account_no_pins_product", agent, false, []string{"type:ACC-1008", "enter"}},
		{"pin_entry_half_typed", agent, false, []string{"type:ACC-1005", "enter", "enter", "type:264"}},
		{"unlock_reason", supervisor, false, []string{"type:ACC-1004", "enter", "u", "type:called back on file number"}},
		{"unlock_confirm", supervisor, false, []string{"type:ACC-1004", "enter", "u", "type:called back on file number", "enter"}},
		{"help_agent", agent, false, []string{"?"}},
		{"help_supervisor", supervisor, false, []string{"?"}},
		{"trainer_panel", trainer, true, []string{"type:ACC-1002", "enter", "ctrl+t"}},
		{"trainer_panel_scenario", trainer, true, []string{"ctrl+t", "down"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := uitest.Scenarios(t, tt.op)
			var h *harness
			if tt.demo {
				h = newHarness(t, uitest.NewDemo(f, uitest.Seed), Options{Demo: true, Scenarios: []Scenario{
					{Title: "Healthy master PIN", AccountNumber: "ACC-1001", Caller: "Maria Lopez", PIN: uitest.HealthyPIN,
						Note: "The everyday call: the caller reads her PIN and is verified."},
					{Title: "Locked after too many wrong PINs", AccountNumber: "ACC-1004", Caller: "Tom Quill", PIN: uitest.LockedPIN,
						Note: "Even the right PIN answers locked; nothing is compared. A supervisor unlocks with a reason (see the audit trail for the six tries)."},
				}})
			} else {
				h = newHarness(t, f, Options{})
			}
			h.keys(tt.keys...)
			golden.RequireEqual(t, h.screen())
		})
	}
}

package ui

import (
	"context"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/ui/uitest"
)

// searchFor types q into a fresh search screen and returns the search command of the last key,
// without running it.
func typeSearch(t *testing.T, s *searchScreen, q string) []tea.Cmd {
	t.Helper()
	var cmds []tea.Cmd
	for _, r := range q {
		cmds = append(cmds, s.update(tea.KeyPressMsg{Code: r, Text: string(r)}))
	}
	return cmds
}

func newSearchForTest(t *testing.T) (*searchScreen, *uitest.Fake) {
	f := uitest.Scenarios(agent)
	h := newHarness(t, f, Options{})
	return h.app.search, f
}

func TestSearchResultsFollowTheQuery(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{"an account number", "ACC-1004", []string{"ACC-1004"}},
		{"a company name, case-insensitively", "nord", []string{"ACC-1002"}},
		{"a contact's name", "mia", []string{"ACC-1009"}},
		{"an email", "priya@", []string{"ACC-1003"}},
		{"a phone number by its digits", "+1 212", []string{"ACC-1004"}},
		{"a prefix common to several accounts", "ACC-100", []string{"ACC-1001", "ACC-1002", "ACC-1003", "ACC-1004", "ACC-1005", "ACC-1006", "ACC-1007", "ACC-1008", "ACC-1009"}},
		{"nothing that matches", "zzz", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, uitest.Scenarios(agent), Options{})
			h.keys("type:" + tt.query)
			var got []string
			for _, r := range h.app.search.results {
				got = append(got, r.Number)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("results %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("results %v, want %v", got, tt.want)
				}
			}
			for _, n := range tt.want {
				h.mustSee(n)
			}
			if len(tt.want) == 0 {
				h.mustSee("No account matches")
			}
		})
	}
}

func TestASlowOldSearchNeverOverwritesANewerOne(t *testing.T) {
	s, _ := newSearchForTest(t)
	cmds := typeSearch(t, s, "ACC-100")
	older := cmds[len(cmds)-1] // "ACC-100": nine accounts
	newer := typeSearch(t, s, "4")[0]
	// The newer search ("ACC-1004") answers first, then the older one arrives late.
	s.update(newer())
	s.update(older())
	if len(s.results) != 1 || s.results[0].Number != "ACC-1004" {
		t.Fatalf("results after a late older answer: %+v", s.results)
	}
}

func TestAnAnswerForAClearedQueryIsNotShown(t *testing.T) {
	s, _ := newSearchForTest(t)
	cmds := typeSearch(t, s, "nord")
	for range "nord" {
		s.update(keyMsg("backspace"))
	}
	s.update(cmds[len(cmds)-1]())
	if len(s.results) != 0 {
		t.Fatalf("results shown for an emptied search box: %+v", s.results)
	}
}

func TestEnterOpensTheSelectedAccount(t *testing.T) {
	s, _ := newSearchForTest(t)
	for _, c := range typeSearch(t, s, "ACC-100") {
		if c != nil {
			s.update(runIntent(c))
		}
	}
	s.update(keyMsg("down"))
	s.update(keyMsg("down"))
	msg := runIntent(s.update(keyMsg("enter")))
	open, ok := msg.(openAccountMsg)
	if !ok || open.id != "a3" {
		t.Fatalf("enter gave %#v, want to open a3", msg)
	}
}

func TestASearchErrorIsSaidAndTheResultsStay(t *testing.T) {
	f := uitest.Scenarios(agent)
	h := newHarness(t, f, Options{})
	h.keys("type:nord")
	f.Hook = func(_ context.Context, op, _ string) error {
		if op == "search" {
			return model.ErrBusy
		}
		return nil
	}
	h.keys("type:l")
	h.mustSee("The database is busy", "Nordlicht GmbH")
}

// runIntent runs a command and unwraps an intent, for tests of one screen.
func runIntent(c tea.Cmd) tea.Msg {
	if c == nil {
		return nil
	}
	msg := c()
	if b, ok := msg.(tea.BatchMsg); ok {
		for _, c := range b {
			if m := runIntent(c); m != nil {
				return m
			}
		}
		return nil
	}
	if i, ok := msg.(intentMsg); ok {
		return i.msg
	}
	return msg
}

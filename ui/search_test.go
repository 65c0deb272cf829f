package ui

import (
	"context"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/pindesk/pindesk/internal/uitest"
	"github.com/pindesk/pindesk/model"
)

// typeSearch types q into a search screen and returns the commands of each key (its search),
// without running them.
func typeSearch(t *testing.T, s *searchScreen, q string) []tea.Cmd {
	t.Helper()
	var cmds []tea.Cmd
	for _, r := range q {
		cmds = append(cmds, cmdOf(s.update(tea.KeyPressMsg{Code: r, Text: string(r)})))
	}
	return cmds
}

// cmdOf is the commands an action leaves for Bubble Tea to run, batched.
func cmdOf(a action) tea.Cmd {
	switch a := a.(type) {
	case command:
		return a.cmd
	case actions:
		var cmds []tea.Cmd
		for _, x := range a {
			cmds = append(cmds, cmdOf(x))
		}
		return tea.Batch(cmds...)
	}
	return nil
}

func newSearchForTest(t *testing.T) (*searchScreen, *uitest.Backend) {
	f := uitest.Scenarios(t, agent)
	h := newHarness(t, f, Options{})
	return h.app.search, f
}

func TestSearchResultsFollowTheQuery(t *testing.T) {
	t.Parallel()
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
			h := newHarness(t, uitest.Scenarios(t, agent), Options{})
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
	s, _ := newSearchForTest(t)
	for _, c := range typeSearch(t, s, "ACC-100") {
		s.update(runAll(c))
	}
	s.update(keyMsg("down"))
	s.update(keyMsg("down"))
	if got := s.update(keyMsg("enter")); got != (openAccount{id: "a3"}) {
		t.Fatalf("enter gave %#v, want to open a3", got)
	}
}

// An agent who types a full account number and presses enter before its search has answered
// gets that account, not the top row of the results for what was typed before.
func TestEnterTypedAheadOpensTheAnswerToTheLastQuery(t *testing.T) {
	t.Parallel()
	s, _ := newSearchForTest(t)
	cmds := typeSearch(t, s, "ACC-1004")
	for _, c := range cmds[:len(cmds)-1] {
		s.update(runAll(c)) // results for "ACC-100": ACC-1001 on top
	}
	if got := s.update(keyMsg("enter")); got != nil { // "ACC-1004" has not answered yet
		t.Fatalf("enter gave %#v from an older query's results", got)
	}
	if got := s.update(runAll(cmds[len(cmds)-1])); got != (openAccount{id: "a4"}) {
		t.Fatalf("when the answer came, the screen asked for %#v, want to open a4", got)
	}
}

func TestASearchErrorIsSaidAndTheResultsStay(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, agent)
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

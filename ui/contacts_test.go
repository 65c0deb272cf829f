package ui

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/pindesk/pindesk/internal/uitest"
	"github.com/pindesk/pindesk/model"
)

// addLongAccount adds ACC-3000, a company with 300 contacts: "Contact 000"… "Contact 299", but
// contact 150 is José Álvarez. Every tenth contact has a PIN; the others show the no-PIN warning
// under the list when selected, and at 60 columns every name wraps over two lines.
func addLongAccount(f *uitest.Backend) {
	contacts := make([]model.Contact, 300)
	for i := range contacts {
		contacts[i] = model.Contact{ID: fmt.Sprintf("c%03d", i), Name: fmt.Sprintf("Contact %03d", i), Role: model.RoleSubContact,
			Phone: fmt.Sprintf("+44 20 7946 %04d", i)}
	}
	contacts[150].Name = "José Álvarez"
	f.AddAccount(model.Account{ID: "long", Number: "ACC-3000", Name: "Longlist Logistics", Product: "Business Broadband", UsesPINs: true, Contacts: contacts})
	for i := 0; i < 300; i += 10 {
		f.PutPIN("long", contacts[i].ID, model.KindMaster, fmt.Sprintf("%06d", 100000+i), uitest.Epoch.AddDate(0, -1, 0))
	}
}

func newLongHarness(t *testing.T) *harness {
	f := uitest.Scenarios(t, agent)
	addLongAccount(f)
	return newHarness(t, f, Options{})
}

var (
	rangeLabel = regexp.MustCompile(`\((\d+)–(\d+) of (\d+)`)
	listedRow  = regexp.MustCompile(`(?m)^[› ] (?:Contact (\d{3})|(José))`)
)

// shownRange checks the screen against its range label: the label's rows, and only they, are on
// screen, none cut off below, and the selected one among them. It returns the label's numbers.
func shownRange(t *testing.T, h *harness) (from, to, of int) {
	t.Helper()
	s := h.screen()
	m := rangeLabel.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no range label:\n%s", s)
	}
	from, _ = strconv.Atoi(m[1])
	to, _ = strconv.Atoi(m[2])
	of, _ = strconv.Atoi(m[3])
	var rows []int
	for _, r := range listedRow.FindAllStringSubmatch(s, -1) {
		n := 150
		if r[1] != "" {
			n, _ = strconv.Atoi(r[1])
		}
		rows = append(rows, n+1)
	}
	if len(rows) == 0 || rows[0] != from || rows[len(rows)-1] != to || len(rows) != to-from+1 {
		t.Fatalf("label says %d–%d, screen lists rows %v:\n%s", from, to, rows, s)
	}
	if strings.Contains(s, "more · pgdn") || strings.Contains(s, "more above") {
		t.Fatalf("the account screen overflows the terminal:\n%s", s)
	}
	if cur := h.app.account.cursor; cur+1 < from || cur+1 > to {
		t.Fatalf("the selected row %d is not among %d–%d:\n%s", cur+1, from, to, s)
	}
	return from, to, of
}

func TestALongContactListPagesAndItsRangeLabelCountsTheRowsShown(t *testing.T) {
	t.Parallel()
	atEachSize(t, "paging", newLongHarness, func(t *testing.T, h *harness) {
		h.openAccount("ACC-3000")
		from, to, of := shownRange(t, h)
		if from != 1 || of != 300 {
			t.Fatalf("opened on %d–%d of %d, want 1–… of 300", from, to, of)
		}
		// A page is as many rows as are shown (fewer when the selected caller's warning line
		// takes one).
		for _, k := range []string{"pgdown", "pgdown", "pgdown", "pgup"} {
			before := h.app.account.cursor
			from, to, _ := shownRange(t, h)
			want := before + (to - from + 1)
			if k == "pgup" {
				want = before - (to - from + 1)
			}
			h.keys(k)
			if h.app.account.cursor != want {
				t.Fatalf("%s moved the cursor from %d to %d, want %d (a page of %d rows)", k, before, h.app.account.cursor, want, to-from+1)
			}
			shownRange(t, h)
		}
		h.keys("end")
		h.mustSee("› Contact 299")
		if _, to, _ := shownRange(t, h); to != 300 {
			t.Fatalf("end shows up to row %d, want 300", to)
		}
		h.keys("pgdown") // at the end: stays
		h.mustSee("› Contact 299")
		h.keys("home")
		h.mustSee("› Contact 000")
		if from, _, _ := shownRange(t, h); from != 1 {
			t.Fatalf("home shows from row %d, want 1", from)
		}
		h.keys("pgup") // at the top: stays
		h.mustSee("› Contact 000")
		// Every page on the way down is whole and labelled right.
		for range 300 / (to - from + 1) {
			h.keys("pgdown")
			shownRange(t, h)
		}
	})
}

func TestALongContactListFiltersByNameAsTyped(t *testing.T) {
	t.Parallel()
	h := newLongHarness(t)
	h.openAccount("ACC-3000")
	// Letters that are the screen's commands (u unlock, a audit, r reload, q quit) are letters of
	// the name once "/" has opened the filter.
	h.keys("/", "type:jose alvarez")
	if h.app.cur != scrAccount || h.app.confirmQuit {
		t.Fatalf("typing a name left the account screen:\n%s", h.screen())
	}
	h.mustSee("› José Álvarez", "1 of 300")
	h.mustNotSee("Contact 000", "Contact 151")
	h.keys("esc")
	h.mustSee("› Contact 000", "(1–")
	if h.app.cur != scrAccount || h.app.account.filter.Value() != "" {
		t.Fatalf("esc did not just clear the filter:\n%s", h.screen())
	}
	// Filtering on digits of a number finds it; enter picks the highlighted caller.
	h.keys("/", "type:Contact 24", "down")
	h.mustSee("› Contact 241", "10 of 300")
	h.keys("up", "enter")
	if h.app.cur != scrEntry || h.app.c.call.caller != "c240" {
		t.Fatalf("enter did not pick Contact 240 (caller %q):\n%s", h.app.c.call.caller, h.screen())
	}
	h.keys("esc") // back on the account: the filter is still there; esc clears it, then goes back
	h.mustSee("› Contact 240", "10 of 300")
	h.keys("esc")
	h.mustSee("(1–")
	h.keys("esc")
	if h.app.cur != scrSearch {
		t.Fatalf("a second esc did not go back to the search")
	}
	h.keys("enter", "/", "type:nobody") // the search still lists ACC-3000
	h.mustSee("No contact matches")
}

func TestSelectContactPutsTheCursorOnTheirRow(t *testing.T) {
	t.Parallel()
	h := newLongHarness(t)
	h.openAccount("ACC-3000")
	h.keys("/", "type:0") // a filter that hides José
	if !h.app.account.selectContact("c150") {
		t.Fatalf("José is not listed")
	}
	h.mustSee("› José Álvarez")
	shownRange(t, h)
	if h.app.account.selectContact("nobody") {
		t.Fatalf("an unknown contact was selected")
	}
}

func TestGoldenLongContactList(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		keys []string
	}{
		{"account_long_list_page", []string{"pgdown", "pgdown"}},
		{"account_long_list_end", []string{"end"}},
		{"account_long_list_filtered", []string{"/", "type:contact 12"}},
	} {
		atEachSize(t, tt.name, newLongHarness, func(t *testing.T, h *harness) {
			h.openAccount("ACC-3000")
			h.keys(tt.keys...)
			golden.RequireEqual(t, h.screen())
		})
	}
}

// The label names the rows on screen wherever the cursor is: on a caller with a PIN or on one
// whose no-PIN warning takes a line under the list.
func TestTheRangeLabelNamesTheRowsOnScreen(t *testing.T) {
	t.Parallel()
	atEachSize(t, "label", newLongHarness, func(t *testing.T, h *harness) {
		h.openAccount("ACC-3000")
		for range 40 {
			shownRange(t, h)
			h.keys("down")
		}
	})
}

package ui

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/pindesk/pindesk/internal/uitest"
	"github.com/pindesk/pindesk/model"
)

// boardFloor is the scenarios with Maria Lopez (ACC-1001) locked just now by desk-7's six wrong
// PINs, beside Tom Quill (ACC-1004, locked 2 h ago) and Rosa Diaz (ACC-1005, 5 failures).
func boardFloor(t *testing.T, op model.Operator) *uitest.Backend {
	f := uitest.Scenarios(t, op)
	f.LockElsewhere("desk-7", "a1", "maria", 6)
	return f
}

// countBoard counts the backend's board reads.
func countBoard(f *uitest.Backend) *atomic.Int32 {
	var n atomic.Int32
	f.Hook = func(_ context.Context, op, _ string) error {
		if op == "board" {
			n.Add(1)
		}
		return nil
	}
	return &n
}

// pendingBoardPolls is the board timers the harness holds, and forgets them.
func (h *harness) pendingBoardPolls() []boardPollMsg {
	var out []boardPollMsg
	rest := h.timers[:0]
	for _, m := range h.timers {
		if p, ok := m.(boardPollMsg); ok {
			out = append(out, p)
			continue
		}
		rest = append(rest, m)
	}
	h.timers = rest
	return out
}

func TestGoldenBoard(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		keys []string
	}{
		{"board", []string{"ctrl+o"}},
		{"board_second_selected", []string{"ctrl+o", "down"}},
		{"board_filtered", []string{"ctrl+o", "type:redwood"}},
		{"board_unlock_confirm", []string{"ctrl+o", "enter", "type:called back on file number", "enter"}},
	}
	for _, tt := range tests {
		atEachSize(t, tt.name, func(t *testing.T) *harness {
			return newHarness(t, boardFloor(t, supervisor), Options{})
		}, func(t *testing.T, h *harness) {
			h.keys(tt.keys...)
			golden.RequireEqual(t, h.screen())
		})
	}
}

func TestBoardListsLocksNewestFirstThenFailing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, boardFloor(t, supervisor), Options{})
	h.keys("ctrl+o")
	if h.app.cur != scrBoard {
		t.Fatalf("ctrl+o shows screen %v, want the board", h.app.cur)
	}
	s := h.screen()
	maria, tom, rosa := strings.Index(s, "Harbor Bakery · Maria Lopez"), strings.Index(s, "Quill Legal · Tom Quill"), strings.Index(s, "Redwood Dental · Rosa Diaz")
	if maria < 0 || tom < maria || rosa < tom || !strings.Contains(s, "FAILING, NOT LOCKED (1)") {
		t.Fatalf("want Maria's lock, then Tom's, then Rosa failing:\n%s", s)
	}
	// The selected row (the newest lock) shows the attempts behind it: time, desk, channel.
	h.mustSee("▸ ⊘ LOCKED", "6 wrong PINs 14:00:00  by desk-7  on phone")
}

func TestBoardFiltersAsYouType(t *testing.T) {
	t.Parallel()
	h := newHarness(t, boardFloor(t, supervisor), Options{})
	h.keys("ctrl+o", "type:desk-7")
	h.mustSee("Maria Lopez", "Nothing here matches the filter.")
	h.mustNotSee("Tom Quill", "Rosa Diaz")
	h.keys("esc") // clears the filter first
	h.mustSee("Maria Lopez", "Tom Quill", "Rosa Diaz")
	if h.app.cur != scrBoard {
		t.Fatal("the first esc left the board")
	}
	h.keys("type:quill legal")
	h.mustSee("Tom Quill")
	h.mustNotSee("Maria Lopez", "Rosa Diaz")
	h.keys("esc", "esc")
	if h.app.cur != scrSearch {
		t.Fatalf("esc on an unfiltered board shows %v, want the search it was opened from", h.app.cur)
	}
}

func TestBoardUnlocksWithTheReasonDialogAndReturns(t *testing.T) {
	t.Parallel()
	f := boardFloor(t, supervisor)
	h := newHarness(t, f, Options{})
	h.keys("ctrl+o", "type:harbor", "enter")
	if h.app.cur != scrDialog {
		t.Fatalf("enter on Maria's row shows %v, want the unlock dialog", h.app.cur)
	}
	h.mustSee("UNLOCK Maria Lopez · ACC-1001 · Harbor Bakery", "Reason:")
	h.keys("enter")
	h.mustSee("A reason is required")
	h.keys("type:called back on the number on file", "enter", "y")
	if h.app.cur != scrBoard {
		t.Fatalf("after the unlock: screen %v, want the board", h.app.cur)
	}
	h.mustSee("Unlocked Maria Lopez", "LOCKED NOW (1)")
	h.mustNotSee("Maria Lopez ·")
	v, err := f.Account(context.Background(), "a1")
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := v.Holder("maria"); st.Locked() || st.Failures != 0 {
		t.Fatalf("Maria after the unlock from the board: %+v", st)
	}
	ev := f.Events()
	last := ev[len(ev)-1]
	if last.Action != model.ActionUnlock || last.Holder != "maria" || last.Operator != supervisor.Name || last.Reason != "called back on the number on file" {
		t.Fatalf("the unlock's audit event %+v", last)
	}
	// Cancelling also returns to the board, having changed nothing.
	h.keys("esc", "enter")
	h.mustSee("UNLOCK Tom Quill")
	h.keys("esc")
	if h.app.cur != scrBoard {
		t.Fatalf("esc in the dialog shows %v, want the board", h.app.cur)
	}
}

func TestBoardRefusesToUnlockAHardLockOnTheSpot(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, supervisor)
	f.HardLock("a9", "leo", uitest.Epoch.Add(-time.Minute))
	h := newHarness(t, f, Options{})
	h.keys("ctrl+o", "type:leo", "enter")
	if h.app.cur != scrBoard {
		t.Fatalf("enter on a hard lock shows %v, want to stay on the board", h.app.cur)
	}
	h.mustSee("HARD-LOCKED", "only the customer (portal) or an admin can lift it")
}

func TestBoardPollsOnlyWhileOpen(t *testing.T) {
	t.Parallel()
	f := boardFloor(t, supervisor)
	reads := countBoard(f)
	h := newHarness(t, f, Options{})
	if len(h.pendingBoardPolls()) != 0 || reads.Load() != 0 {
		t.Fatal("the board is read before it is opened")
	}
	h.keys("ctrl+o")
	if reads.Load() != 1 {
		t.Fatalf("opening the board read it %d times, want once", reads.Load())
	}
	// A lock made at another desk shows at the next read, a second later.
	f.Clock().Advance(time.Minute)
	f.LockElsewhere("desk-9", "a3", "priya", 6)
	polls := h.pendingBoardPolls()
	if len(polls) != 1 {
		t.Fatalf("%d board timers while open, want 1", len(polls))
	}
	h.send(polls[0])
	h.mustSee("Pine & Co · Priya Nair")
	if reads.Load() != 2 {
		t.Fatalf("%d reads after one timer, want 2", reads.Load())
	}
	// Closed, the timer still out reads nothing and sets no other.
	polls = h.pendingBoardPolls()
	h.keys("esc")
	for _, p := range polls {
		h.send(p)
	}
	if reads.Load() != 2 || len(h.pendingBoardPolls()) != 0 {
		t.Fatalf("after closing: %d reads, timers pending %v", reads.Load(), h.timers)
	}
}

func TestBoardIsNotAnAgents(t *testing.T) {
	t.Parallel()
	f := boardFloor(t, agent)
	reads := countBoard(f)
	h := newHarness(t, f, Options{})
	h.keys("ctrl+o")
	if h.app.cur != scrSearch || reads.Load() != 0 {
		t.Fatalf("an agent's ctrl+o: screen %v, %d reads; want nothing", h.app.cur, reads.Load())
	}
	h.keys("?")
	h.mustNotSee("lock board")
}

func TestBoardAnswerForAnEndedCallIsDropped(t *testing.T) {
	t.Parallel()
	h := newHarness(t, boardFloor(t, supervisor), Options{})
	h.keys("ctrl+o")
	old := h.app.c.call.id
	h.keys("ctrl+e", "ctrl+o")
	h.send(boardMsg{tag: tag{old}, board: model.Board{Time: uitest.Epoch, Locked: []model.BoardHolder{{AccountNumber: "ACC-666", AccountName: "Stale"}}}})
	h.mustNotSee("ACC-666")
}

func TestProgramBoardFlow(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, supervisor)
	tm := startProgram(t, f, Options{})
	waitFor(t, tm, "Who is calling? Find their account")
	press(tm, "ctrl+o")
	waitFor(t, tm, "LOCK BOARD", "Quill Legal · Tom Quill", "Redwood Dental · Rosa Diaz")
	// Another desk locks Maria while the board is open: it shows without a key pressed.
	f.LockElsewhere("desk-7", "a1", "maria", 6)
	waitFor(t, tm, "Harbor Bakery · Maria Lopez")
	press(tm, "type:harbor")
	waitFor(t, tm, "6 wrong PINs")
	press(tm, "enter")
	waitFor(t, tm, "UNLOCK Maria Lopez")
	press(tm, "type:called back", "enter", "y")
	waitFor(t, tm, "Unlocked Maria Lopez")
	press(tm, "ctrl+c")
	a := finalApp(t, tm)
	if a.cur != scrBoard {
		t.Fatalf("after the unlock: screen %v, want the board", a.cur)
	}
	v, err := f.Account(context.Background(), "a1")
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := v.Holder("maria"); st.Locked() {
		t.Fatalf("Maria is still locked: %+v", st)
	}
}

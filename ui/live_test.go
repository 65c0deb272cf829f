package ui

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/internal/uitest"
	"github.com/pindesk/pindesk/model"
)

// Issue 9: the app as it is used on a live call — a server that goes away and comes back, a
// supervisor at another desk, a fast agent, an idle screen, a trainer.

// down makes every operation but the clock's fail as fault says while *on is set.
func down(on *atomic.Bool, fault error) func(context.Context, string, string) error {
	return func(_ context.Context, op, _ string) error {
		if on.Load() {
			return fmt.Errorf("%s: %w", op, fault)
		}
		return nil
	}
}

func TestEachBackendFaultReadsAsWhatItIs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		fault  error
		status string
		header string
	}{
		{"offline", model.ErrUnavailable, "The pindesk server cannot be reached.", "✗ OFFLINE"},
		{"a revoked token", model.ErrUnauthorized, "Signed out: the server refused this desk's token", "✗ SIGNED OUT"},
		{"a timeout", context.DeadlineExceeded, "The server did not answer in time.", "● online"},
		{"a server error", &client.RemoteError{Status: 502}, "The pindesk server failed (HTTP 502).", "● online"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := uitest.Scenarios(t, agent)
			var on atomic.Bool
			on.Store(true)
			f.Hook = down(&on, tt.fault)
			h := newHarness(t, uitest.Remote{Backend: f}, Options{})
			h.keys("type:harbor")
			h.mustSee(tt.status, tt.header, "The search failed")
			h.mustNotSee("No account matches")
		})
	}
}

func TestTheHeaderKeepsTheConnectionStateAt80ColumnsWithALongName(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, model.Operator{Name: "Maximiliane Oberhausen-Trautwein", Role: model.OpSupervisor})
	var on atomic.Bool
	on.Store(true)
	f.Hook = down(&on, model.ErrUnavailable)
	h := newHarness(t, uitest.Remote{Backend: f}, Options{})
	h.keys("type:ACC-1001")
	header := strings.Split(h.screen(), "\n")[0]
	if !strings.HasSuffix(header, "· ✗ OFFLINE") || ansi.StringWidth(header) > 80 || !strings.Contains(header, "Maximil") {
		t.Fatalf("header at 80 columns %q: want the name shortened and ✗ OFFLINE kept", header)
	}
}

// The server goes away in the middle of a call and comes back: the app finds out by itself,
// clears the stale error and asks again for what failed.
func TestProgramOfflineRecoversWithoutAKey(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, agent)
	var on atomic.Bool
	on.Store(true)
	f.Hook = down(&on, model.ErrUnavailable)
	tm := startProgram(t, uitest.Remote{Backend: f}, Options{})
	press(tm, "type:harbor")
	waitFor(t, tm, "✗ OFFLINE", "cannot be reached")
	on.Store(false)
	// "The server answers again." is a passing status: the repeated search's answer may replace it
	// within the same frame on a busy machine, so the test waits for what stays.
	waitFor(t, tm, "● online", "Harbor Bakery")
	press(tm, "ctrl+c")
	a := finalApp(t, tm)
	if a.search.err != nil || len(a.search.results) != 1 {
		t.Fatalf("after recovery: search error %v, %d results", a.search.err, len(a.search.results))
	}
}

// A supervisor unlocks the holder at another desk: the agent's open account shows it within two
// seconds, without r.
func TestProgramAnUnlockElsewhereShowsOnTheOpenAccount(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, agent)
	tm := startProgram(t, f, Options{})
	press(tm, "type:ACC-1004")
	waitFor(t, tm, "Quill Legal")
	press(tm, "enter")
	waitFor(t, tm, "Tom Quill · holder", "LOCKED")
	f.UnlockElsewhere("a4", "tom")
	start := time.Now()
	waitFor(t, tm, "✓ ACTIVE") // only what changed is redrawn
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("the unlock showed after %v, want within 2 s", d)
	}
	press(tm, "ctrl+c")
	tm.WaitFinished(t)
}

func TestAPINTheServerDidNotCheckIsKeptAndEnterRetriesIt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault error
		said  string
	}{
		{"offline", model.ErrUnavailable, "The pindesk server cannot be reached."},
		{"this desk's rate limit", &model.RateLimitError{Limit: model.LimitToken}, "Too many PIN attempts from this desk."},
		{"the account's rate limit", &model.RateLimitError{Limit: model.LimitAccount}, "Too many PIN attempts on this account, from every desk."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := uitest.Scenarios(t, agent)
			h := newHarness(t, f, Options{})
			h.openAccount("ACC-1001")
			h.keys("enter", "type:"+uitest.HealthyPIN)
			var on atomic.Bool
			on.Store(true)
			f.Hook = func(_ context.Context, op, _ string) error {
				if op == "verify" && on.Load() {
					return tt.fault
				}
				return nil
			}
			h.keys("enter")
			h.mustSee(tt.said, "The server did not check this PIN. enter sends it again", "● ● ● ● ● ●")
			if h.app.entry.pin.Len() != 6 {
				t.Fatalf("the PIN was not kept")
			}
			on.Store(false)
			h.keys("enter") // the caller is not asked again
			h.mustSee("✓ VERIFIED")
			if !h.app.entry.pin.isZero() {
				t.Fatalf("the PIN was not wiped on success")
			}
		})
	}
	t.Run("end call wipes a kept PIN", func(t *testing.T) {
		f := uitest.Scenarios(t, agent)
		h := newHarness(t, f, Options{})
		h.openAccount("ACC-1001")
		h.keys("enter", "type:"+uitest.HealthyPIN)
		f.Hook = func(context.Context, string, string) error { return model.ErrUnavailable }
		h.keys("enter", "ctrl+e")
		if !h.app.entry.pin.isZero() {
			t.Fatalf("end call left the kept PIN")
		}
	})
}

// A fast agent types the whole call ahead while each screen is still loading: every key lands on
// the screen it was meant for.
func TestProgramKeysTypedWhileLoadingAreKeptForTheNextScreen(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, agent)
	f.Hook = func(_ context.Context, op, _ string) error {
		if op == "search" || op == "account" || op == "verify" {
			time.Sleep(150 * time.Millisecond)
		}
		return nil
	}
	tm := startProgram(t, f, Options{})
	waitFor(t, tm, "Who is calling? Find their account")
	press(tm, "type:ACC-1001", "enter", "enter", "type:"+uitest.HealthyPIN, "enter")
	waitFor(t, tm, "VERIFIED")
	press(tm, "ctrl+c")
	a := finalApp(t, tm)
	if n := len(f.Verifies()); n != 1 || a.cur != scrResult || len(a.held) != 0 {
		t.Fatalf("%d verifications, screen %v, %d keys still held", n, a.cur, len(a.held))
	}
}

func TestKeysHeldForAScreenThatDoesNotComeAreDroppedVisibly(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, agent)
	h := newHarness(t, f, Options{})
	var pending tea.Cmd
	h.keys("type:nosuchaccount")
	// The search is out (not yet answered) when enter and the digits arrive.
	h.app.search.shown = 0
	h.app.search.seq++
	pending = h.app.search.c.io.search(h.app.c.call.id, h.app.search.seq, "nosuchaccount", searchLimit)
	h.keys("enter", "enter", "type:135792")
	if len(h.app.held) != 7 {
		t.Fatalf("%d keys held, want 7", len(h.app.held))
	}
	h.run(pending)
	h.mustSee("No account matches", "7 keys typed while waiting were not used")
	if h.app.search.input.Value() != "nosuchaccount" {
		t.Fatalf("held keys reached the search box: %q", h.app.search.input.Value())
	}
}

func TestTheIdleClearWarnsWithACountdownThatAnyKeyCancels(t *testing.T) {
	t.Parallel()
	h := newHarness(t, uitest.Scenarios(t, agent), Options{IdleTimeout: 2 * time.Minute})
	now := uitest.Epoch
	h.app.clock = func() time.Time { return now }
	h.openAccount("ACC-1001")
	h.keys("enter", "type:48")
	now = now.Add(2*time.Minute - 15*time.Second)
	h.send(idleMsg{})
	h.mustSee("this call is cleared in 15 s. Press any key to keep it.")
	now = now.Add(5 * time.Second)
	h.send(idleMsg{})
	h.mustSee("cleared in 10 s")
	h.keys("x") // any key
	h.mustSee("The call is kept.")
	if h.app.cur != scrEntry || h.app.entry.pin.Len() != 2 {
		t.Fatalf("the key that cancels the countdown acted on the screen: %v, %d digits", h.app.cur, h.app.entry.pin.Len())
	}
	now = now.Add(30 * time.Second)
	h.send(idleMsg{})
	if h.app.cur != scrEntry {
		t.Fatalf("the call was cleared although a key was pressed")
	}
	now = now.Add(2 * time.Minute)
	h.send(idleMsg{})
	if h.app.cur != scrSearch || !h.app.entry.pin.isZero() {
		t.Fatalf("idle did not clear the call at the end: %v", h.app.cur)
	}
}

func TestTheTrainerPanelFollowsTheAppAndReturnsToIt(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, trainer)
	h := newHarness(t, uitest.NewDemo(f, uitest.Seed), Options{Demo: true})
	h.openAccount("ACC-1009") // Vega: the account-wide PIN, then Ana, Leo, Mia
	h.keys("down", "down")    // Leo
	h.keys("ctrl+t")
	if it := h.app.trainer.items(); it[h.app.trainer.cursor].holder != "leo" {
		t.Fatalf("the trainer panel is on %+v, want Leo, selected in the app", it[h.app.trainer.cursor])
	}
	h.keys("up", "up", "up") // the account-wide PIN: its current PIN is read from the demo database
	h.mustSee("Current account-wide PIN: master 3 0 5 7 2 8")
	h.keys("n")
	h.mustSee("Demo clock is now 2026-05-04 14:10.")

	h.keys("esc", "ctrl+e")
	h.openAccount("ACC-1001")
	h.keys("enter", "type:482", "ctrl+t")
	h.mustSee("Current PIN of Maria Lopez: master 4 8 2 9 1 5")
	h.keys("esc")
	if h.app.cur != scrEntry || h.app.entry.pin.Len() != 3 {
		t.Fatalf("esc from the trainer panel: screen %v with %d digits, want the PIN field with 3", h.app.cur, h.app.entry.pin.Len())
	}
	h.keys("type:915", "enter")
	h.mustSee("✓ VERIFIED")
}

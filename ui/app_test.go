package ui

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/pindesk/pindesk/internal/uitest"
	"github.com/pindesk/pindesk/model"
)

func TestTheSearchBoxHasFocusAtStart(t *testing.T) {
	t.Parallel()
	h := newHarness(t, uitest.Scenarios(t, agent), Options{})
	if h.app.cur != scrSearch || !h.app.search.input.Focused() {
		t.Fatalf("start screen %v, search focused %v", h.app.cur, h.app.search.input.Focused())
	}
	h.keys("type:quill")
	h.mustSee("> quill", "ACC-1004", "Quill Legal")
}

func TestACallFromSearchToVerified(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, agent)
	h := newHarness(t, f, Options{})
	h.openAccount("ACC-1001")
	h.mustSee("Harbor Bakery", "Business Broadband", "Support PINs: ✓ used", "Maria Lopez · holder", "✓ ACTIVE", "master")

	h.keys("enter", "type:111111", "enter")
	h.mustSee("✗ WRONG PIN", "5 of 6 attempts left", "Say: “That PIN doesn't match")
	h.keys("enter", "type:222222", "enter")
	h.mustSee("✗ WRONG PIN", "4 of 6 attempts left")
	h.keys("enter", "type:"+uitest.HealthyPIN, "enter")
	h.mustSee("✓ VERIFIED", "Matched their own master PIN, which never expires.", "Say: “Thank you, you're verified.")

	reqs := f.Verifies()
	if len(reqs) != 3 {
		t.Fatalf("%d verifications sent, want 3", len(reqs))
	}
	for _, r := range reqs {
		if r.AccountID != "a1" || r.Holder != "maria" || r.Caller != "maria" || r.Channel != model.ChannelPhone {
			t.Fatalf("request %+v", r)
		}
	}
}

func TestEveryOutcomeHasAPanelAndAOneLineScript(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		account string
		pick    []string
		pin     string
		role    model.Operator
		want    []string
	}{
		{"verified with a one-time PIN", "ACC-1002", nil, uitest.ExpiringPIN, agent,
			[]string{"✓ VERIFIED", "Matched their own one-time PIN. It is now used up"}},
		{"wrong PIN", "ACC-1001", nil, "111111", agent,
			[]string{"✗ WRONG PIN", "5 of 6 attempts left"}},
		{"the wrong PIN that locks", "ACC-1005", nil, "111111", agent,
			[]string{"✗ WRONG PIN · NOW LOCKED", "0 of 6 attempts left: the PIN is now LOCKED (since 2026-05-04 14:00).", "Transfer the call to a supervisor"}},
		{"a caller whose only PIN expired is told before a PIN is asked for", "ACC-1003", nil, "", agent,
			[]string{"⧖ EXPIRED", "temporary expired 2h ago", "No PIN: press enter, then e to email the caller a one-time code"}},
		{"locked, as an agent", "ACC-1004", nil, uitest.LockedPIN, agent,
			[]string{"⊘ LOCKED", "Locked since 2026-05-04 12:00 (2h ago). The PIN was not checked.", "Transfer the call to a supervisor"}},
		{"locked, as a supervisor", "ACC-1004", nil, uitest.LockedPIN, supervisor,
			[]string{"⊘ LOCKED", "Supervisor: confirm the caller's identity another way, then unlock (u)."}},
		{"a caller whose only PIN is spent is told before a PIN is asked for", "ACC-1006", nil, "", agent,
			[]string{"⊗ SPENT", "one-time spent 1h ago", "No PIN: press enter, then e to email the caller a one-time code"}},
		{"a caller with no PIN is told before a PIN is asked for", "ACC-1007", nil, "", agent,
			[]string{"∅ NO PIN", "No PIN: press enter, then e to email the caller a one-time code"}},
		{"a product without PINs", "ACC-1008", nil, "", agent,
			[]string{"– NOT USED FOR THIS PRODUCT", "uses no support PIN", "security questions"}},
		{"an account-wide PIN given by a sub-contact", "ACC-1009", []string{"down", "down", "down"}, uitest.AccountWidePIN, agent,
			[]string{"✓ VERIFIED", "Mia Vega (sub-contact)", "Matched the account-wide master PIN, which never expires."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, uitest.Scenarios(t, tt.role), Options{})
			h.openAccount(tt.account)
			h.keys(tt.pick...)
			if tt.pin == "" && tt.account != "ACC-1008" {
				// The account screen says so before a PIN is asked for; enter then opens the PIN
				// field only for the code e emails (issue 11), and sends nothing by itself.
				h.mustSee(tt.want...)
				h.keys("enter")
				if h.app.cur != scrEntry {
					t.Fatalf("enter opened %v, want the PIN field where e emails a code", h.app.cur)
				}
				h.mustSee("No PIN at hand? e emails a one-time code")
				return
			}
			h.keys("enter")
			if tt.pin != "" {
				h.keys("type:"+tt.pin, "enter")
			}
			h.mustSee(tt.want...)
			h.mustSee("Say: “")
			// The script is one line: the closing quote is on the line that says "Say:".
			for _, line := range strings.Split(h.screen(), "\n") {
				if strings.Contains(line, "Say: “") && !strings.Contains(line, "”") {
					t.Fatalf("the script runs over one line: %q", line)
				}
			}
		})
	}
}

func TestTheAccountShowsEachHoldersPINState(t *testing.T) {
	t.Parallel()
	tests := []struct {
		account string
		want    []string
	}{
		{"ACC-1002", []string{"Jonas Weber · holder", "✓ ACTIVE", "one-time, 10m left"}},
		{"ACC-1003", []string{"⧖ EXPIRED", "temporary expired 2h ago"}},
		{"ACC-1004", []string{"⊘ LOCKED", "since 2026-05-04 12:00 (2h ago)"}},
		{"ACC-1005", []string{"! 1 TRY LEFT", "master · 5 of 6 failed"}},
		{"ACC-1006", []string{"⊗ SPENT", "one-time spent 1h ago"}},
		{"ACC-1007", []string{"∅ NO PIN"}},
		{"ACC-1008", []string{"– NOT USED FOR THIS PRODUCT", "usual security questions"}},
		{"ACC-1009", []string{"Account-wide PIN (any contact)", "Mia Vega · sub-contact"}},
	}
	for _, tt := range tests {
		t.Run(tt.account, func(t *testing.T) {
			h := newHarness(t, uitest.Scenarios(t, agent), Options{})
			h.openAccount(tt.account)
			h.mustSee(tt.want...)
		})
	}
}

func TestTheChannelIsSetPerCallAndRecorded(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, agent)
	h := newHarness(t, f, Options{})
	h.mustSee("PHONE")
	h.keys("ctrl+p")
	h.mustSee("CHAT", "This call is taken by chat.")
	h.openAccount("ACC-1001")
	h.keys("enter", "type:"+uitest.HealthyPIN, "enter")
	h.mustSee("✓ VERIFIED", "CHAT (fixed)")
	h.keys("ctrl+p")
	h.mustSee("CHAT (fixed)", "The channel of this call is chat")
	if got := f.Verifies()[0].Channel; got != model.ChannelChat {
		t.Fatalf("verification recorded channel %q, want chat", got)
	}
	h.keys("ctrl+e")
	h.mustSee("PHONE · call 2")
}

func TestEndCallForgetsTheCaller(t *testing.T) {
	t.Parallel()
	h := newHarness(t, uitest.Scenarios(t, agent), Options{})
	h.openAccount("ACC-1001")
	h.keys("enter", "type:111111", "enter")
	h.mustSee("WRONG PIN")
	h.keys("ctrl+e")
	a := h.app
	c := a.c.call
	if a.cur != scrSearch || c.view != nil || c.accountID != "" || c.holder != "" || a.result.ans != nil || a.search.input.Value() != "" || len(a.search.results) != 0 {
		t.Fatalf("after end call: screen %v call %+v result %v search %q", a.cur, c, a.result.ans, a.search.input.Value())
	}
	if !a.search.input.Focused() {
		t.Fatalf("the search box has no focus after end call")
	}
	h.mustSee("Call ended. Ready for the next caller.")
	h.mustNotSee("Harbor", "Maria", "WRONG PIN")
}

// Answers that were on their way when the call ended must not land on the next caller's screen.
func TestAnAnswerArrivingAfterEndCallIsDropped(t *testing.T) {
	t.Parallel()
	t.Run("a verification", func(t *testing.T) {
		h := newHarness(t, uitest.Scenarios(t, agent), Options{})
		h.openAccount("ACC-1001")
		h.keys("enter", "type:"+uitest.HealthyPIN)
		_, pending := h.app.Update(keyMsg("enter")) // sent, answer not yet delivered
		h.keys("ctrl+e")
		h.keys("type:tandem", "enter") // the next caller
		h.run(pending)                 // the first caller's answer arrives now
		h.mustSee("Tandem Cycles")
		h.mustNotSee("VERIFIED", "Harbor", "Maria")
		if h.app.cur != scrAccount || h.app.result.ans != nil {
			t.Fatalf("late answer changed the screen to %v", h.app.cur)
		}
	})
	t.Run("an account load", func(t *testing.T) {
		h := newHarness(t, uitest.Scenarios(t, agent), Options{})
		h.keys("type:ACC-1004")
		_, load := h.app.Update(keyMsg("enter")) // opening: the load is out
		h.keys("ctrl+e")
		h.run(load)
		if h.app.c.call.view != nil {
			t.Fatalf("an account view arrived for the next caller")
		}
		h.mustNotSee("Quill")
	})
	t.Run("a search", func(t *testing.T) {
		h := newHarness(t, uitest.Scenarios(t, agent), Options{})
		_, pending := h.app.Update(keyMsg("q"))
		h.keys("ctrl+e")
		h.run(pending)
		if len(h.app.search.results) != 0 {
			t.Fatalf("results of the last caller's search shown: %+v", h.app.search.results)
		}
	})
}

// runAll runs a command and returns the first non-nil message it produces (flattening batches).
func runAll(c tea.Cmd) tea.Msg {
	if c == nil {
		return nil
	}
	msg := c()
	if b, ok := msg.(tea.BatchMsg); ok {
		for _, c := range b {
			if m := runAll(c); m != nil {
				return m
			}
		}
		return nil
	}
	return msg
}

func TestTheScreenClearsItselfWhenIdle(t *testing.T) {
	t.Parallel()
	h := newHarness(t, uitest.Scenarios(t, agent), Options{IdleTimeout: 2 * time.Minute})
	now := uitest.Epoch
	h.app.clock = func() time.Time { return now }
	h.openAccount("ACC-1001")
	h.keys("enter", "type:48")
	idle := func() int {
		n := 0
		for _, m := range h.timers {
			if _, ok := m.(idleMsg); ok {
				n++
			}
		}
		return n
	}
	if idle() != 1 {
		t.Fatalf("%d idle checks scheduled, want one for all the keys", idle())
	}
	now = now.Add(90 * time.Second)
	h.keys("type:2") // a key 90 s in: the idle time counts from here
	now = now.Add(60 * time.Second)
	h.send(idleMsg{}) // the first check fires 2 min after the first key, 1 min after the last
	if h.app.cur != scrEntry || h.app.entry.pin.Len() != 3 {
		t.Fatalf("the screen was cleared although a key was pressed a minute ago")
	}
	if idle() != 2 {
		t.Fatalf("the idle check was not re-armed")
	}
	now = now.Add(60 * time.Second)
	h.send(idleMsg{})
	if h.app.cur != scrSearch || h.app.c.call.view != nil || !h.app.entry.pin.isZero() {
		t.Fatalf("idle did not clear the call: screen %v", h.app.cur)
	}
	h.mustSee("Screen cleared after 2m without a key press.")
	h.mustNotSee("Harbor", "Maria", "●")
}

func TestIdleTimeoutCanBeDisabled(t *testing.T) {
	t.Parallel()
	h := newHarness(t, uitest.Scenarios(t, agent), Options{IdleTimeout: -1})
	h.keys("type:abc")
	for _, m := range h.timers {
		if _, ok := m.(idleMsg); ok {
			t.Fatalf("an idle timer was started although disabled")
		}
	}
}

// The digits stay in the field's zeroable buffer while the answer is awaited (so that a PIN the
// server never checked can be sent again), are never drawn, and are wiped by the answer.
func TestThePINIsNeverShownAndIsWipedOnTheAnswer(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, agent)
	h := newHarness(t, f, Options{})
	h.openAccount("ACC-1001")
	h.keys("enter", "type:"+uitest.HealthyPIN)
	h.mustSee("● ● ● ● ● ●")
	h.mustNotSee(uitest.HealthyPIN, "4 8 2")
	if h.app.entry.pin.Len() != 6 {
		t.Fatalf("typed digits were not taken")
	}
	_, pending := h.app.Update(keyMsg("enter"))
	// Sent but not answered: only the field's buffer holds the digits, and nothing shows them.
	h.mustNotSee(uitest.HealthyPIN, "4 8 2")
	if path := findString(h.app, uitest.HealthyPIN); !strings.HasSuffix(path, ".pin.buf") || findString(h.app.entry.pin, uitest.HealthyPIN) == "" {
		t.Fatalf("while the answer is awaited the PIN is held at %q, want only in the field's buffer", path)
	}
	h.run(pending)
	h.mustSee("✓ VERIFIED")
	h.mustNotSee(uitest.HealthyPIN)
	if !h.app.entry.pin.isZero() {
		t.Fatalf("digits remain in the model after the answer: %v", h.app.entry.pin.buf)
	}
	if path := findString(h.app, uitest.HealthyPIN); path != "" {
		t.Fatalf("the PIN is held in the model at %s after the answer", path)
	}
}

func TestLeavingThePINFieldForgetsTheDigits(t *testing.T) {
	t.Parallel()
	h := newHarness(t, uitest.Scenarios(t, agent), Options{})
	h.openAccount("ACC-1001")
	h.keys("enter", "type:482", "esc")
	if h.app.cur != scrAccount || !h.app.entry.pin.isZero() {
		t.Fatalf("esc left digits behind (screen %v)", h.app.cur)
	}
	h.keys("enter")
	h.mustSee("○ ○ ○ ○ ○ ○", "0 of 6 digits")
}

func TestQuitKeys(t *testing.T) {
	t.Parallel()
	t.Run("q quits at once when no call is in progress", func(t *testing.T) {
		h := newHarness(t, uitest.Scenarios(t, agent), Options{})
		h.keys("?", "q")
		if !h.quit {
			t.Fatalf("q did not quit from the help with no call")
		}
	})
	t.Run("q asks before it ends a call in progress, and stays on no", func(t *testing.T) {
		h := newHarness(t, uitest.Scenarios(t, agent), Options{})
		h.openAccount("ACC-1001")
		h.keys("q")
		h.mustSee("A call is in progress. Quit and forget it?")
		if h.quit {
			t.Fatalf("q ended the call without asking")
		}
		h.keys("n")
		h.mustSee("Not quitting. The call stays.")
		if h.quit || h.app.cur != scrAccount {
			t.Fatalf("answering no quit or left the account")
		}
		h.keys("q", "y")
		if !h.quit {
			t.Fatalf("y did not quit")
		}
	})
	t.Run("q is a letter in the search box", func(t *testing.T) {
		h := newHarness(t, uitest.Scenarios(t, agent), Options{})
		h.keys("type:quill")
		if h.quit || h.app.search.input.Value() != "quill" {
			t.Fatalf("q quit from the search box")
		}
	})
	t.Run("q asks while a PIN is half typed, and the PIN stays", func(t *testing.T) {
		h := newHarness(t, uitest.Scenarios(t, agent), Options{})
		h.openAccount("ACC-1001")
		h.keys("enter", "type:48", "q", "n")
		if h.quit || h.app.entry.pin.Len() != 2 {
			t.Fatalf("q quit or changed the half-typed PIN")
		}
	})
	t.Run("ctrl+c asks while a PIN is half typed, and stays on no", func(t *testing.T) {
		h := newHarness(t, uitest.Scenarios(t, agent), Options{})
		h.openAccount("ACC-1001")
		h.keys("enter", "type:48", "ctrl+c")
		h.mustSee("A PIN is half typed. Quit and discard it?")
		if h.quit {
			t.Fatalf("ctrl+c quit without asking")
		}
		h.keys("n")
		if h.quit || h.app.entry.pin.Len() != 2 {
			t.Fatalf("answering no quit or lost the digits")
		}
		h.keys("ctrl+c", "y")
		if !h.quit || !h.app.entry.pin.isZero() {
			t.Fatalf("y did not quit, or left the digits")
		}
	})
	t.Run("ctrl+c quits at once otherwise", func(t *testing.T) {
		h := newHarness(t, uitest.Scenarios(t, agent), Options{})
		h.keys("type:abc", "ctrl+c")
		if !h.quit {
			t.Fatalf("ctrl+c did not quit")
		}
	})
}

func TestAnAgentSeesNoSupervisorAction(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, agent)
	h := newHarness(t, f, Options{})
	h.openAccount("ACC-1004")
	h.mustNotSee("u unlock", "reset", "a audit")
	h.keys("u", "X", "a")
	if h.app.cur != scrAccount {
		t.Fatalf("an agent's key opened %v", h.app.cur)
	}
	h.keys("enter", "type:"+uitest.LockedPIN, "enter")
	h.mustSee("⊘ LOCKED", "Transfer the call to a supervisor")
	h.mustNotSee("u unlock", "unlock (u)")
	h.keys("?")
	h.mustNotSee("unlock", "reset", "Audit trail")
}

func TestASupervisorUnlocksWithAReasonAndAConfirmation(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, supervisor)
	h := newHarness(t, f, Options{})
	h.openAccount("ACC-1004")
	h.keys("enter", "type:"+uitest.LockedPIN, "enter")
	h.mustSee("⊘ LOCKED", "u unlock")
	h.keys("u")
	h.mustSee("UNLOCK Tom Quill (holder)", "Reason:")
	h.keys("enter")
	h.mustSee("A reason is required")
	h.keys("type:identity confirmed by call-back?", "enter") // "?" and "q" are letters here
	h.mustSee("Reason: identity confirmed by call-back?", "Unlock Tom Quill now?")
	h.keys("n")
	h.mustSee("Cancelled; nothing was changed.", "⊘ LOCKED")
	h.keys("u", "type:identity confirmed by call-back", "enter", "y")
	h.mustSee("Unlocked Tom Quill", "✓ ACTIVE")
	if h.app.cur != scrAccount {
		t.Fatalf("after unlock the screen is %v", h.app.cur)
	}
	h.keys("enter", "type:"+uitest.LockedPIN, "enter")
	h.mustSee("✓ VERIFIED")
	ev := f.Events()
	var unlock *model.AuditEvent
	for i := range ev {
		if ev[i].Action == model.ActionUnlock {
			unlock = &ev[i]
		}
	}
	if unlock == nil || unlock.Reason != "identity confirmed by call-back" || unlock.Holder != "tom" || unlock.Operator != "sue" {
		t.Fatalf("unlock audit event %+v", unlock)
	}
}

func TestASupervisorResetsAnAccount(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, supervisor)
	h := newHarness(t, f, Options{})
	h.openAccount("ACC-1009")
	h.keys("X")
	h.mustSee("RESET ACCOUNT ACC-1009", "revokes EVERY support PIN")
	h.keys("type:malicious caller", "enter", "y")
	h.mustSee("Account reset: 1 PIN revoked")
	h.mustNotSee("Account-wide PIN (any contact)")
}

func TestTheAuditViewIsNewestFirstAndScrolls(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, supervisor)
	h := newHarness(t, f, Options{})
	h.openAccount("ACC-1001")
	for i := range 4 {
		h.keys("enter", fmt.Sprintf("type:11111%d", i), "enter")
	}
	h.keys("esc", "a")
	h.mustSee("Audit trail of ACC-1001", "4 events shown")
	var wrong []string
	for _, l := range strings.Split(h.screen(), "\n") {
		if strings.Contains(l, "WRONG PIN") {
			wrong = append(wrong, l)
		}
	}
	if len(wrong) != 4 || !strings.Contains(wrong[0], "(2 left)") || !strings.Contains(wrong[3], "(5 left)") {
		t.Fatalf("audit lines not newest first:\n%s", strings.Join(wrong, "\n"))
	}

	// More events than fit: the view scrolls.
	h.keys("esc")
	for range 20 {
		// A verified caller needs no PIN while their verification session lasts (issue 13): each
		// of these calls comes after the last one's session has run out.
		f.Clock().Advance(31 * time.Minute)
		h.keys("r", "enter", "type:"+uitest.HealthyPIN, "enter", "esc")
	}
	h.keys("a")
	h.mustSee("24 events shown", "✓ VERIFIED")
	h.mustNotSee("(5 left)", "start of the trail")
	h.keys("pgdown")
	h.mustSee("(5 left)", "— start of the trail —")
	h.keys("up")
	h.keys("pgup")
	h.mustNotSee("(5 left)")
}

func TestABackendErrorIsSaidAndTheCallStays(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, agent)
	h := newHarness(t, f, Options{})
	h.openAccount("ACC-1001")
	h.keys("enter", "type:"+uitest.HealthyPIN)
	f.Hook = func(_ context.Context, op, _ string) error {
		if op == "verify" {
			return fmt.Errorf("verify: %w", model.ErrBusy)
		}
		return nil
	}
	h.keys("enter")
	// The server did not check the PIN: it is kept, and enter sends it again.
	h.mustSee("✗ The database is busy. The call is kept; try again in a moment.", "Verify Maria Lopez (holder)", "● ● ● ● ● ●")
	h.mustNotSee("verify:", "goroutine")
	f.Hook = nil
	h.keys("enter")
	h.mustSee("✓ VERIFIED")
}

func TestAnUnknownAccountReturnsToTheSearch(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, agent)
	h := newHarness(t, f, Options{})
	h.keys("type:ACC-1001")
	f.Hook = func(_ context.Context, op, _ string) error {
		if op == "account" {
			return model.ErrUnknownAccount
		}
		return nil
	}
	h.keys("enter")
	if h.app.cur != scrSearch {
		t.Fatalf("screen %v", h.app.cur)
	}
	h.mustSee("That account does not exist (any more). Search again.", "> ACC-1001")
}

func TestAPanicInTheBackendDoesNotReachTheScreen(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, agent)
	h := newHarness(t, f, Options{})
	h.openAccount("ACC-1001")
	f.Hook = func(_ context.Context, op, _ string) error {
		if op == "verify" {
			panic("boom")
		}
		return nil
	}
	h.keys("enter", "type:"+uitest.HealthyPIN, "enter")
	h.mustSee("Something went wrong. The call is kept", "Verify Maria Lopez")
	h.mustNotSee("boom", "panic", "goroutine")
}

func TestTheTrainerPanel(t *testing.T) {
	t.Parallel()
	t.Run("is there only on a demo backend", func(t *testing.T) {
		h := newHarness(t, uitest.Scenarios(t, trainer), Options{})
		h.keys("ctrl+t")
		if h.app.cur == scrTrainer {
			t.Fatalf("the trainer panel opened without demo controls")
		}
		h.keys("?")
		h.mustNotSee("Trainer panel", "ctrl+t")
	})
	t.Run("generates a PIN the trainer reads out, forgotten at end of call", func(t *testing.T) {
		f := uitest.Scenarios(t, trainer)
		h := newHarness(t, uitest.NewDemo(f, uitest.Seed), Options{Demo: true})
		h.mustSee("DEMO · training data only")
		h.openAccount("ACC-1007")
		h.keys("ctrl+t", "down", "o")
		gen := h.app.trainer.gen
		if gen == nil {
			t.Fatalf("no PIN generated:\n%s", h.screen())
		}
		spaced := strings.Join(strings.Split(gen.pin.PIN, ""), " ")
		h.mustSee("New one-time PIN of Tia Tandem: "+spaced, "✓ ACTIVE")
		h.keys("esc")
		h.mustNotSee(spaced)
		h.keys("enter", "type:"+gen.pin.PIN, "enter")
		h.mustSee("✓ VERIFIED", "Matched their own one-time PIN")
		pin := gen.pin.PIN
		h.keys("ctrl+e")
		if h.app.trainer.gen != nil || findString(h.app, pin) != "" {
			t.Fatalf("the generated PIN outlived the call")
		}
	})
	t.Run("moves the clock to show expiry and restores the scenarios", func(t *testing.T) {
		f := uitest.Scenarios(t, trainer)
		d := uitest.NewDemo(f, uitest.Seed)
		h := newHarness(t, d, Options{Demo: true})
		h.openAccount("ACC-1002")
		h.mustSee("one-time, 10m left")
		h.keys("ctrl+t", "h")
		h.mustSee("Demo clock is now 2026-05-04 15:00", "⧖ EXPIRED")
		h.keys("R")
		h.mustSee("Restore every scenario")
		h.keys("y")
		if d.Restored() != 1 {
			t.Fatalf("restore not called")
		}
		h.mustSee("Every scenario is restored")
	})
	t.Run("finds a scenario's account", func(t *testing.T) {
		h := newHarness(t, uitest.NewDemo(uitest.Scenarios(t, trainer), uitest.Seed), Options{Demo: true,
			Scenarios: []Scenario{{Title: "Healthy", AccountNumber: "ACC-1001"}, {Title: "Locked", AccountNumber: "ACC-1004"}}})
		h.keys("ctrl+t", "down", "enter")
		if h.app.cur != scrSearch || h.app.search.input.Value() != "ACC-1004" {
			t.Fatalf("screen %v, search %q", h.app.cur, h.app.search.input.Value())
		}
		h.keys("enter")
		h.mustSee("Quill Legal", "⊘ LOCKED")
	})
	t.Run("shows no PIN outside demo mode", func(t *testing.T) {
		f := uitest.Scenarios(t, trainer)
		h := newHarness(t, uitest.NewDemo(f, uitest.Seed), Options{Demo: false})
		h.mustNotSee("DEMO")
		h.openAccount("ACC-1007")
		h.keys("ctrl+t", "down", "m")
		h.mustSee("A PIN was generated; it is shown only in demo mode.")
		h.mustNotSee(h.app.trainer.gen.pin.PIN)
	})
}

type offline struct{ *uitest.Backend }

func (offline) Reachable() bool  { return false }
func (offline) Endpoint() string { return "https://desk.example" }

func TestTheHeaderShowsTheConnectionOfARemoteBackend(t *testing.T) {
	t.Parallel()
	h := newHarness(t, offline{uitest.Scenarios(t, agent)}, Options{})
	h.keys("type:a")
	h.mustSee("✗ OFFLINE")
	plain := newHarness(t, uitest.Scenarios(t, agent), Options{})
	plain.mustNotSee("OFFLINE", "online")
}

func TestHelpListsEveryKeyTheOperatorMayUse(t *testing.T) {
	t.Parallel()
	// Every key a screen matches is in its FullHelp, the help's source; this checks the help shows
	// each enabled one.
	for _, op := range []model.Operator{agent, supervisor, trainer} {
		t.Run(string(op.Role), func(t *testing.T) {
			h := newHarness(t, uitest.NewDemo(uitest.Scenarios(t, op), uitest.Seed), Options{Demo: true})
			h.keys("?")
			s := ansi.Strip(h.app.helpScr.vp.GetContent()) // all of it, as it scrolls
			for _, sec := range h.app.helpScr.sections() {
				for _, b := range sec.bindings {
					if b.Enabled() && !strings.Contains(s, b.Help().Key+" ") {
						t.Errorf("help lacks %q (%s)", b.Help().Key, b.Help().Desc)
					}
				}
			}
			h.keys("esc")
			if h.app.cur != scrSearch {
				t.Fatalf("esc did not close help")
			}
		})
	}
}

func TestEveryScreenFitsTheTerminal(t *testing.T) {
	t.Parallel()
	sizes := [][2]int{{80, 24}, {120, 40}, {60, 20}}
	screens := []struct {
		name string
		keys []string
	}{
		{"search", []string{"type:ACC"}},
		{"account", []string{"type:ACC-1009", "enter"}},
		{"entry", []string{"type:ACC-1005", "enter", "enter", "type:12"}},
		{"result", []string{"type:ACC-1005", "enter", "enter", "type:111111", "enter"}},
		{"dialog", []string{"type:ACC-1004", "enter", "u"}},
		{"audit", []string{"type:ACC-1004", "enter", "a"}},
		{"help", []string{"?"}},
		{"trainer", []string{"type:ACC-1009", "enter", "ctrl+t"}},
	}
	for _, size := range sizes {
		for _, sc := range screens {
			t.Run(fmt.Sprintf("%s at %dx%d", sc.name, size[0], size[1]), func(t *testing.T) {
				h := newHarness(t, uitest.NewDemo(uitest.Scenarios(t, trainer), uitest.Seed), Options{Demo: true})
				h.keys(sc.keys...)
				h.send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
				lines := strings.Split(h.screen(), "\n")
				if len(lines) != size[1] {
					t.Errorf("%d lines, want %d:\n%s", len(lines), size[1], h.screen())
				}
				for i, l := range lines {
					if w := lipglossWidth(l); w > size[0] {
						t.Errorf("line %d is %d wide: %q", i, w, l)
					}
				}
				h.mustSee("pindesk", "DEMO")
			})
		}
	}
}

func TestNoColorMeansNoColour(t *testing.T) {
	t.Parallel()
	h := newHarness(t, uitest.Scenarios(t, agent), Options{NoColor: true})
	h.openAccount("ACC-1004")
	h.keys("enter", "type:"+uitest.LockedPIN, "enter")
	for _, sgr := range regexp.MustCompile(`\x1b\[([0-9;:]*)m`).FindAllStringSubmatch(h.app.View().Content, -1) {
		for _, p := range strings.FieldsFunc(sgr[1], func(r rune) bool { return r == ';' || r == ':' }) {
			n, _ := strconv.Atoi(p)
			if (n >= 30 && n <= 39) || (n >= 40 && n <= 49) || (n >= 90 && n <= 107) {
				t.Fatalf("colour sequence %q under NO_COLOR", sgr[0])
			}
		}
	}
	h.mustSee("⊘ LOCKED")
}

func TestTheAppFollowsTheTerminalsBackground(t *testing.T) {
	t.Parallel()
	h := newHarness(t, uitest.Scenarios(t, agent), Options{})
	dark := h.app.View().Content
	h.send(tea.BackgroundColorMsg{Color: lightBackground{}})
	if h.app.isDark {
		t.Fatalf("a light background was not taken")
	}
	if light := h.app.View().Content; light == dark {
		t.Fatalf("the light palette draws the same as the dark one")
	}
}

type lightBackground struct{}

func (lightBackground) RGBA() (r, g, b, a uint32) { return 0xffff, 0xffff, 0xffff, 0xffff }

func TestAnAccountWithManyContactsScrolls(t *testing.T) {
	t.Parallel()
	f := uitest.New(t, agent, uitest.Epoch)
	var contacts []model.Contact
	for i := range 30 {
		contacts = append(contacts, model.Contact{ID: fmt.Sprintf("c%02d", i), Name: fmt.Sprintf("Contact %02d", i), Role: model.RoleSubContact})
	}
	f.AddAccount(model.Account{ID: "big", Number: "ACC-2000", Name: "Big Family", Product: "Home Fibre", UsesPINs: true, Contacts: contacts})
	h := newHarness(t, f, Options{})
	h.openAccount("ACC-2000")
	h.mustSee("Contact 00", "(1–11 of 30")
	for range 25 {
		h.keys("down")
	}
	h.mustSee("› Contact 25")
	h.mustNotSee("Contact 00")
	if n := len(strings.Split(h.screen(), "\n")); n != 24 {
		t.Fatalf("%d lines", n)
	}
}

// The spinner turns while the app waits and stops with the wait; a wait that starts while the
// last one's tick is still on its way does not start a second timer (it would turn twice as fast).
func TestTheSpinnerRunsOneTimerAtATime(t *testing.T) {
	t.Parallel()
	h := newHarness(t, uitest.Scenarios(t, agent), Options{IdleTimeout: -1})
	a := h.app
	h.timers = nil
	a.setBusy("Loading the account")
	a.clearBusy()
	a.setBusy("Verifying the PIN") // the first wait's tick is still on its way
	if len(h.timers) != 1 {
		t.Fatalf("%d ticks scheduled, want one", len(h.timers))
	}
	first := h.screen()
	h.send(h.timers[0])
	if len(h.timers) != 2 || h.screen() == first {
		t.Fatalf("the tick did not turn the spinner and schedule the next (%d ticks)", len(h.timers))
	}
	a.clearBusy()
	h.send(h.timers[1])
	if len(h.timers) != 2 {
		t.Fatalf("the spinner kept turning after the wait")
	}
	a.setBusy("Unlocking")
	if len(h.timers) != 3 {
		t.Fatalf("a new wait after the spinner stopped did not start it")
	}
}

// TestACallerReadingTheAccountWidePINIsVerifiedOnTheirOwnRow is issue 9's call: Mia, a
// sub-contact with a PIN of her own, reads the family's account-wide PIN. The agent picks Mia —
// who is calling, not which PIN she holds — and she is verified, with the PIN that matched named;
// nothing counts against her own PIN.
func TestACallerReadingTheAccountWidePINIsVerifiedOnTheirOwnRow(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, agent)
	f.PutPIN("a9", "mia", model.KindMaster, "716204", uitest.Epoch.Add(-24*time.Hour))
	h := newHarness(t, f, Options{})
	h.openAccount("ACC-1009")
	h.keys("down", "down", "down") // the account-wide row, Ana, Leo, then Mia
	h.mustSee("› Mia Vega · sub-contact")
	h.keys("enter", "type:"+uitest.AccountWidePIN, "enter")
	h.mustSee("✓ VERIFIED", "Mia Vega (sub-contact)", "Matched the account-wide master PIN")
	h.mustNotSee("WRONG PIN")
	h.keys("esc", "r")
	// Verified now, for every desk, until the session runs out (issue 13).
	h.mustSee("Mia Vega · sub-contact         ✓ VERIFIED")
}

// TestEnterDoesNotAskForAPINTheCallerDoesNotHave: with no active PIN of their own or the
// account's, the account screen says so, and enter does not open the PIN field.
// A caller with no PIN but an email on file is offered the emailed code (issue 11): enter opens the
// PIN field, which sends nothing until the agent asks (e) or types.
func TestEnterOffersACallerWithNoPINTheEmailedCodeAndSendsNothing(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, agent)
	h := newHarness(t, f, Options{})
	h.openAccount("ACC-1007")
	h.mustSee("No PIN: press enter, then e to email the caller a one-time code (or they create a PIN in the portal).")
	h.keys("enter")
	if h.app.cur != scrEntry {
		t.Fatalf("enter opened %v for a caller with no PIN, want the PIN field", h.app.cur)
	}
	if n := len(f.Verifies()); n != 0 {
		t.Fatalf("%d verifications sent", n)
	}
}

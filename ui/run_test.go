package ui

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/pindesk/pindesk/internal/uitest"
)

// syncBuffer is the program's terminal: written by the program, read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// colours returns the SGR sequences of out that set a colour (foreground or background).
func colours(out string) []string {
	var found []string
	for _, sgr := range regexp.MustCompile(`\x1b\[([0-9;:]*)m`).FindAllStringSubmatch(out, -1) {
		for _, p := range strings.FieldsFunc(sgr[1], func(r rune) bool { return r == ';' || r == ':' }) {
			n, _ := strconv.Atoi(p)
			if (n >= 30 && n <= 39) || (n >= 40 && n <= 49) || (n >= 90 && n <= 107) {
				found = append(found, sgr[0])
				break
			}
		}
	}
	return found
}

// TestNO_COLORTurnsColourOff runs the real program, as Run does, in an environment that describes
// a 256-colour terminal (TTY_FORCE makes the colour detection treat the test's output as one), and
// reads what it writes until the first frame is drawn.
func TestNO_COLORTurnsColourOff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		noColor string
		tty     bool
		colour  bool
	}{
		{"a terminal gets colour", "", true, true}, // NO_COLOR set but empty does not count (no-color.org)
		{"NO_COLOR=1 turns it off", "1", true, false},
		{"NO_COLOR=true turns it off", "true", true, false},
		{"NO_COLOR=yes turns it off", "yes", true, false}, // the colour detection alone keeps colour here
		{"output that is not a terminal gets none", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := []string{"TERM=xterm-256color", "NO_COLOR=" + tt.noColor}
			if tt.tty {
				env = append(env, "TTY_FORCE=1")
			}
			out := &syncBuffer{}
			in, feed := io.Pipe()
			defer feed.Close()
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				done <- runIn(ctx, uitest.Scenarios(t, agent), Options{Input: in, Output: out, Location: time.UTC}, env,
					tea.WithWindowSize(80, 24))
			}()
			deadline := time.Now().Add(10 * time.Second)
			for !strings.Contains(ansi.Strip(out.String()), "Who is calling? Find their account") {
				if time.Now().After(deadline) {
					cancel()
					t.Fatalf("no first frame:\n%q", out.String())
				}
				time.Sleep(10 * time.Millisecond)
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			got := colours(out.String())
			if tt.colour && len(got) == 0 {
				t.Fatalf("no colour written without NO_COLOR: the test cannot see colour")
			}
			if !tt.colour && len(got) > 0 {
				t.Fatalf("colour sequences %q written under NO_COLOR=%s", got[:min(len(got), 3)], tt.noColor)
			}
		})
	}
}

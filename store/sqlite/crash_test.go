package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/internal/storetest"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store/sqlite"
)

// crashEnv names the database a crash child works on; set only in the child.
const crashEnv = "PINDESK_SQLITE_CRASH_CHILD_DB"

// crashPolicy allows enough failures that the child never locks before it is killed.
func crashPolicy() model.Policy {
	p := model.DefaultPolicy()
	p.MaxFailures = 100
	p.HardLockFailures = 10000 // the rolling cap must allow at least MaxFailures
	return p
}

// TestCrashChild is the child of TestKillAfterAnswers: it enters wrong PINs one after another and
// prints each answer the moment Verify returns it, until it is killed.
func TestCrashChild(t *testing.T) {
	t.Parallel()
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("runs only as the child of TestKillAfterAnswers")
	}
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(2)
	}
	svc := newService(t, st, core.WithPolicy(crashPolicy()))
	for i := range 95 {
		r, err := svc.Verify(context.Background(), storetest.Agent, model.VerifyRequest{
			AccountID: storetest.Smith, Holder: storetest.John, PIN: fmt.Sprintf("0%05d", i), Channel: model.ChannelPhone})
		if err != nil {
			fmt.Println("ERROR", err)
			os.Exit(2)
		}
		fmt.Printf("ANSWER %s %d\n", r.Outcome, r.AttemptsLeft) // os.Stdout is unbuffered
	}
	time.Sleep(time.Minute) // wait to be killed
}

func TestKillAfterAnswers(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts child processes")
	}
	// Killed at different points, the child is usually inside its next transaction.
	for _, answers := range []int{1, 7, 23} {
		t.Run(fmt.Sprintf("every one of %d answered failures is counted and audited after SIGKILL", answers), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "pindesk.db")
			st, err := sqlite.Open(t.Context(), path)
			if err != nil {
				t.Fatal(err)
			}
			svc := newService(t, st, core.WithPolicy(crashPolicy()))
			if err := svc.Import(t.Context(), storetest.Admin, storetest.Fixture()); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Set(t.Context(), storetest.Portal, model.PINChange{AccountID: storetest.Smith, Holder: storetest.John, Kind: model.KindMaster}, "482915"); err != nil {
				t.Fatal(err)
			}
			st.Close()

			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), crashEnv+"="+path)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var lefts []int
			sc := bufio.NewScanner(out)
			for len(lefts) < answers && sc.Scan() {
				line := sc.Text()
				if strings.HasPrefix(line, "ERROR") {
					t.Fatalf("child: %s", line)
				}
				var outcome string
				var left int
				if _, err := fmt.Sscanf(line, "ANSWER %s %d", &outcome, &left); err != nil {
					continue // the test binary's own output
				}
				if outcome != string(model.OutcomeMismatch) {
					t.Fatalf("child answered %s", line)
				}
				lefts = append(lefts, left)
			}
			if err := cmd.Process.Kill(); err != nil { // SIGKILL: no deferred function, no Close
				t.Fatal(err)
			}
			_ = cmd.Wait()
			if len(lefts) != answers {
				t.Fatalf("the child gave %d answers before it ended, want %d", len(lefts), answers)
			}

			st, err = sqlite.Open(t.Context(), path)
			if err != nil {
				t.Fatalf("reopening after the kill: %v", err)
			}
			defer st.Close()
			var integrity string
			if err := rawDB(t, path).QueryRow(`PRAGMA integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
				t.Fatalf("integrity check: %q, %v", integrity, err)
			}
			hs, err := st.Holders(t.Context(), storetest.Smith)
			if err != nil || len(hs) != 1 {
				t.Fatalf("holders: %+v, %v", hs, err)
			}
			failures := hs[0].Failures
			evs, err := st.Audit(t.Context(), model.AuditQuery{AccountID: storetest.Smith, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			audited := map[int]bool{}
			mismatches := 0
			for _, ev := range evs {
				if ev.Action == model.ActionVerify && ev.Outcome == string(model.OutcomeMismatch) {
					mismatches++
					audited[*ev.AttemptsLeft] = true
				}
			}
			if failures < answers {
				t.Fatalf("%d failures on disk, but %d were answered", failures, answers)
			}
			if mismatches != failures {
				t.Fatalf("%d failures counted but %d audited: a count and its audit event must commit together", failures, mismatches)
			}
			for i, left := range lefts {
				if left != 100-(i+1) || !audited[left] {
					t.Fatalf("answer %d (%d attempts left) is not on disk", i+1, left)
				}
			}
			t.Logf("answered %d, on disk %d", answers, failures)
		})
	}
}

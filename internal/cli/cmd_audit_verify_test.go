package cli

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pindesk/pindesk/config"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

func TestAuditVerifyReportsAnIntactChainOrTheFirstEventTamperedWith(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "import", goodCSV)
	d.ok("482915\n", "admin", "pin", "set", "--account", "A-1", "--holder", "c1", "--kind", "master")
	d.verify("A-1", "c1", "975319")
	d.ok("", "admin", "unlock", "--account", "A-1", "--holder", "c1", "--reason", "caller confirmed")

	out, _ := d.ok("", "admin", "audit", "verify")
	if !strings.HasPrefix(out, "Intact through #4 (4 events checked from #1).") {
		t.Fatalf("verify: %q", out)
	}
	cpFile := filepath.Join(t.TempDir(), "checkpoint.jsonl")
	d.ok("", "admin", "audit", "checkpoint", "--out", cpFile)
	b, err := os.ReadFile(cpFile)
	if err != nil {
		t.Fatal(err)
	}
	var cp model.AuditCheckpoint
	if err := json.Unmarshal(b, &cp); err != nil || cp.Events() != 4 || len(cp.Heads) != 64 || len(cp.Heads[0].Value) != 64 || cp.Time.IsZero() {
		t.Fatalf("checkpoint %q: %+v, %v", b, cp, err)
	}
	out, _ = d.ok("", "admin", "audit", "verify", "--checkpoint", cpFile)
	if !strings.Contains(out, "Reaches the checkpoint of ") {
		t.Fatalf("verify --checkpoint: %q", out)
	}

	db, err := sql.Open("sqlite", filepath.Join(d.dataDir, "pindesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE audit SET outcome = 'verified' WHERE id = 3`); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := d.run("", "admin", "audit", "verify")
	if code != 1 || !strings.Contains(out, "Broken at #3 (changed)") || !strings.Contains(out, "Intact from #1 through #2.") ||
		!strings.Contains(errOut, "the audit chain is broken at #3 (changed)") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if out, _ := d.ok("", "admin", "audit", "verify", "--from", "4"); !strings.HasPrefix(out, "Intact through #4 (1 events checked from #4).") {
		t.Fatalf("verify --from 4: %q", out)
	}
	if code, _, errOut := d.run("", "admin", "audit", "verify", "--checkpoint", filepath.Join(t.TempDir(), "none")); code != 1 || !strings.Contains(errOut, "checkpoint") {
		t.Fatalf("a missing checkpoint file: exit %d %s", code, errOut)
	}
}

func TestServeAppendsAuditCheckpointsOnItsSchedule(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "import", goodCSV)
	cpFile := filepath.Join(t.TempDir(), "checkpoints.jsonl")
	if code, _, errOut := d.run("", "serve", "--audit-checkpoint-every", "1h"); code != 1 || !strings.Contains(errOut, "serve.audit_checkpoint_every (flag --audit-checkpoint-every): needs serve.audit_checkpoint_file") {
		t.Fatalf("a schedule without a file: exit %d %s", code, errOut)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut lockedBuffer
	a := newApp(strings.NewReader(""), &out, &errOut)
	a.lookupEnv = func(string) (string, bool) { return "", false }
	a.homeDir = func() (string, error) { return t.TempDir(), nil }
	a.userName = func() string { return "ada" }
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--data-dir", d.dataDir, "serve", "--listen", "127.0.0.1:0", "--log-level", "error",
			"--audit-checkpoint-every", "50ms", "--audit-checkpoint-file", cpFile}, a)
	}()
	var lines []string
	for deadline := time.Now().Add(10 * time.Second); len(lines) < 3 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(cpFile)
		lines = strings.Fields(string(b))
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited %d: %s", code, errOut.String())
	}
	if len(lines) < 3 {
		t.Fatalf("%d checkpoints appended: %q", len(lines), lines)
	}
	for _, l := range lines {
		var cp model.AuditCheckpoint
		if err := json.Unmarshal([]byte(l), &cp); err != nil || cp.Events() != 1 {
			t.Fatalf("line %q: %+v, %v", l, cp, err)
		}
	}
	if out, _ := d.ok("", "admin", "audit", "verify", "--checkpoint", cpFile); !strings.Contains(out, "Reaches the checkpoint of ") {
		t.Fatalf("verify against the schedule's file: %q", out)
	}
}

func TestServeWritesAuditCheckpointsToStandardOutputForADash(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "import", goodCSV)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut lockedBuffer
	a := newApp(strings.NewReader(""), &out, &errOut)
	a.lookupEnv = func(string) (string, bool) { return "", false }
	a.homeDir = func() (string, error) { return t.TempDir(), nil }
	a.userName = func() string { return "ada" }
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--data-dir", d.dataDir, "serve", "--listen", "127.0.0.1:0", "--log-level", "error",
			"--audit-checkpoint-every", "50ms", "--audit-checkpoint-file", "-"}, a)
	}()
	checkpoints := func() (cps []model.AuditCheckpoint) {
		for _, l := range strings.Split(out.String(), "\n") {
			var cp model.AuditCheckpoint
			if strings.HasPrefix(l, "{") && json.Unmarshal([]byte(l), &cp) == nil {
				cps = append(cps, cp)
			}
		}
		return cps
	}
	for deadline := time.Now().Add(10 * time.Second); len(checkpoints()) < 2 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited %d: %s", code, errOut.String())
	}
	cps := checkpoints()
	if len(cps) < 2 || cps[0].Events() != 1 {
		t.Fatalf("standard output: %q", out.String())
	}
	// Nothing was written to a file named "-" anywhere.
	if _, err := os.Stat(filepath.Join(d.dataDir, "-")); err == nil {
		t.Fatal(`a file named "-" was written beside the database`)
	}
}

func TestARetriedDeadNoticeIsAuditedOnTheChain(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "import", goodCSV)
	d.ok("482915\n", "admin", "pin", "set", "--account", "A-1", "--holder", "c1", "--kind", "master")
	// The PIN set left a notice in the outbox; a deliverer gives up on it.
	s, err := config.Load(config.Source{Flags: map[string]string{"data_dir": d.dataDir}, UserName: func() string { return "test" }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, st, err := openCore(ctx, s, existing)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	claimed, err := st.ClaimNotices(ctx, "test", now, time.Minute, 10)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %+v %v", claimed, err)
	}
	if err := st.NoticeFailed(ctx, claimed[0].ID, "test", store.NoticeFailure{Error: "HTTP 500", Dead: true}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	d.ok("", "admin", "events", "retry", claimed[0].ID)
	out, _ := d.ok("", "admin", "audit", "verify")
	if !strings.HasPrefix(out, "Intact through #3 (3 events checked from #1).") {
		t.Fatalf("verify after the retry: %q", out)
	}
	events, _ := d.ok("", "admin", "audit", "--limit", "1")
	if !strings.Contains(events, string(actionNoticeRetry)) {
		t.Fatalf("the last event is not the retry:\n%s", events)
	}
}

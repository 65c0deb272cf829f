package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/pindesk/pindesk/internal/mailpittest"
	"github.com/pindesk/pindesk/model"
)

// checkpointReceiver is a webhook receiver as an installation would run one: it checks every
// signature (Standard Webhooks) and keeps the bodies of those that pass.
type checkpointReceiver struct {
	t      *testing.T
	wh     *standardwebhooks.Webhook
	mu     sync.Mutex
	bodies [][]byte
	ids    []string
	bad    []string
}

func (r *checkpointReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		// A send cut off when the test stops serve arrives short: not a signature to judge.
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.wh.Verify(body, req.Header); err != nil {
		r.bad = append(r.bad, err.Error())
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	r.bodies = append(r.bodies, body)
	r.ids = append(r.ids, req.Header.Get("webhook-id"))
}

func (r *checkpointReceiver) received() ([][]byte, []string, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.bodies...), append([]string(nil), r.ids...), append([]string(nil), r.bad...)
}

func TestServeSendsScheduledAuditCheckpointsAsSignedWebhookEventsThatVerifyReads(t *testing.T) {
	t.Parallel()
	mp := mailpittest.Start(t)
	d := newDesk(t)
	d.ok("", "admin", "import", goodCSV)
	sec, _ := d.ok("", "admin", "events", "secret")
	secret := strings.TrimSpace(sec)
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	rcv := &checkpointReceiver{t: t, wh: wh}
	hook := httptest.NewServer(rcv)
	defer hook.Close()
	d.withSMTP(mp.SMTPPort)
	d.env["PINDESK_NOTIFY_EMAIL_EVENTS"] = "all" // every type a customer can be emailed: still no checkpoint
	d.env["PINDESK_NOTIFY_WEBHOOK_URLS"] = hook.URL + "/pindesk"

	// No file: the event alone is a place for the checkpoints to go.
	srv := d.serve("--log-level", "error", "--audit-checkpoint-every", "50ms", "--audit-checkpoint-notice")
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if got, _, _ := rcv.received(); len(got) >= 3 {
			break
		}
	}
	srv.stop()
	bodies, ids, bad := rcv.received()
	if len(bad) > 0 {
		t.Fatalf("signatures refused by the receiver: %v", bad)
	}
	if len(bodies) < 3 {
		t.Fatalf("%d checkpoint events received: %s", len(bodies), srv.errOut.String())
	}
	seen := map[string]bool{}
	var file bytes.Buffer
	for i, b := range bodies {
		var p struct {
			Type      model.NoticeType `json:"type"`
			Timestamp time.Time        `json:"timestamp"`
			Data      json.RawMessage  `json:"data"`
		}
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatalf("event %s: %v", b, err)
		}
		if p.Type != model.NoticeAuditCheckpoint || !strings.HasPrefix(ids[i], "ntc_") || seen[ids[i]] {
			t.Fatalf("event %s (webhook-id %q), want a fresh audit.checkpoint", b, ids[i])
		}
		seen[ids[i]] = true
		// data is exactly a checkpoint line: nothing else in it, the time and all 64 heads.
		dec := json.NewDecoder(bytes.NewReader(p.Data))
		dec.DisallowUnknownFields()
		var cp model.AuditCheckpoint
		if err := dec.Decode(&cp); err != nil || len(cp.Heads) != 64 || cp.Events() != 1 || !cp.Time.Equal(p.Timestamp) {
			t.Fatalf("event data %s: %+v, %v; want the checkpoint of the import's one event", p.Data, cp, err)
		}
		file.Write(p.Data)
		file.WriteByte('\n')
	}
	// The receiver keeps the data, a line per event: verify reads that file as a checkpoint file.
	cpFile := filepath.Join(t.TempDir(), "received.jsonl")
	if err := os.WriteFile(cpFile, file.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, _ := d.ok("", "admin", "audit", "verify", "--checkpoint", cpFile); !strings.Contains(out, "Reaches the checkpoint of ") {
		t.Fatalf("verify against the received checkpoints: %q", out)
	}
	// A checkpoint is nobody's email, whatever notify.email_events says.
	if msgs := mp.Await(t, 0); len(msgs) != 0 {
		t.Fatalf("mailpit received %d messages, want none: %+v", len(msgs), msgs)
	}
	// And the events list shows none failed (the email destination skipped them, it did not refuse).
	// A send still in flight when the test stopped serve fails with "context canceled": that is the
	// stop, not a refusal, and it is retried on the next start.
	out, _ := d.ok("", "admin", "events", "list", "--state", "failed")
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "audit.checkpoint") && !strings.Contains(line, "context canceled") {
			t.Fatalf("failed checkpoint events: %s", out)
		}
	}
}

func TestServeRefusesACheckpointEventWithoutAWebhook(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "import", goodCSV)
	code, _, errOut := d.run("", "serve", "--audit-checkpoint-every", "1h", "--audit-checkpoint-notice")
	if code != 1 || !strings.Contains(errOut, "serve.audit_checkpoint_notice (flag --audit-checkpoint-notice): needs notify.webhook_urls") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

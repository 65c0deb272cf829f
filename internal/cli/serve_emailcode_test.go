package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/config"
	"github.com/pindesk/pindesk/internal/mailpittest"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// These tests run the emailed code (issue 11) through the wiring only `pindesk serve` has: the
// core marks codes deliverable when notify.smtp_host is set, and the email destination opens the
// sealed code with the core's key. Olivia (A-1/c1 of good.csv) has olivia@bluebird.example on file.

// serving is `pindesk serve` run in process over the desk's data folder and environment.
type serving struct {
	url    string
	errOut *lockedBuffer
	stop   func() // as SIGINT: serve must exit 0
}

func (d *desk) serve(args ...string) *serving {
	d.t.Helper()
	t := d.t
	ctx, cancel := context.WithCancel(context.Background())
	var out lockedBuffer
	s := &serving{errOut: &lockedBuffer{}}
	a := newApp(strings.NewReader(""), &out, s.errOut)
	a.lookupEnv = func(k string) (string, bool) { v, ok := d.env[k]; return v, ok }
	a.homeDir = func() (string, error) { return filepath.Join(d.tmp, "home"), nil }
	a.userName = func() string { return "ada" }
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"--data-dir", d.dataDir, "serve", "--listen", "127.0.0.1:0"}, args...), a)
	}()
	stopped := false
	s.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve exited %d: %s", code, s.errOut.String())
			}
		case <-time.After(15 * time.Second):
			t.Error("serve did not stop when signalled")
		}
	}
	t.Cleanup(s.stop)
	for deadline := time.Now().Add(10 * time.Second); s.url == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, u, ok := strings.Cut(out.String(), "listening on "); ok {
			s.url = strings.TrimSpace(u)
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d before listening: %s", code, s.errOut.String())
		default:
		}
	}
	if s.url == "" {
		t.Fatalf("serve did not start: %s", s.errOut.String())
	}
	return s
}

// agentRemote issues an agent token with the admin command and connects to the server with it.
func (d *desk) agentRemote(url string) *client.Remote {
	d.t.Helper()
	file := filepath.Join(d.t.TempDir(), "agent.tok")
	d.ok("", "admin", "token", "create", "--name", "desk-3", "--role", "agent", "--out", file)
	tok, err := client.ReadTokenFile(file)
	if err != nil {
		d.t.Fatal(err)
	}
	r, err := client.NewRemote(url, tok)
	if err != nil {
		d.t.Fatal(err)
	}
	d.t.Cleanup(func() { r.Close() })
	return r
}

// withSMTP points the desk's notify settings at the mail server, as an installation does.
func (d *desk) withSMTP(port int) {
	for k, v := range map[string]string{"PINDESK_NOTIFY_SMTP_HOST": "127.0.0.1", "PINDESK_NOTIFY_SMTP_PORT": fmt.Sprint(port),
		"PINDESK_NOTIFY_SMTP_TLS": "none", "PINDESK_NOTIFY_EMAIL_FROM": "desk@pindesk.example",
		"PINDESK_NOTIFY_REPORT_URL": "https://portal.example/report"} {
		d.env[k] = v
	}
}

// codeNotices is the contact.code rows left in the installation's outbox (serve stopped).
func (d *desk) codeNotices() []store.OutboxEntry {
	d.t.Helper()
	s, err := config.Load(config.Source{Flags: map[string]string{"data_dir": d.dataDir}, UserName: func() string { return "test" }})
	if err != nil {
		d.t.Fatal(err)
	}
	_, st, err := openCore(context.Background(), s, existing)
	if err != nil {
		d.t.Fatal(err)
	}
	defer st.Close()
	ns, err := st.Notices(context.Background(), store.NoticeQuery{Limit: 1000})
	if err != nil {
		d.t.Fatal(err)
	}
	var out []store.OutboxEntry
	for _, n := range ns {
		if n.Type == model.NoticeCodeSent {
			out = append(out, n)
		}
	}
	return out
}

var emailedCode = regexp.MustCompile(`one-time code is: (\d{6})\b`)

func TestServeWithSMTPEmailsACodeThatTheCallerReadsBackToVerify(t *testing.T) {
	t.Parallel()
	mp := mailpittest.Start(t)
	d := newDesk(t)
	d.ok("", "admin", "import", goodCSV)
	d.withSMTP(mp.SMTPPort)
	srv := d.serve("--log-level", "debug") // debug logs every request: none may show the code
	r := d.agentRemote(srv.url)

	sent, err := r.SendCode(context.Background(), model.CodeRequest{AccountID: "A-1", Contact: "c1", Channel: model.ChannelPhone})
	if err != nil {
		t.Fatalf("send through serve with SMTP: %v", err)
	}
	if sent.SentTo != "o•••@bluebird.example" || time.Until(sent.ExpiresAt) < 9*time.Minute || time.Until(sent.ExpiresAt) > 10*time.Minute {
		t.Fatalf("sent %+v, want to o•••@bluebird.example for 10 minutes", sent)
	}
	msgs := mp.Await(t, 1)
	if len(msgs) != 1 || len(msgs[0].To) != 1 || msgs[0].To[0].Address != "olivia@bluebird.example" {
		t.Fatalf("messages %+v, want one to Olivia alone", msgs)
	}
	found := emailedCode.FindStringSubmatch(msgs[0].Text)
	if found == nil {
		t.Fatalf("the email shows no 6-digit code:\n%s", msgs[0].Text)
	}
	code := found[1]

	res, err := r.VerifyCaller(context.Background(), model.CallerVerifyRequest{AccountID: "A-1", Contact: "c1", PIN: code, Channel: model.ChannelPhone})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != model.OutcomeVerified || res.MatchedKind != model.KindEmailed || res.MatchedHolder != "c1" {
		t.Fatalf("verify with the emailed code: %+v, want verified by emailed code", res)
	}
	// Spent by that success: read again, it verifies nobody.
	if again, err := r.VerifyCaller(context.Background(), model.CallerVerifyRequest{AccountID: "A-1", Contact: "c1", PIN: code, Channel: model.ChannelPhone}); err != nil || again.Outcome == model.OutcomeVerified {
		t.Fatalf("the code read a second time: %+v %v, want it spent", again, err)
	}
	srv.stop()
	if strings.Contains(srv.errOut.String(), code) {
		t.Errorf("serve's log shows the code:\n%s", srv.errOut.String())
	}
	if left := d.codeNotices(); len(left) != 0 {
		t.Errorf("the sent code is still in the outbox: %+v", left)
	}
}

func TestServeWithoutSMTPAndTheEmbeddedAppRefuseToMakeACode(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "import", goodCSV)
	req := model.CodeRequest{AccountID: "A-1", Contact: "c1", Channel: model.ChannelPhone}

	srv := d.serve("--log-level", "error")
	_, err := d.agentRemote(srv.url).SendCode(context.Background(), req)
	var re *client.RemoteError
	if !errors.Is(err, model.ErrCodeUndeliverable) || !errors.As(err, &re) || re.Status != http.StatusNotImplemented || re.Code != "code_unavailable" {
		t.Fatalf("send through serve without SMTP: %v, want 501 code_unavailable", err)
	}
	srv.stop()
	if left := d.codeNotices(); len(left) != 0 {
		t.Fatalf("a refused send wrote to the outbox: %+v", left)
	}

	// The embedded app delivers nothing, so it makes no code even where SMTP is configured: only
	// serve sends the outbox.
	d.withSMTP(mailpittest.FreePort(t))
	var local error
	d.uiCheck = func(b client.Backend) {
		if _, ok := b.(*client.Local); !ok {
			t.Errorf("the app runs on %T, want the embedded core", b)
		}
		_, local = b.SendCode(context.Background(), req)
	}
	d.ok("")
	if !errors.Is(local, model.ErrCodeUndeliverable) {
		t.Fatalf("send from the embedded app: %v, want %v", local, model.ErrCodeUndeliverable)
	}
	if left := d.codeNotices(); len(left) != 0 {
		t.Fatalf("the embedded app's refused send wrote to the outbox: %+v", left)
	}
}

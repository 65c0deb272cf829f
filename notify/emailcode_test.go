package notify_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/internal/mailpittest"
	"github.com/pindesk/pindesk/internal/storetest"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/notify"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/secret"
)

// codeCore is the core as `pindesk serve` with SMTP builds it: codes are deliverable.
func (e *env) codeCore(t *testing.T) *core.Service {
	t.Helper()
	sealer, err := secret.New(storetest.TestKey)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := core.New(e.st, sealer, core.WithClock(e.clock), core.WithEmailCodes(core.CodeSettings{Deliverable: true}))
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func (e *env) codeEmail(t *testing.T, port int, svc *core.Service) *notify.Email {
	t.Helper()
	// notify.email_events selects no type here: a code is emailed whatever it says.
	em, err := notify.NewEmail(notify.EmailConfig{Host: "127.0.0.1", Port: port, TLS: "none", From: "desk@pindesk.example",
		ReportURL: "https://portal.example/not-me", Desk: "Example Support", OpenCode: svc.OpenCode, Now: e.clock.Now}, e.st.Account)
	if err != nil {
		t.Fatal(err)
	}
	return em
}

// codeLine is how the built-in template shows the code; the caller reads it from there.
var codeLine = regexp.MustCompile(`one-time code is: (\d+)`)

func TestACodeIsEmailedToTheCallerAloneNeverToAWebhookAndVerifiesAsEmailedCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	svc := e.codeCore(t)
	mp := mailpittest.Start(t)
	sec := notify.NewSecret()
	rcv := newReceiver(t, sec)
	wh, err := notify.NewWebhook(rcv.srv.URL+"/hook", sec)
	if err != nil {
		t.Fatal(err)
	}
	agent := storetest.Agent
	agent.TokenID = "tok-desk"
	sent, err := svc.SendCode(e.ctx, agent, model.CodeRequest{AccountID: storetest.Smith, Contact: storetest.Mary, Channel: model.ChannelPhone})
	if err != nil {
		t.Fatal(err)
	}
	if sent.SentTo != "m•••@oneil.example" {
		t.Errorf("sent to %q", sent.SentTo)
	}
	if n, err := e.deliverer(t, wh, e.codeEmail(t, mp.SMTPPort, svc)).RunOnce(e.ctx); err != nil || n != 1 {
		t.Fatalf("delivered %d: %v", n, err)
	}
	msgs := mp.Messages(t)
	if len(msgs) != 1 || len(msgs[0].To) != 1 || msgs[0].To[0].Address != "mary@oneil.example" {
		t.Fatalf("messages %+v, want one to Mary alone", msgs)
	}
	m := msgs[0]
	found := codeLine.FindStringSubmatch(m.Text)
	if len(found) != 2 || len(found[1]) != 6 || !strings.Contains(m.HTML, found[1]) || !strings.Contains(m.Subject, "one-time code") {
		t.Fatalf("the email shows no 6-digit code in its text and HTML; subject %q\n%s", m.Subject, m.Text)
	}
	code := found[1]
	if !strings.Contains(m.Text, sent.ExpiresAt.UTC().Format("15:04 UTC")) || !strings.Contains(m.Text, "https://portal.example/not-me") {
		t.Errorf("the email does not say until when, or where to report:\n%s", m.Text)
	}
	if posts := len(rcv.received()); posts != 0 {
		t.Errorf("a webhook received %d payloads; a code goes by email only", posts)
	}
	if left, err := e.st.Notices(e.ctx, store.NoticeQuery{}); err != nil || len(left) != 0 {
		t.Fatalf("outbox after delivery: %+v, %v", left, err)
	}

	res, err := svc.VerifyCaller(e.ctx, agent, model.CallerVerifyRequest{AccountID: storetest.Smith, Contact: storetest.Mary, PIN: code, Channel: model.ChannelPhone})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != model.OutcomeVerified || res.MatchedKind != model.KindEmailed {
		t.Fatalf("verified with the emailed code: %+v, want verified by emailed code", res)
	}
	evs, err := e.st.Audit(e.ctx, model.AuditQuery{AccountID: storetest.Smith})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if raw, _ := json.Marshal(ev); strings.Contains(string(raw), code) {
			t.Errorf("the audit carries the code: %s", raw)
		}
	}
}

func TestACodeWaitsForAServerThatSendsEmailAndAnExpiredOneIsDroppedUnsent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	svc := e.codeCore(t)
	sec := notify.NewSecret()
	rcv := newReceiver(t, sec)
	wh, err := notify.NewWebhook(rcv.srv.URL+"/hook", sec)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SendCode(e.ctx, storetest.Agent, model.CodeRequest{AccountID: storetest.Smith, Contact: storetest.John}); err != nil {
		t.Fatal(err)
	}
	// A server of the floor set up without SMTP: the code is not marked delivered having gone nowhere.
	if _, err := e.deliverer(t, wh).RunOnce(e.ctx); err != nil {
		t.Fatal(err)
	}
	left, err := e.st.Notices(e.ctx, store.NoticeQuery{})
	if err != nil || len(left) != 1 || left[0].Attempts != 1 || !strings.Contains(left[0].LastError, "email only") {
		t.Fatalf("outbox after a webhook-only server: %+v, %v", left, err)
	}
	if len(rcv.received()) != 0 {
		t.Error("a webhook received the code notice")
	}
	// Past its lifetime the code would verify nobody: the email server drops it without sending.
	mp := mailpittest.Start(t)
	e.clock.Advance(2 * time.Hour) // past the backoff, and the code's 10 minutes
	if n, err := e.deliverer(t, e.codeEmail(t, mp.SMTPPort, svc)).RunOnce(e.ctx); err != nil || n != 1 {
		t.Fatalf("delivered %d: %v", n, err)
	}
	if msgs := mp.Messages(t); len(msgs) != 0 {
		t.Errorf("an expired code was emailed: %+v", msgs)
	}
	if left, _ := e.st.Notices(e.ctx, store.NoticeQuery{}); len(left) != 0 {
		t.Errorf("the expired code stayed in the outbox: %+v", left)
	}
}

func TestTheCodeTemplatesAreOverriddenFromTheConfigFolderAndOneWithoutTheCodeIsRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := notify.EmailConfig{Host: "127.0.0.1", Port: 2525, TLS: "none", From: "desk@pindesk.example", ReportURL: "https://portal.example/", TemplateDir: dir}
	write := func(text string) {
		if err := os.WriteFile(filepath.Join(dir, notify.CodeTextTemplate), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(`{{define "subject"}}Code{{end}}Hello {{.Name}}, your code is on its way.`)
	if _, err := notify.NewEmail(cfg, nil); err == nil || !strings.Contains(err.Error(), "{{.Code}}") {
		t.Errorf("a code template without the code: %v, want refused at start", err)
	}
	write(`{{define "subject"}}Code{{end}}Hello {{.Name}}, read {{.Code}} to {{.Desk}} before {{.ValidUntil}}.`)
	if _, err := notify.NewEmail(cfg, nil); err != nil {
		t.Errorf("a code template of the config folder: %v", err)
	}
	write(`{{define "subject"}}Code{{end}}{{.Nope}}`)
	if _, err := notify.NewEmail(cfg, nil); err == nil || !strings.Contains(err.Error(), notify.CodeTextTemplate) {
		t.Errorf("a code template that fails on a field: %v, want refused naming the file", err)
	}
}

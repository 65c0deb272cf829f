package notify_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pindesk/pindesk/internal/mailpittest"
	"github.com/pindesk/pindesk/internal/storetest"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/notify"
	"github.com/pindesk/pindesk/store"
)

func (e *env) email(t *testing.T, port int, types ...model.NoticeType) *notify.Email {
	t.Helper()
	em, err := notify.NewEmail(notify.EmailConfig{Host: "127.0.0.1", Port: port, TLS: "none", From: "desk@pindesk.example",
		Types: types, ReportURL: "https://portal.example/not-me", Desk: "Example Support"}, e.st.Account)
	if err != nil {
		t.Fatal(err)
	}
	return em
}

func TestALockIsEmailedToEveryContactWithAnAddressWithoutThePINOrPhone(t *testing.T) {
	t.Parallel()
	mp := mailpittest.Start(t)
	e := newEnv(t)
	d := e.deliverer(t, e.email(t, mp.SMTPPort, model.NoticeLocked))
	e.setPIN(t, "482915") // pin.set is not among the types emailed
	for i := range e.svc.Policy().MaxFailures {
		if _, err := e.svc.Verify(e.ctx, storetest.Agent, model.VerifyRequest{AccountID: storetest.Smith, Holder: storetest.John, PIN: fmt.Sprintf("00000%d", i), Channel: model.ChannelChat}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := d.RunOnce(e.ctx); err != nil || n != 2 {
		t.Fatalf("delivered %d: %v", n, err)
	}
	msgs := mp.Messages(t)
	var to []string
	for _, m := range msgs {
		to = append(to, m.To[0].Address)
		for _, want := range []string{"locked after 6 wrong attempts", "chat", "Example Support", "alice", "https://portal.example/not-me", "100001"} {
			if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
				t.Errorf("the email to %s lacks %q:\n%s", m.To[0].Address, want, m.Text)
			}
		}
		for _, secret := range []string{"482915", "900123", "7700", "900456"} {
			if strings.Contains(m.Text+m.HTML+m.Subject, secret) {
				t.Errorf("the email to %s carries %q", m.To[0].Address, secret)
			}
		}
		if m.Subject != "Your support PIN was locked" {
			t.Errorf("subject %q", m.Subject)
		}
	}
	slices.Sort(to)
	if want := []string{"john.smith@example.com", "mary@oneil.example", "pat.kirby@example.com"}; !slices.Equal(to, want) {
		t.Errorf("emailed %v, want every contact with an address %v", to, want)
	}
	if left, _ := e.st.Notices(e.ctx, store.NoticeQuery{}); len(left) != 0 {
		t.Errorf("outbox after delivery: %+v", left)
	}
}

func TestARefusingSMTPServerOrARefusedRecipientIsRetriedThenDead(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		port   func(t *testing.T) int
		reason string
	}{
		{"no SMTP server listening", func(t *testing.T) int { return mailpittest.FreePort(t) }, "connection refused"},
		{"a recipient the server refuses", func(t *testing.T) int {
			return mailpittest.Start(t, "--smtp-allowed-recipients", `@example\.com$`).SMTPPort
		}, "mary@oneil.example"},
	} {
		t.Run(c.name, func(t *testing.T) {
			port := c.port(t)
			e := newEnv(t)
			d := e.deliverer(t, e.email(t, port, model.NoticeTypes...))
			e.setPIN(t, "482915")
			for tries := 0; ; tries++ {
				if _, err := d.RunOnce(e.ctx); err != nil {
					t.Fatal(err)
				}
				es, _ := e.st.Notices(e.ctx, store.NoticeQuery{})
				if len(es) != 1 || !strings.Contains(es[0].LastError, c.reason) {
					t.Fatalf("outbox %+v, want the notice failed with %q", es, c.reason)
				}
				if es[0].State == store.NoticeDead {
					break
				}
				if tries > 30 {
					t.Fatal("never dead")
				}
				e.clock.Advance(time.Hour)
			}
		})
	}
}

func TestTemplatesAreOverriddenFromTheConfigFolderAndABadOneRefusedAtStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg := notify.EmailConfig{Host: "127.0.0.1", Port: 25, TLS: "none", From: "d@x.example", ReportURL: "https://p.example/", TemplateDir: dir}
	write(notify.TextTemplate, `{{define "subject"}}Notice {{.ID}}{{end}}{{.Nonsense}}`)
	if _, err := notify.NewEmail(cfg, nil); err == nil || !strings.Contains(err.Error(), "Nonsense") {
		t.Errorf("a template naming an unknown field: %v", err)
	}
	write(notify.TextTemplate, `no subject`)
	if _, err := notify.NewEmail(cfg, nil); err == nil || !strings.Contains(err.Error(), "subject") {
		t.Errorf("a template without a subject: %v", err)
	}
	write(notify.TextTemplate, `{{define "subject"}}Notice {{.ID}}{{end}}{{.What}}`)
	if _, err := notify.NewEmail(cfg, nil); err != nil {
		t.Errorf("a good override refused: %v", err)
	}
}

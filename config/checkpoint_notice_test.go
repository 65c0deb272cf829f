package config

import (
	"errors"
	"strings"
	"testing"
)

func TestAnAuditCheckpointEventNeedsItsScheduleAndAWebhookAndFreesTheFile(t *testing.T) {
	hook := "http://127.0.0.1:9999/hook"
	for _, c := range []struct {
		name string
		env  env
		want string // "" : accepted
	}{
		{"the event with a schedule and a webhook, and no file", env{"PINDESK_SERVE_AUDIT_CHECKPOINT_NOTICE": "true",
			"PINDESK_SERVE_AUDIT_CHECKPOINT_EVERY": "1h", "PINDESK_NOTIFY_WEBHOOK_URLS": hook}, ""},
		{"the event beside a file", env{"PINDESK_SERVE_AUDIT_CHECKPOINT_NOTICE": "true", "PINDESK_SERVE_AUDIT_CHECKPOINT_EVERY": "1h",
			"PINDESK_SERVE_AUDIT_CHECKPOINT_FILE": "/srv/cp.jsonl", "PINDESK_NOTIFY_WEBHOOK_URLS": hook}, ""},
		{"the event without a schedule", env{"PINDESK_SERVE_AUDIT_CHECKPOINT_NOTICE": "true", "PINDESK_NOTIFY_WEBHOOK_URLS": hook},
			"serve.audit_checkpoint_notice (env PINDESK_SERVE_AUDIT_CHECKPOINT_NOTICE): needs serve.audit_checkpoint_every"},
		{"the event without a webhook (email alone never carries it)", env{"PINDESK_SERVE_AUDIT_CHECKPOINT_NOTICE": "true",
			"PINDESK_SERVE_AUDIT_CHECKPOINT_EVERY": "1h", "PINDESK_NOTIFY_SMTP_HOST": "smtp.example", "PINDESK_NOTIFY_EMAIL_FROM": "desk@example.com",
			"PINDESK_NOTIFY_REPORT_URL": "https://portal.example/report"},
			"serve.audit_checkpoint_notice (env PINDESK_SERVE_AUDIT_CHECKPOINT_NOTICE): needs notify.webhook_urls"},
		{"a schedule with neither a file nor the event", env{"PINDESK_SERVE_AUDIT_CHECKPOINT_EVERY": "1h", "PINDESK_NOTIFY_WEBHOOK_URLS": hook},
			"serve.audit_checkpoint_every (env PINDESK_SERVE_AUDIT_CHECKPOINT_EVERY): needs serve.audit_checkpoint_file, the file the checkpoints go to (or serve.audit_checkpoint_notice"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := Load(source(t, c.env, map[string]string{"data_dir": t.TempDir()}))
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if !s.Serve.AuditCheckpointNotice {
					t.Fatal("serve.audit_checkpoint_notice not read")
				}
				return
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

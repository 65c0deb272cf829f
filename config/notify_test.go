package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBadNotifySettingsAreRefusedNamingTheSetting(t *testing.T) {
	mail := map[string]string{"PINDESK_NOTIFY_SMTP_HOST": "127.0.0.1", "PINDESK_NOTIFY_SMTP_TLS": "none",
		"PINDESK_NOTIFY_EMAIL_FROM": "desk@example.com", "PINDESK_NOTIFY_REPORT_URL": "https://portal.example/report"}
	with := func(extra map[string]string) env {
		e := env{}
		for k, v := range mail {
			e[k] = v
		}
		for k, v := range extra {
			e[k] = v
		}
		return e
	}
	for _, c := range []struct {
		name string
		env  env
		want string
	}{
		{"a webhook URL that is not a URL", env{"PINDESK_NOTIFY_WEBHOOK_URLS": "hooks.example/x"}, "notify.webhook_urls"},
		{"a webhook over plain http to another machine", env{"PINDESK_NOTIFY_WEBHOOK_URLS": "http://hooks.example/x"}, "notify.webhook_urls"},
		{"a webhook URL carrying a password", env{"PINDESK_NOTIFY_WEBHOOK_URLS": "https://u:pw@hooks.example/x"}, "notify.webhook_urls"},
		{"a lease shorter than two sends", env{"PINDESK_NOTIFY_LEASE": "15s"}, "notify.lease"},
		{"a dispute that revokes an unknown set of PINs", env{"PINDESK_NOTIFY_DISPUTE_REVOKES": "master"}, "notify.dispute_revokes"},
		{"mail in the clear to another machine", with(map[string]string{"PINDESK_NOTIFY_SMTP_HOST": "smtp.example"}), "notify.smtp_tls"},
		{"an unknown TLS mode", with(map[string]string{"PINDESK_NOTIFY_SMTP_TLS": "ssl"}), "notify.smtp_tls"},
		{"a port out of range", with(map[string]string{"PINDESK_NOTIFY_SMTP_PORT": "70000"}), "notify.smtp_port"},
		{"a From that is not an address", with(map[string]string{"PINDESK_NOTIFY_EMAIL_FROM": "desk"}), "notify.email_from"},
		{"an unknown notice type", with(map[string]string{"PINDESK_NOTIFY_EMAIL_EVENTS": "holder.locked,pin.stolen"}), "notify.email_events"},
		{"no report URL", with(map[string]string{"PINDESK_NOTIFY_REPORT_URL": ""}), "notify.report_url"},
		{"a user without a password file", with(map[string]string{"PINDESK_NOTIFY_SMTP_USERNAME": "desk"}), "notify.smtp_password_file"},
		{"a CA file for mail sent without TLS", with(map[string]string{"PINDESK_NOTIFY_SMTP_CA_FILE": "/srv/ca.pem"}), "notify.smtp_ca_file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := Load(source(t, c.env, nil))
			if err == nil {
				err = s.Validate()
			}
			if err == nil || !strings.Contains(err.Error(), c.want+" (") && !strings.Contains(err.Error(), c.want+":") {
				t.Fatalf("err = %v, want one naming %s", err, c.want)
			}
		})
	}
	s, err := Load(source(t, with(map[string]string{"PINDESK_NOTIFY_WEBHOOK_URLS": "https://a.example/x, http://127.0.0.1:9/y",
		"PINDESK_NOTIFY_SMTP_TLS": "starttls", "PINDESK_NOTIFY_SMTP_CA_FILE": "/srv/ca.pem"}), nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatalf("good settings refused: %v", err)
	}
	if got := s.Notify.Webhooks(); len(got) != 2 || got[1] != "http://127.0.0.1:9/y" {
		t.Errorf("webhooks %q", got)
	}
}

// testCAPEM is a self-signed certificate (its key thrown away): a CA file the setting accepts.
const testCAPEM = `
-----BEGIN CERTIFICATE-----
MIIBZTCCAQugAwIBAgIBATAKBggqhkjOPQQDAjAaMRgwFgYDVQQDEw9waW5kZXNr
IHRlc3QgQ0EwHhcNMjUwMTAxMDAwMDAwWhcNNDUwMTAxMDAwMDAwWjAaMRgwFgYD
VQQDEw9waW5kZXNrIHRlc3QgQ0EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARN
ucXHl49d2yyvgJ5pyCwz08QDJIwxPJougclYr0k7wyZV34fsxyt+yqOvkmL+Wt2F
mzeJysmJnv/u/IJlu1VCo0IwQDAOBgNVHQ8BAf8EBAMCAgQwDwYDVR0TAQH/BAUw
AwEB/zAdBgNVHQ4EFgQUAa6VSE3BKyYNP83x6CcfWlPYVRowCgYIKoZIzj0EAwID
SAAwRQIgd0k/oevxXYcN+rS0ucrbSvSuIsA2n1SqeTX+sbEWgsYCIQCwCUak74MI
uP01iaJ4SKJSsz6iyOQlI/OxhXHV0zxAcg==
-----END CERTIFICATE-----
`

func TestACAFileMustHoldAPEMCertificate(t *testing.T) {
	dir := t.TempDir()
	notPEM, goodCA := filepath.Join(dir, "key.pem"), filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(notPEM, []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(goodCA, []byte(testCAPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCAFile(filepath.Join(dir, "missing.pem")); err == nil {
		t.Error("a missing CA file was accepted")
	}
	if _, err := LoadCAFile(notPEM); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("a file of a key: %v, want no PEM certificate", err)
	}
	if pool, err := LoadCAFile(goodCA); err != nil || pool == nil {
		t.Errorf("a good CA file: %v", err)
	}
}

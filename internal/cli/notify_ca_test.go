package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A CA file that holds no certificate refuses the start, naming notify.smtp_ca_file, rather than
// failing every email later.
func TestServeRefusesAnSMTPCAFileWithoutACertificateNamingTheSetting(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "init")
	notPEM := filepath.Join(t.TempDir(), "smtp-ca.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"PINDESK_NOTIFY_SMTP_HOST": "127.0.0.1", "PINDESK_NOTIFY_SMTP_TLS": "starttls",
		"PINDESK_NOTIFY_EMAIL_FROM": "desk@example.com", "PINDESK_NOTIFY_REPORT_URL": "https://portal.example/report",
		"PINDESK_NOTIFY_SMTP_CA_FILE": notPEM} {
		d.env[k] = v
	}
	code, _, errOut := d.run("", "serve", "--listen", "127.0.0.1:0")
	if code == 0 || !strings.Contains(errOut, "notify.smtp_ca_file") || !strings.Contains(errOut, "no PEM certificate") {
		t.Fatalf("exit %d %q, want a refusal naming notify.smtp_ca_file", code, errOut)
	}
}

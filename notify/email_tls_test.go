package notify_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pindesk/pindesk/config"
	"github.com/pindesk/pindesk/internal/mailpittest"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/notify"
	"github.com/pindesk/pindesk/store"
)

// testCA is a self-signed certificate for 127.0.0.1, written to files: Mailpit serves it, and a
// client trusts it only when given certFile as its CA file (notify.smtp_ca_file).
type testCA struct {
	certFile, keyFile string
}

func newTestCA(t *testing.T, name string) testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ca := testCA{certFile: filepath.Join(dir, name+".crt"), keyFile: filepath.Join(dir, name+".key")}
	write := func(path, typ string, b []byte) {
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(ca.certFile, "CERTIFICATE", der)
	write(ca.keyFile, "PRIVATE KEY", keyDER)
	return ca
}

// authFile is a Mailpit password file accepting user desk with password right-password.
func authFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "smtp-users")
	if err := os.WriteFile(path, []byte("desk:right-password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// tlsEmail is the email destination as `pindesk serve` builds it: its CA file read through the
// same loader the notify.smtp_ca_file setting uses.
func (e *env) tlsEmail(t *testing.T, port int, mode, caFile, password string) *notify.Email {
	t.Helper()
	roots, err := config.LoadCAFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	em, err := notify.NewEmail(notify.EmailConfig{Host: "127.0.0.1", Port: port, TLS: mode, Username: "desk", Password: password,
		RootCAs: roots, From: "desk@pindesk.example", Types: model.NoticeTypes, ReportURL: "https://portal.example/not-me", Desk: "Example Support"},
		e.st.Account)
	if err != nil {
		t.Fatal(err)
	}
	return em
}

// slowDeliverer gives a TLS session room: the shared deliverer's 300ms suits plain SMTP only.
func (e *env) slowDeliverer(t *testing.T, dst notify.Destination) *notify.Deliverer {
	t.Helper()
	d, err := notify.New(e.st, notify.Config{Destinations: []notify.Destination{dst}, Now: e.clock.Now, Timeout: 5 * time.Second,
		Lease: time.Minute, Backoff: func(int) time.Duration { return time.Hour }})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Mailpit's flags: --smtp-tls-cert/--smtp-tls-key offer STARTTLS, --smtp-require-starttls refuses
// a session that does not take it up, --smtp-require-tls makes the port implicit TLS instead;
// --smtp-auth-file requires a login.
func tlsFlags(ca testCA, mode string) []string {
	flags := []string{"--smtp-tls-cert", ca.certFile, "--smtp-tls-key", ca.keyFile, "--smtp-disable-rdns"}
	if mode == "tls" {
		return append(flags, "--smtp-require-tls")
	}
	return append(flags, "--smtp-require-starttls")
}

func TestEmailOverSTARTTLSOrImplicitTLSWithALoginIsDelivered(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"starttls", "tls"} {
		t.Run(mode, func(t *testing.T) {
			ca := newTestCA(t, "desk-ca")
			mp := mailpittest.Start(t, append(tlsFlags(ca, mode), "--smtp-auth-file", authFile(t))...)
			e := newEnv(t)
			d := e.slowDeliverer(t, e.tlsEmail(t, mp.SMTPPort, mode, ca.certFile, "right-password"))
			e.setPIN(t, "482915")
			if n, err := d.RunOnce(e.ctx); err != nil || n != 1 {
				t.Fatalf("claimed %d: %v", n, err)
			}
			if left, _ := e.st.Notices(e.ctx, store.NoticeQuery{}); len(left) != 0 {
				t.Fatalf("outbox after delivery over %s: %+v", mode, left)
			}
			msgs := mp.Messages(t)
			if len(msgs) != 3 { // every contact of the account with an address
				t.Fatalf("Mailpit holds %d messages, want 3", len(msgs))
			}
			for _, m := range msgs {
				if m.Subject != "Your support PIN was changed" || strings.Contains(m.Text+m.HTML, "482915") {
					t.Errorf("message to %s: %q", m.To[0].Address, m.Subject)
				}
			}
		})
	}
}

// A server whose certificate the client does not trust, or that refuses the login, gets nothing:
// the notice is retried through its window and then dead with the reason, and no message ever
// reaches the server (TLS is never dropped to send in the clear).
func TestAnUntrustedCertificateOrARefusedLoginIsRetriedThenDeadAndNothingSent(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name     string
		mode     string
		trusted  bool
		password string
		reason   string
	}{
		{"STARTTLS with a certificate from a CA not trusted", "starttls", false, "right-password", "certificate signed by unknown authority"},
		{"implicit TLS with a certificate from a CA not trusted", "tls", false, "right-password", "certificate signed by unknown authority"},
		{"STARTTLS with a wrong password", "starttls", true, "wrong-password", "535"},
		{"implicit TLS with a wrong password", "tls", true, "wrong-password", "535"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ca := newTestCA(t, "server-ca")
			mp := mailpittest.Start(t, append(tlsFlags(ca, c.mode), "--smtp-auth-file", authFile(t))...)
			trust := ca.certFile
			if !c.trusted {
				trust = newTestCA(t, "other-ca").certFile
			}
			e := newEnv(t)
			d := e.slowDeliverer(t, e.tlsEmail(t, mp.SMTPPort, c.mode, trust, c.password))
			e.setPIN(t, "482915")
			tries := 0
			for {
				if _, err := d.RunOnce(e.ctx); err != nil {
					t.Fatal(err)
				}
				tries++
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
			if tries != 25 {
				t.Errorf("%d tries, want one an hour through the 24-hour window", tries)
			}
			if msgs := mp.Messages(t); len(msgs) != 0 {
				t.Errorf("Mailpit received %d messages from a session that should have ended", len(msgs))
			}
		})
	}
}

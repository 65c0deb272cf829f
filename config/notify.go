package config

import (
	"crypto/x509"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pindesk/pindesk/model"
)

// Notify configures the customer notices `pindesk serve` delivers (issue 11): signed webhooks to
// each of WebhookURLs, and email over SMTP to each contact on file with an address.
type Notify struct {
	WebhookURLs string // comma-separated https:// URLs (http:// to a loopback address only)
	// WebhookSecretFile holds the Standard Webhooks signing secret (whsec_ + base64), kept apart
	// from the database like the PIN key; empty: webhook.secret beside the key file.
	WebhookSecretFile string
	Timeout           time.Duration // one send (a webhook POST, an SMTP session)
	Lease             time.Duration // how long a server holds a notice it is sending
	RetryFor          time.Duration // how long a failing notice is retried before it is dead

	SMTPHost         string
	SMTPPort         int
	SMTPTLS          string // starttls, tls (implicit) or none (loopback only)
	SMTPUsername     string // empty: no authentication
	SMTPPasswordFile string
	// SMTPCAFile holds the PEM certificates of the CAs trusted for the SMTP server's certificate,
	// in place of the system's (a private mail relay); empty: the system's.
	SMTPCAFile  string
	EmailFrom   string
	EmailEvents string // comma-separated notice types emailed; "all" for every type
	ReportURL   string // where a customer says "that wasn't me" (the portal)
	DeskName    string // how emails name the desk
	// DisputeRevokes is which PINs a customer's dispute revokes: "one-time+temporary" or "all"
	// (see model.DisputeRevokes). It applies wherever the core runs, delivery or not.
	DisputeRevokes string
}

// Defaults of the notify settings.
const (
	DefaultNotifyTimeout  = 10 * time.Second
	DefaultNotifyLease    = 2 * time.Minute
	DefaultNotifyRetryFor = 24 * time.Hour
	DefaultSMTPPort       = 587
	DefaultDeskName       = "the support desk"
)

// Webhooks returns the webhook URLs, split.
func (n Notify) Webhooks() []string { return splitList(n.WebhookURLs) }

// Emailed returns the notice types emailed.
func (n Notify) Emailed() []model.NoticeType {
	list := splitList(n.EmailEvents)
	if len(list) == 1 && list[0] == "all" {
		return model.NoticeTypes
	}
	out := make([]model.NoticeType, len(list))
	for i, t := range list {
		out[i] = model.NoticeType(t)
	}
	return out
}

// Enabled reports whether any notice channel is configured.
func (n Notify) Enabled() bool { return len(n.Webhooks()) > 0 || n.SMTPHost != "" }

// SecretFile is the webhook secret's file: the setting, or webhook.secret beside the key file.
func (n Notify) SecretFile(keyFile string) string {
	if n.WebhookSecretFile != "" {
		return n.WebhookSecretFile
	}
	return filepath.Join(filepath.Dir(keyFile), "webhook.secret")
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// The notify keys join the table at start; they live here so the feature is in one file.
func init() {
	sections["notify"] = true
	settings = append(settings,
		str("notify.webhook_urls", "comma-separated https:// URLs that receive signed customer notices (Standard Webhooks)", typeString, func(s *Settings) *string { return &s.Notify.WebhookURLs }),
		str("notify.webhook_secret_file", "file of the webhook signing secret (whsec_…, mode 0600); empty: webhook.secret beside the key file", typePath, func(s *Settings) *string { return &s.Notify.WebhookSecretFile }),
		duration("notify.timeout", "longest one delivery of a notice may take (a webhook POST, an SMTP session)", func(s *Settings) *time.Duration { return &s.Notify.Timeout }),
		duration("notify.lease", "how long a server holds a notice it is sending before another may take it over", func(s *Settings) *time.Duration { return &s.Notify.Lease }),
		duration("notify.retry_for", "how long a failing notice is retried, with backoff, before it is dead", func(s *Settings) *time.Duration { return &s.Notify.RetryFor }),
		str("notify.smtp_host", "SMTP server that sends notice emails; empty: no email", typeString, func(s *Settings) *string { return &s.Notify.SMTPHost }),
		integer("notify.smtp_port", "the SMTP server's port", func(s *Settings) *int { return &s.Notify.SMTPPort }),
		str("notify.smtp_tls", "starttls, tls (implicit TLS) or none (a loopback server only)", typeString, func(s *Settings) *string { return &s.Notify.SMTPTLS }),
		str("notify.smtp_username", "SMTP user name; empty: no authentication", typeString, func(s *Settings) *string { return &s.Notify.SMTPUsername }),
		str("notify.smtp_password_file", "file of the SMTP password (mode 0600)", typePath, func(s *Settings) *string { return &s.Notify.SMTPPasswordFile }),
		str("notify.smtp_ca_file", "PEM file of the CA certificates trusted for the SMTP server's certificate, instead of the system's; empty: the system's", typePath, func(s *Settings) *string { return &s.Notify.SMTPCAFile }),
		str("notify.email_from", "the From address of notice emails", typeString, func(s *Settings) *string { return &s.Notify.EmailFrom }),
		str("notify.email_events", `comma-separated notice types that are emailed, or "all"`, typeString, func(s *Settings) *string { return &s.Notify.EmailEvents }),
		str("notify.report_url", `where a customer reports "that wasn't me" (your portal), named in every email`, typeString, func(s *Settings) *string { return &s.Notify.ReportURL }),
		str("notify.desk_name", "how notice emails name your desk", typeString, func(s *Settings) *string { return &s.Notify.DeskName }),
		str("notify.dispute_revokes", `which PINs a customer's "that wasn't me" revokes on the account: one-time+temporary or all`, typeString, func(s *Settings) *string { return &s.Notify.DisputeRevokes }),
	)
}

func defaultNotify() Notify {
	return Notify{Timeout: DefaultNotifyTimeout, Lease: DefaultNotifyLease, RetryFor: DefaultNotifyRetryFor,
		SMTPPort: DefaultSMTPPort, SMTPTLS: "starttls", EmailEvents: "all", DeskName: DefaultDeskName,
		DisputeRevokes: string(model.RevokeShortLived)}
}

func (n Notify) validate(origin map[string]string) []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &Error{Key: key, Source: origin[key], Err: fmt.Errorf(format, args...)})
	}
	for _, raw := range n.Webhooks() {
		if err := checkWebhookURL(raw); err != nil {
			bad("notify.webhook_urls", "%v", err)
		}
	}
	if n.Timeout < 100*time.Millisecond || n.Timeout > 5*time.Minute {
		bad("notify.timeout", "%v must lie within 100ms..5m", n.Timeout)
	}
	// A send is cut off well inside its lease, so no other server takes a notice over while it is
	// still being sent.
	if n.Lease < 2*n.Timeout {
		bad("notify.lease", "%v must be at least twice notify.timeout (%v)", n.Lease, n.Timeout)
	}
	if n.RetryFor < time.Minute || n.RetryFor > 30*24*time.Hour {
		bad("notify.retry_for", "%v must lie within 1m..720h", n.RetryFor)
	}
	if _, err := model.ParseDisputeRevokes(n.DisputeRevokes); err != nil {
		bad("notify.dispute_revokes", "%q (want one-time+temporary or all)", n.DisputeRevokes)
	}
	if n.SMTPHost == "" {
		return errs
	}
	if strings.ContainsAny(n.SMTPHost, "/:@ ") {
		bad("notify.smtp_host", "%q is not a host name (give the port in notify.smtp_port)", n.SMTPHost)
	}
	if n.SMTPPort < 1 || n.SMTPPort > 65535 {
		bad("notify.smtp_port", "%d is not a port (1..65535)", n.SMTPPort)
	}
	switch n.SMTPTLS {
	case "starttls", "tls":
	case "none":
		if !loopbackHost(n.SMTPHost) {
			bad("notify.smtp_tls", "none sends mail in the clear and is allowed only to a loopback server, not %q", n.SMTPHost)
		}
	default:
		bad("notify.smtp_tls", "%q (want starttls, tls or none)", n.SMTPTLS)
	}
	// The file itself is read when `pindesk serve` starts sending (LoadCAFile), like the password file.
	if n.SMTPCAFile != "" && n.SMTPTLS == "none" {
		bad("notify.smtp_ca_file", "a CA file is for TLS, but notify.smtp_tls is none")
	}
	if (n.SMTPUsername == "") != (n.SMTPPasswordFile == "") {
		bad("notify.smtp_password_file", "notify.smtp_username and notify.smtp_password_file go together")
	}
	if a, err := mail.ParseAddress(n.EmailFrom); err != nil || a.Name != "" {
		bad("notify.email_from", "%q is not a plain email address", n.EmailFrom)
	}
	for _, t := range n.Emailed() {
		if !isNoticeType(t) {
			bad("notify.email_events", "%q is not a notice type (want all, or some of %s)", t, noticeTypeList())
		}
	}
	if u, err := url.Parse(n.ReportURL); n.ReportURL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		bad("notify.report_url", "%q is not an http(s) URL; every email tells the customer where to report \"that wasn't me\"", n.ReportURL)
	}
	return errs
}

// LoadCAFile reads a PEM file of CA certificates into a pool; a file with none is refused, so a
// wrong file (a key, a DER certificate) is caught at start rather than as a failed send.
func LoadCAFile(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return pool, nil
}

func checkWebhookURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil {
		return fmt.Errorf("%q is not a URL of a host (and may not carry a user or password)", RedactDatabase(raw))
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !loopbackHost(u.Hostname()) {
			return fmt.Errorf("%q: notices leave this machine over https:// only (http:// to a loopback address is allowed)", RedactDatabase(raw))
		}
	default:
		return fmt.Errorf("%q: want an https:// URL", RedactDatabase(raw))
	}
	return nil
}

func loopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func isNoticeType(t model.NoticeType) bool {
	for _, k := range model.NoticeTypes {
		if k == t {
			return true
		}
	}
	return false
}

func noticeTypeList() string {
	s := make([]string, len(model.NoticeTypes))
	for i, t := range model.NoticeTypes {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

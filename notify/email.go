package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/pindesk/pindesk/internal/fileperm"
	"github.com/pindesk/pindesk/model"
)

//go:embed templates/*.tmpl
var builtin embed.FS

// Template file names; a file of the same name in the override folder replaces the built-in one.
const (
	TextTemplate = "email.txt.tmpl" // plain text; its "subject" template is the Subject line
	HTMLTemplate = "email.html.tmpl"
)

// EmailConfig configures the email destination.
type EmailConfig struct {
	Host     string
	Port     int
	TLS      string // starttls, tls (implicit) or none
	Username string // empty: no authentication
	Password string
	// RootCAs are the CAs trusted for the server's certificate; nil: the system's.
	RootCAs *x509.CertPool
	From    string
	Types   []model.NoticeType // the notice types emailed
	// ReportURL is where a customer says "that wasn't me", in every email.
	ReportURL string
	Desk      string
	// TemplateDir may hold email.txt.tmpl and email.html.tmpl replacing the built-in ones (and
	// code.txt.tmpl and code.html.tmpl, for the emailed codes).
	TemplateDir string
	// OpenCode opens the sealed code of a contact.code notice (core.Service.OpenCode); nil: this
	// destination sends no codes (each such notice fails, to be retried by a server that can).
	OpenCode func(model.Notice) (string, error)
	// Now is the clock that tells an expired code (default time.Now).
	Now func() time.Time
}

// Accounts looks an account up, for its contacts' addresses.
type Accounts func(ctx context.Context, id string) (model.Account, error)

// Email sends a notice to every contact of the account with an email address, for the notice
// types configured. It says what happened, when, on which channel and through which desk, and
// where to report it: never a PIN, a code or a phone number (the templates see none).
type Email struct {
	cfg      EmailConfig
	accounts Accounts
	types    map[model.NoticeType]bool
	text     *texttemplate.Template
	html     *htmltemplate.Template
	opts     []mail.Option
	code     codeTemplates // emailcode.go
}

// NewEmail returns the email destination; bad templates are refused here, at start.
func NewEmail(cfg EmailConfig, accounts Accounts) (*Email, error) {
	e := &Email{cfg: cfg, accounts: accounts, types: map[model.NoticeType]bool{}}
	for _, t := range cfg.Types {
		e.types[t] = true
	}
	text, err := loadTemplate(cfg.TemplateDir, TextTemplate)
	if err != nil {
		return nil, err
	}
	if e.text, err = texttemplate.New(TextTemplate).Option("missingkey=error").Parse(text); err != nil {
		return nil, fmt.Errorf("email template %s: %w", TextTemplate, err)
	}
	if e.text.Lookup("subject") == nil {
		return nil, fmt.Errorf("email template %s: it must define \"subject\"", TextTemplate)
	}
	html, err := loadTemplate(cfg.TemplateDir, HTMLTemplate)
	if err != nil {
		return nil, err
	}
	if e.html, err = htmltemplate.New(HTMLTemplate).Option("missingkey=error").Parse(html); err != nil {
		return nil, fmt.Errorf("email template %s: %w", HTMLTemplate, err)
	}
	// Every template is tried once on a sample, so a template that fails on a field is refused now.
	if _, _, _, err := e.render(sampleData()); err != nil {
		return nil, err
	}
	if e.code, err = loadCodeTemplates(cfg.TemplateDir); err != nil {
		return nil, err
	}
	if e.cfg.Now == nil {
		e.cfg.Now = time.Now
	}
	// The server's certificate is checked against the host name dialled, under the CAs given; a
	// certificate that does not check out ends the session before anything is sent.
	e.opts = []mail.Option{mail.WithPort(cfg.Port),
		mail.WithTLSConfig(&tls.Config{ServerName: cfg.Host, RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12})}
	switch cfg.TLS {
	case "tls":
		e.opts = append(e.opts, mail.WithSSL())
	case "none":
		e.opts = append(e.opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		e.opts = append(e.opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if cfg.Username != "" {
		e.opts = append(e.opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(cfg.Username), mail.WithPassword(cfg.Password))
	}
	return e, nil
}

// ReadPassword reads the SMTP password from its file, which must be private to its owner.
func ReadPassword(path string) (string, error) {
	if err := fileperm.Private(path); err != nil {
		return "", err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

func loadTemplate(dir, name string) (string, error) {
	if dir != "" {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err == nil {
			return string(b), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("email template: %w", err)
		}
	}
	b, err := builtin.ReadFile("templates/" + name)
	return string(b), err
}

func (e *Email) Name() string    { return "email" }
func (e *Email) Channel() string { return "email" }

// Data is what an email template sees.
type Data struct {
	ID            string // the notice's id, for the customer to quote
	Type          model.NoticeType
	Headline      string // "Your support PIN was changed"
	What          string // a sentence
	When          string // UTC, to the minute
	Channel       string
	Desk          string
	Operator      string // who at the desk acted; empty for the portal and the system
	AccountNumber string
	Name          string // the contact addressed
	ReportURL     string
}

func sampleData() Data {
	return Data{ID: "ntc_SAMPLE", Type: model.NoticeLocked, Headline: "h", What: "w", When: "t", Channel: "phone",
		Desk: "d", Operator: "o", AccountNumber: "1", Name: "n", ReportURL: "https://example.com/"}
}

func (e *Email) Send(ctx context.Context, n model.Notice) error {
	if n.Type == model.NoticeCodeSent {
		return e.sendCode(ctx, n) // to the calling contact only, whatever notify.email_events says
	}
	if !e.types[n.Type] || n.Type == model.NoticeAgentAnomaly || webhookOnly(n) {
		return nil // an anomaly alert is the supervisors' (webhook), about a desk: no customer hears of it
	}
	acct, err := e.accounts(ctx, n.AccountID)
	if errors.Is(err, model.ErrUnknownAccount) {
		return nil // the account is gone: nobody to tell
	}
	if err != nil {
		return err
	}
	var msgs []*mail.Msg
	for i, c := range acct.Contacts {
		if c.Email == "" {
			continue
		}
		d := describe(n, acct, c, e.cfg)
		subject, text, html, err := e.render(d)
		if err != nil {
			return err
		}
		m := mail.NewMsg()
		if err := m.From(e.cfg.From); err != nil {
			return fmt.Errorf("from: %w", err)
		}
		if err := m.To(c.Email); err != nil {
			return fmt.Errorf("contact %d of the account has an address that cannot be mailed: %w", i+1, err)
		}
		m.Subject(subject)
		// A stable id per notice and contact: a mail system drops the duplicate of a retry.
		m.SetMessageIDWithValue(fmt.Sprintf("%s.%d@pindesk", n.ID, i))
		m.SetDate()
		m.SetBodyString(mail.TypeTextPlain, text)
		m.AddAlternativeString(mail.TypeTextHTML, html)
		msgs = append(msgs, m)
	}
	if len(msgs) == 0 {
		return nil
	}
	c, err := mail.NewClient(e.cfg.Host, e.opts...)
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, msgs...)
}

func (e *Email) render(d Data) (subject, text, html string, err error) {
	var sb, tb, hb strings.Builder
	if err := e.text.ExecuteTemplate(&sb, "subject", d); err != nil {
		return "", "", "", fmt.Errorf("email subject: %w", err)
	}
	if err := e.text.Execute(&tb, d); err != nil {
		return "", "", "", fmt.Errorf("email text: %w", err)
	}
	if err := e.html.Execute(&hb, d); err != nil {
		return "", "", "", fmt.Errorf("email HTML: %w", err)
	}
	return strings.TrimSpace(sb.String()), tb.String(), hb.String(), nil
}

// describe puts a notice in words for one contact.
func describe(n model.Notice, acct model.Account, c model.Contact, cfg EmailConfig) Data {
	whose := "your account's shared support PIN"
	if n.Holder != "" && n.Holder != model.AccountWide {
		whose = "the support PIN of " + contactName(acct, n.Holder)
	}
	headline, what := "", ""
	switch n.Type {
	case model.NoticeLocked:
		headline, what = "Your support PIN was locked", fmt.Sprintf("%s was locked after %d wrong attempts in a row.", capital(whose), n.Failures)
	case model.NoticeHardLocked:
		headline, what = "Your support PIN was locked for your protection", fmt.Sprintf("%s was locked after too many wrong attempts; only you (through the portal) or an administrator can unlock it.", capital(whose))
	case model.NoticeUnlocked:
		headline, what = "Your support PIN was unlocked", capital(whose)+" was unlocked."
	case model.NoticeAccountReset:
		headline, what = "Your support PINs were reset", "Every support PIN on your account was revoked and every lock cleared. Set a new PIN before your next call."
	case model.NoticePINGenerated:
		headline, what = "A new support PIN was issued", fmt.Sprintf("A new %s PIN was issued: %s was replaced.", n.Kind, whose)
	case model.NoticePINSet:
		headline, what = "Your support PIN was changed", fmt.Sprintf("A new %s PIN was set: %s was changed.", n.Kind, whose)
	case model.NoticePINCleared:
		headline, what = "A support PIN was removed", fmt.Sprintf("The %s PIN was removed from %s.", n.Kind, whose)
	case model.NoticeVerifiedAfterFailures:
		headline, what = "Your support PIN was given after wrong attempts", fmt.Sprintf("A caller gave %s correctly after %d wrong attempts.", whose, n.Failures)
	case model.NoticeDisputed:
		headline, what = "You reported a call that wasn't you", "We received your report and are looking into it."
	default:
		headline, what = "Something changed on your account", string(n.Type)
	}
	op := n.Operator
	if n.Role == model.OpPortal {
		op = ""
	}
	return Data{ID: n.ID, Type: n.Type, Headline: headline, What: what, When: n.Time.UTC().Format("2 Jan 2006 15:04 UTC"),
		Channel: string(n.Channel), Desk: cfg.Desk, Operator: op, AccountNumber: acct.Number, Name: c.Name, ReportURL: cfg.ReportURL}
}

func contactName(acct model.Account, id string) string {
	if c, ok := acct.Contact(id); ok {
		return c.Name
	}
	return "a contact"
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

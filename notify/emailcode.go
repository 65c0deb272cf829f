package notify

import (
	"context"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"

	"github.com/wneessen/go-mail"

	"github.com/pindesk/pindesk/model"
)

// The code emailed to a calling contact (issue 11) travels as a contact.code notice whose code is
// sealed to it (model.Notice.Sealed). Only the email destination takes it, and only this file
// opens it, at the moment of sending: it is never in a webhook, a log line or an error.

// Template file names of the code email; a file of the same name in the override folder replaces
// the built-in one.
const (
	CodeTextTemplate = "code.txt.tmpl" // plain text; its "subject" template is the Subject line
	CodeHTMLTemplate = "code.html.tmpl"
)

// CodeData is what a code email template sees.
type CodeData struct {
	ID            string // the notice's id, for the customer to quote
	Name          string // the contact addressed
	Code          string
	ValidUntil    string // UTC, to the minute
	Desk          string
	Operator      string // the agent who sent it
	AccountNumber string
	ReportURL     string
}

type codeTemplates struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

func loadCodeTemplates(dir string) (codeTemplates, error) {
	var t codeTemplates
	text, err := loadTemplate(dir, CodeTextTemplate)
	if err != nil {
		return t, err
	}
	if t.text, err = texttemplate.New(CodeTextTemplate).Option("missingkey=error").Parse(text); err != nil {
		return t, fmt.Errorf("email template %s: %w", CodeTextTemplate, err)
	}
	if t.text.Lookup("subject") == nil {
		return t, fmt.Errorf("email template %s: it must define \"subject\"", CodeTextTemplate)
	}
	html, err := loadTemplate(dir, CodeHTMLTemplate)
	if err != nil {
		return t, err
	}
	if t.html, err = htmltemplate.New(CodeHTMLTemplate).Option("missingkey=error").Parse(html); err != nil {
		return t, fmt.Errorf("email template %s: %w", CodeHTMLTemplate, err)
	}
	sample := CodeData{ID: "ntc_SAMPLE", Name: "n", Code: "000000", ValidUntil: "t", Desk: "d", Operator: "o", AccountNumber: "1", ReportURL: "https://example.com/"}
	if _, _, _, err := t.render(sample); err != nil {
		return t, err
	}
	// A template that leaves the code out would tell the agent "sent" for an email that cannot
	// identify anyone.
	if _, text, _, _ := t.render(sample); !strings.Contains(text, sample.Code) {
		return t, fmt.Errorf("email template %s: it must show {{.Code}}", CodeTextTemplate)
	}
	return t, nil
}

func (t codeTemplates) render(d CodeData) (subject, text, html string, err error) {
	var sb, tb, hb strings.Builder
	if err := t.text.ExecuteTemplate(&sb, "subject", d); err != nil {
		return "", "", "", fmt.Errorf("code email subject: %w", err)
	}
	if err := t.text.Execute(&tb, d); err != nil {
		return "", "", "", fmt.Errorf("code email text: %w", err)
	}
	if err := t.html.Execute(&hb, d); err != nil {
		return "", "", "", fmt.Errorf("code email HTML: %w", err)
	}
	return strings.TrimSpace(sb.String()), tb.String(), hb.String(), nil
}

// sendCode emails a contact.code notice's code to the contact it was made for, at the address on
// file now. A code that expired before it could be sent is dropped: it would verify nobody. Errors
// name no code and no address.
func (e *Email) sendCode(ctx context.Context, n model.Notice) error {
	if n.ExpiresAt != nil && !e.cfg.Now().Before(*n.ExpiresAt) {
		return nil
	}
	if e.cfg.OpenCode == nil {
		return errors.New("this server cannot open emailed codes")
	}
	acct, err := e.accounts(ctx, n.AccountID)
	if errors.Is(err, model.ErrUnknownAccount) {
		return nil // the account is gone: nobody to send it to
	}
	if err != nil {
		return err
	}
	c, ok := acct.Contact(n.Holder)
	if !ok || c.Email == "" {
		return nil // the contact or their address left the account since: nobody to send it to
	}
	code, err := e.cfg.OpenCode(n)
	if err != nil {
		return errors.New("the code does not open under this server's key (was the key rotated?)")
	}
	d := CodeData{ID: n.ID, Name: c.Name, Code: code, Desk: e.cfg.Desk, Operator: n.Operator, AccountNumber: acct.Number, ReportURL: e.cfg.ReportURL}
	if n.ExpiresAt != nil {
		d.ValidUntil = n.ExpiresAt.UTC().Format("15:04 UTC, 2 Jan 2006")
	}
	subject, text, html, err := e.code.render(d)
	if err != nil {
		return err
	}
	m := mail.NewMsg()
	if err := m.From(e.cfg.From); err != nil {
		return fmt.Errorf("from: %w", err)
	}
	if err := m.To(c.Email); err != nil {
		return errors.New("the contact's address on file cannot be mailed")
	}
	m.Subject(subject)
	m.SetMessageIDWithValue(n.ID + ".code@pindesk")
	m.SetDate()
	m.SetBodyString(mail.TypeTextPlain, text)
	m.AddAlternativeString(mail.TypeTextHTML, html)
	client, err := mail.NewClient(e.cfg.Host, e.opts...)
	if err != nil {
		return err
	}
	return client.DialAndSendWithContext(ctx, m)
}

// forDestination reports whether n goes to dst: a code goes by email only, never to a webhook;
// an audit checkpoint by webhook only.
func forDestination(n model.Notice, dst Destination) bool {
	if webhookOnly(n) { // checkpoint.go
		return dst.Channel() == "webhook"
	}
	return n.Type != model.NoticeCodeSent || dst.Channel() == "email"
}

// codeRoute refuses a code on a deliverer with no email destination (a server of the floor set up
// without SMTP): the notice stays pending, for a server that can send it, rather than being marked
// delivered having gone nowhere.
func (d *Deliverer) codeRoute(n model.Notice) error {
	if n.Type != model.NoticeCodeSent {
		return nil
	}
	for _, dst := range d.cfg.Destinations {
		if dst.Channel() == "email" {
			return nil
		}
	}
	return errors.New("a code is sent by email only, and this server has no email destination")
}

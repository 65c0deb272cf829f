package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/pindesk/pindesk/internal/fileperm"
	"github.com/pindesk/pindesk/model"
)

// Webhook POSTs notices to one endpoint, signed per the Standard Webhooks specification: the
// webhook-id header is the notice's id (stable across retries: a receiver drops duplicates),
// webhook-timestamp the send time, webhook-signature "v1," + base64 HMAC-SHA256 of
// "id.timestamp.body" under the shared secret. Any 2xx is delivered; anything else (a redirect
// included) is a failure, retried.
type Webhook struct {
	url    string
	name   string
	signer *standardwebhooks.Webhook
	client *http.Client
	now    func() time.Time
}

// Payload is the body of a webhook, in the specification's shape.
type Payload struct {
	Type      model.NoticeType `json:"type"`
	Timestamp time.Time        `json:"timestamp"`
	Data      model.Notice     `json:"data"`
}

// NewWebhook returns the destination for endpoint, signing with secret (whsec_ + base64).
func NewWebhook(endpoint, secret string) (*Webhook, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("%w: webhook URL %q", model.ErrInvalidInput, endpoint)
	}
	signer, err := ParseSecret(secret)
	if err != nil {
		return nil, err
	}
	return &Webhook{url: endpoint, name: "webhook " + u.Redacted(), signer: signer, now: time.Now,
		client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}, nil
}

// ParseSecret checks a Standard Webhooks secret: whsec_ and the base64 of at least 24 bytes.
func ParseSecret(secret string) (*standardwebhooks.Webhook, error) {
	secret = strings.TrimSpace(secret)
	raw, ok := strings.CutPrefix(secret, "whsec_")
	if !ok {
		return nil, fmt.Errorf("%w: a webhook secret starts with whsec_", model.ErrInvalidInput)
	}
	if key, err := base64Std(raw); err != nil || len(key) < 24 {
		return nil, fmt.Errorf("%w: a webhook secret is whsec_ and the base64 of 24 to 64 random bytes", model.ErrInvalidInput)
	}
	return standardwebhooks.NewWebhook(secret)
}

// ReadSecret reads a webhook secret from its file, which must be private to its owner.
func ReadSecret(path string) (string, error) {
	if err := fileperm.Private(path); err != nil {
		return "", err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	s := strings.TrimSpace(string(b))
	if _, err := ParseSecret(s); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

func (w *Webhook) Name() string    { return w.name }
func (w *Webhook) Channel() string { return "webhook" }

func (w *Webhook) Send(ctx context.Context, n model.Notice) error {
	body, err := payload(n) // checkpoint.go
	if err != nil {
		return err
	}
	ts := w.now()
	sig, err := w.signer.Sign(n.ID, ts, body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "pindesk")
	req.Header.Set(standardwebhooks.HeaderWebhookID, n.ID)
	req.Header.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set(standardwebhooks.HeaderWebhookSignature, sig)
	resp, err := w.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is in the destination's name already
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("no answer within the timeout")
		}
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // so the connection is reused
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%w HTTP %d", errStatus, resp.StatusCode)
	}
	return nil
}

package client

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/pindesk/pindesk/api"
	"github.com/pindesk/pindesk/internal/fileperm"
	"github.com/pindesk/pindesk/model"
)

// Remote is the Backend over a pindesk server (pindesk serve), acting as the operator of its
// bearer token. It returns the same typed errors as Local, rebuilt from the server's problem codes,
// so errors.Is(err, model.ErrLocked) and errors.As(err, &*model.PolicyError) work the same on
// either; a server that cannot be reached is model.ErrUnavailable.
//
// Only calls that are safe to repeat are retried: reads (GET), and Verify, which sends one random
// Idempotency-Key per call and reuses it on every retry, so the server answers a retry with the
// first answer and counts the attempt once. A change (generate, set, clear, unlock, reset) is sent
// once: if its answer is lost, the caller sees ErrUnavailable and can look at the account.
type Remote struct {
	http     *resty.Client
	endpoint string
	op       model.Operator

	reachable atomic.Bool
	policyMu  sync.Mutex
	policy    *model.Policy // fixed for a server's life; fetched once
}

var _ Backend = (*Remote)(nil)
var _ Connection = (*Remote)(nil)

// RemoteOption configures a Remote.
type RemoteOption func(*remoteConfig)

type remoteConfig struct {
	timeout        time.Duration
	retries        int
	tlsConfig      *tls.Config
	caFile         string
	allowPlaintext bool
	transport      http.RoundTripper
}

// WithTimeout bounds each attempt of a call (default 10 s).
func WithTimeout(d time.Duration) RemoteOption { return func(c *remoteConfig) { c.timeout = d } }

// WithRetries sets how many times a read or a verification is retried after a connection failure
// or a 502/503/504 (default 2; 0 turns retries off).
func WithRetries(n int) RemoteOption { return func(c *remoteConfig) { c.retries = n } }

// WithCAFile trusts the PEM certificates in path for the server's TLS certificate (a private CA or
// a self-signed server).
func WithCAFile(path string) RemoteOption { return func(c *remoteConfig) { c.caFile = path } }

// WithTLSConfig sets the TLS configuration outright.
func WithTLSConfig(cfg *tls.Config) RemoteOption { return func(c *remoteConfig) { c.tlsConfig = cfg } }

// WithPlaintext permits http:// to a host other than loopback. The token and every PIN entered
// would cross the network in clear, so it must be asked for.
func WithPlaintext() RemoteOption { return func(c *remoteConfig) { c.allowPlaintext = true } }

// WithTransport replaces the HTTP transport (tests, benchmarks).
func WithTransport(rt http.RoundTripper) RemoteOption {
	return func(c *remoteConfig) { c.transport = rt }
}

// NewRemote connects to the pindesk server at baseURL (e.g. https://pindesk.example:8443) with an
// API token, and asks it which operator the token is. A bad URL or a refused token is an error
// here, not at the first call: model.ErrUnauthorized for the token, model.ErrUnavailable when the
// server does not answer.
func NewRemote(baseURL, token string, opts ...RemoteOption) (*Remote, error) {
	cfg := remoteConfig{timeout: 10 * time.Second, retries: 2}
	for _, o := range opts {
		o(&cfg)
	}
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: server URL %q must look like https://host:port", model.ErrInvalidInput, baseURL)
	}
	if u.Scheme == "http" && !cfg.allowPlaintext && !api.Loopback(u.Hostname()) {
		return nil, fmt.Errorf("%w: %s is plain HTTP to another machine; the token and PINs would travel in clear (use https)", model.ErrInvalidInput, baseURL)
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return nil, fmt.Errorf("%w: no API token given", model.ErrUnauthorized)
	}
	hc := resty.New().
		SetBaseURL(u.String()).
		SetAuthToken(token).
		SetTimeout(cfg.timeout).
		SetRetryCount(cfg.retries).
		SetRetryWaitTime(100*time.Millisecond).
		SetRetryMaxWaitTime(2*time.Second).
		AddRetryCondition(retryable).
		SetLogger(quietLogger{}). // resty logs to stderr by default, which would tear the terminal UI
		SetDisableWarn(true).
		// A redirect could carry the bearer token to another host; the API never redirects.
		SetRedirectPolicy(resty.RedirectPolicyFunc(func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse })).
		SetHeader("Accept", "application/json").
		SetHeader("User-Agent", "pindesk-client/1")
	if cfg.transport != nil {
		hc.SetTransport(cfg.transport)
	}
	if cfg.caFile != "" {
		pem, err := os.ReadFile(cfg.caFile)
		if err != nil {
			return nil, fmt.Errorf("%w: CA file: %v", model.ErrInvalidInput, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: CA file %s holds no PEM certificate", model.ErrInvalidInput, cfg.caFile)
		}
		if cfg.tlsConfig == nil {
			cfg.tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		cfg.tlsConfig.RootCAs = pool
	}
	if cfg.tlsConfig != nil {
		hc.SetTLSClientConfig(cfg.tlsConfig)
	}
	r := &Remote{http: hc, endpoint: u.String()}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.timeout*time.Duration(cfg.retries+1))
	defer cancel()
	if err := r.call(ctx, r.req(ctx).SetResult(&r.op), api.Me); err != nil {
		return nil, err
	}
	return r, nil
}

// ReadTokenFile reads an API token from a file, refusing one that others may read: the token is a
// password. (The app, the load tool and the tests all read token files here, under one rule.)
func ReadTokenFile(path string) (string, error) {
	if err := fileperm.Private(path); errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%w: the token file %s does not exist; ask an admin for a token (pindesk admin token create) and save it there, private to you", model.ErrUnauthorized, path)
	} else if err != nil {
		return "", fmt.Errorf("%w: token file: %v", model.ErrUnauthorized, err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%w: token file: %v", model.ErrUnauthorized, err)
	}
	token := strings.TrimSpace(string(data))
	if !strings.HasPrefix(token, "pd_") || strings.ContainsAny(token, " \t\r\n") {
		return "", fmt.Errorf("%w: %s does not hold a pindesk token (pd_…)", model.ErrUnauthorized, path)
	}
	return token, nil
}

// retryable says whether a failed attempt may be sent again: only a GET, or a request carrying an
// idempotency key, and only when the server was not reached or said it is overloaded or away.
func retryable(resp *resty.Response, err error) bool {
	if resp == nil || resp.Request == nil {
		return false
	}
	req := resp.Request
	if req.Method != http.MethodGet && req.Header.Get("Idempotency-Key") == "" {
		return false
	}
	if err != nil {
		return req.Context().Err() == nil // the caller gave up: do not try again
	}
	switch resp.StatusCode() {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

type quietLogger struct{}

func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Warnf(string, ...any)  {}
func (quietLogger) Debugf(string, ...any) {}

func (r *Remote) req(ctx context.Context) *resty.Request {
	return r.http.R().SetContext(ctx).SetError(&api.Problem{})
}

// call sends the request to the route, its wildcards filled in order by args (each escaped as one
// path segment).
func (r *Remote) call(ctx context.Context, req *resty.Request, route api.Route, args ...string) error {
	return r.do(ctx, req, route.Method(), route.URL(args...))
}

// do sends the request and turns every failure into a typed error.
func (r *Remote) do(ctx context.Context, req *resty.Request, method, path string) error {
	_, err := r.doResp(ctx, req, method, path)
	return err
}

// doResp is do that also returns the success answer (an Unlock's 202 is told apart by it).
func (r *Remote) doResp(ctx context.Context, req *resty.Request, method, path string) (*resty.Response, error) {
	resp, err := req.Execute(method, path)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		r.reachable.Store(false)
		return nil, fmt.Errorf("%w: %s: %v", model.ErrUnavailable, r.endpoint, cause(err))
	}
	r.reachable.Store(true)
	if resp.IsSuccess() {
		return resp, nil
	}
	p, _ := resp.Error().(*api.Problem)
	if p == nil || p.Code == "" {
		p = &api.Problem{Status: resp.StatusCode()}
	}
	return nil, remoteErrorFor(resp.StatusCode(), resp.Header().Get("Retry-After"), p)
}

// cause strips the URL wrapper from a transport error: the path repeats what the caller knows.
func cause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// RemoteError is an error the server answered. Its message is the server's (the core's own words);
// it unwraps to the model sentinel of its code, or to the *model.PolicyError it describes.
type RemoteError struct {
	Status     int
	Code       string
	RetryAfter time.Duration // when the server said how long to wait
	msg        string
	err        error
}

func (e *RemoteError) Error() string { return e.msg }
func (e *RemoteError) Unwrap() error { return e.err }

// RetryAfter reports how long the server asked the caller to wait (a rate limit, a busy store).
func RetryAfter(err error) (time.Duration, bool) {
	var re *RemoteError
	if errors.As(err, &re) && re.RetryAfter > 0 {
		return re.RetryAfter, true
	}
	return 0, false
}

// statusErrors name a sentinel for an answer without a code we know (a proxy's page, a newer
// server's new code).
var statusErrors = map[int]error{
	http.StatusBadRequest:            model.ErrInvalidInput,
	http.StatusUnauthorized:          model.ErrUnauthorized,
	http.StatusForbidden:             model.ErrNotPermitted,
	http.StatusConflict:              model.ErrConflict,
	http.StatusRequestEntityTooLarge: model.ErrInvalidInput,
	http.StatusTooManyRequests:       model.ErrRateLimited,
	http.StatusBadGateway:            model.ErrUnavailable,
	http.StatusServiceUnavailable:    model.ErrUnavailable,
	http.StatusGatewayTimeout:        model.ErrUnavailable,
}

func remoteErrorFor(status int, retryAfter string, p *api.Problem) error {
	e := &RemoteError{Status: status, Code: p.Code, msg: p.Detail}
	if secs, err := strconv.Atoi(retryAfter); err == nil && secs > 0 {
		e.RetryAfter = time.Duration(secs) * time.Second
	} else if p.RetryAfter > 0 {
		e.RetryAfter = time.Duration(p.RetryAfter) * time.Second
	}
	switch c, known := api.ErrorFor(p.Code); {
	case p.Code == api.CodePolicy && p.Rule != "":
		e.err = &model.PolicyError{Rule: p.Rule, Detail: p.RuleDetail}
	case p.Code == api.CodeRateLimited && (p.Limit == model.LimitCodeHolder || p.Limit == model.LimitCodeToken):
		// A code send limit: the same error the core returns, lifting when the server said (at the
		// instant it named; an older server names only the wait).
		retryAt := time.Now().Add(e.RetryAfter)
		if p.RetryAt != nil {
			retryAt = *p.RetryAt
		}
		e.err = &model.CodeLimitError{Limit: p.Limit, RetryAt: retryAt}
	case p.Code == api.CodeRateLimited && p.Limit != "":
		e.err = &model.RateLimitError{Limit: p.Limit}
	case p.Code == api.CodeDeskSlowed:
		e.err = &model.DeskSlowedError{Wait: e.RetryAfter}
	case known && c.Err != nil:
		e.err = c.Err
	case p.Code == api.CodeNotFound || p.Code == api.CodeMethodNotAllowed:
		// The server does not serve this route: it runs another version of the API.
		e.err = model.ErrUnavailable
		e.msg = fmt.Sprintf("%s: the server does not offer this operation (HTTP %d); is it the same pindesk version?", model.ErrUnavailable, status)
	default:
		e.err = statusErrors[status]
	}
	if e.msg == "" {
		e.msg = fmt.Sprintf("the server answered HTTP %d %s", status, http.StatusText(status))
		if e.err != nil {
			e.msg = fmt.Sprintf("%s (HTTP %d)", e.err, status)
		}
	}
	return e
}

// Operator is the operator of the token, as the server reported it.
func (r *Remote) Operator() model.Operator { return r.op }

// Reachable reports whether the last call reached the server.
func (r *Remote) Reachable() bool { return r.reachable.Load() }

// Endpoint is the server's base URL.
func (r *Remote) Endpoint() string { return r.endpoint }

// Policy is the server's PIN policy, fetched on first use: it cannot change while a server runs.
func (r *Remote) Policy(ctx context.Context) (model.Policy, error) {
	r.policyMu.Lock()
	defer r.policyMu.Unlock()
	if r.policy != nil {
		return *r.policy, nil
	}
	var p model.Policy
	if err := r.call(ctx, r.req(ctx).SetResult(&p), api.Policy); err != nil {
		return model.Policy{}, err
	}
	r.policy = &p
	return p, nil
}

// Now is the server's clock.
func (r *Remote) Now(ctx context.Context) (time.Time, error) {
	var out api.TimeResponse
	if err := r.call(ctx, r.req(ctx).SetResult(&out), api.Time); err != nil {
		return time.Time{}, err
	}
	return out.Now, nil
}

func (r *Remote) Search(ctx context.Context, q string, page model.Page) (model.SearchResult, error) {
	var out model.SearchResult
	req := r.req(ctx).SetResult(&out).SetQueryParam("q", q)
	if page.Limit != 0 {
		req.SetQueryParam("limit", strconv.Itoa(page.Limit))
	}
	if page.Offset != 0 {
		req.SetQueryParam("offset", strconv.Itoa(page.Offset))
	}
	if err := r.call(ctx, req, api.Search); err != nil {
		return model.SearchResult{}, err
	}
	return out, nil
}

func (r *Remote) Account(ctx context.Context, id string) (model.AccountView, error) {
	if err := present("account id", id); err != nil {
		return model.AccountView{}, err
	}
	var out model.AccountView
	if err := r.call(ctx, r.req(ctx).SetResult(&out), api.Account, id); err != nil {
		return model.AccountView{}, err
	}
	return out, nil
}

// present refuses an empty id before it reaches a URL, where it would name another route; the
// words are the core's.
func present(what, id string) error {
	if id == "" {
		return fmt.Errorf("%w: %s is missing", model.ErrInvalidInput, what)
	}
	return nil
}

// holderPresent refuses a holder's path with an empty segment.
func holderPresent(account, holder string) error {
	if err := present("account id", account); err != nil {
		return err
	}
	return present("holder", holder)
}

// Verify checks a caller's PIN. Every call carries an idempotency key (req.IdempotencyKey, or a
// fresh random one), reused on retries, so a verification whose answer was lost is never counted
// twice.
func (r *Remote) Verify(ctx context.Context, req model.VerifyRequest) (model.VerifyResult, error) {
	key := req.IdempotencyKey
	if key == "" {
		key = newIdempotencyKey()
	}
	var out model.VerifyResult
	hr := r.req(ctx).SetResult(&out).SetHeader("Idempotency-Key", key).SetBody(api.VerifyRequest{
		PIN: req.PIN, Caller: req.Caller, Channel: req.Channel, Ticket: req.Ticket,
	})
	if err := holderPresent(req.AccountID, req.Holder); err != nil {
		return model.VerifyResult{}, err
	}
	if err := r.call(ctx, hr, api.Verify, req.AccountID, req.Holder); err != nil {
		return model.VerifyResult{}, err
	}
	return out, nil
}

// VerifyCaller checks the caller's PIN against every PIN they may give, with an idempotency key as
// Verify's, so it is retried as safely.
func (r *Remote) VerifyCaller(ctx context.Context, req model.CallerVerifyRequest) (model.VerifyResult, error) {
	key := req.IdempotencyKey
	if key == "" {
		key = newIdempotencyKey()
	}
	if err := present("account id", req.AccountID); err != nil {
		return model.VerifyResult{}, err
	}
	if err := present("caller", req.Contact); err != nil {
		return model.VerifyResult{}, err
	}
	var out model.VerifyResult
	hr := r.req(ctx).SetResult(&out).SetHeader("Idempotency-Key", key).SetBody(api.CallerVerifyRequest{PIN: req.PIN, Channel: req.Channel, Ticket: req.Ticket})
	if err := r.call(ctx, hr, api.VerifyCaller, req.AccountID, req.Contact); err != nil {
		return model.VerifyResult{}, err
	}
	return out, nil
}

func newIdempotencyKey() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// pinRequest builds a request on one PIN of a holder, sent with pinCall.
func (r *Remote) pinRequest(ctx context.Context, c model.PINChange, body any) (*resty.Request, error) {
	req := r.req(ctx)
	if body != nil {
		req.SetBody(body)
	}
	if err := holderPresent(c.AccountID, c.Holder); err != nil {
		return nil, err
	}
	if c.Kind == "" {
		_, err := model.ParseKind("")
		return nil, err
	}
	return req, nil
}

// pinCall sends a request pinRequest built to the route, on c's PIN.
func (r *Remote) pinCall(ctx context.Context, req *resty.Request, route api.Route, c model.PINChange) error {
	return r.call(ctx, req, route, c.AccountID, c.Holder, string(c.Kind))
}

func changeBody(c model.PINChange) api.ChangeRequest {
	return api.ChangeRequest{OnBehalfOf: c.OnBehalfOf, Channel: c.Channel}
}

func (r *Remote) Generate(ctx context.Context, c model.PINChange) (model.GeneratedPIN, error) {
	var out model.GeneratedPIN
	req, err := r.pinRequest(ctx, c, changeBody(c))
	if err != nil {
		return out, err
	}
	if err := r.pinCall(ctx, req.SetResult(&out), api.Generate, c); err != nil {
		return model.GeneratedPIN{}, err
	}
	return out, nil
}

func (r *Remote) Set(ctx context.Context, c model.PINChange, pin string) (model.PINState, error) {
	var out model.PINState
	req, err := r.pinRequest(ctx, c, api.SetRequest{PIN: pin, OnBehalfOf: c.OnBehalfOf, Channel: c.Channel})
	if err != nil {
		return out, err
	}
	if err := r.pinCall(ctx, req.SetResult(&out), api.SetPIN, c); err != nil {
		return model.PINState{}, err
	}
	return out, nil
}

func (r *Remote) Clear(ctx context.Context, c model.PINChange) error {
	req, err := r.pinRequest(ctx, c, nil)
	if err != nil {
		return err
	}
	if c.OnBehalfOf != "" {
		req.SetQueryParam("on_behalf_of", c.OnBehalfOf)
	}
	if c.Channel != "" {
		req.SetQueryParam("channel", string(c.Channel))
	}
	return r.pinCall(ctx, req, api.ClearPIN, c)
}

// ReadPIN reads back the holder's current PIN of the kind (the portal role only).
func (r *Remote) ReadPIN(ctx context.Context, c model.PINChange) (string, error) {
	var out api.PINResponse
	req, err := r.pinRequest(ctx, c, changeBody(c))
	if err != nil {
		return "", err
	}
	if err := r.pinCall(ctx, req.SetResult(&out), api.ReadPIN, c); err != nil {
		return "", err
	}
	return out.PIN, nil
}

func (r *Remote) Unlock(ctx context.Context, u model.UnlockRequest) error {
	req := r.req(ctx).SetBody(api.ReasonRequest{Reason: u.Reason, Channel: u.Channel, Ticket: u.Ticket})
	if err := holderPresent(u.AccountID, u.Holder); err != nil {
		return err
	}
	return r.callOrPending(ctx, req, api.Unlock, u.AccountID, u.Holder)
}

func (r *Remote) ResetAccount(ctx context.Context, rr model.ResetRequest) (model.ResetResult, error) {
	if err := present("account id", rr.AccountID); err != nil {
		return model.ResetResult{}, err
	}
	var out model.ResetResult
	req := r.req(ctx).SetResult(&out).SetBody(api.ReasonRequest{Reason: rr.Reason, Channel: rr.Channel, Ticket: rr.Ticket})
	if err := r.callOrPending(ctx, req, api.Reset, rr.AccountID); err != nil {
		return model.ResetResult{}, err
	}
	return out, nil
}

// Dispute is the customer's "that wasn't me" (a portal token's; the app never disputes).
func (r *Remote) Dispute(ctx context.Context, d model.DisputeRequest) (model.DisputeResult, error) {
	if err := present("account id", d.AccountID); err != nil {
		return model.DisputeResult{}, err
	}
	var out model.DisputeResult
	req := r.req(ctx).SetResult(&out).SetBody(api.DisputeRequest{Event: d.EventID, Text: d.Text, Channel: d.Channel})
	if err := r.call(ctx, req, api.Dispute, d.AccountID); err != nil {
		return model.DisputeResult{}, err
	}
	return out, nil
}

func (r *Remote) ClearDispute(ctx context.Context, c model.ClearDisputeRequest) error {
	if err := present("account id", c.AccountID); err != nil {
		return err
	}
	if err := present("dispute id", c.DisputeID); err != nil {
		return err
	}
	req := r.req(ctx).SetBody(api.ReasonRequest{Reason: c.Reason, Channel: c.Channel})
	return r.call(ctx, req, api.ClearDispute, c.AccountID, c.DisputeID)
}

// SendCode asks the server to email a code to the calling contact. It is never retried: a retry
// could send a second code (and spend a second place of the contact's limit).
func (r *Remote) SendCode(ctx context.Context, c model.CodeRequest) (model.CodeSent, error) {
	if err := present("account id", c.AccountID); err != nil {
		return model.CodeSent{}, err
	}
	if err := present("contact", c.Contact); err != nil {
		return model.CodeSent{}, err
	}
	var out model.CodeSent
	req := r.req(ctx).SetResult(&out).SetBody(api.CodeRequest{Channel: c.Channel})
	if err := r.call(ctx, req, api.SendCode, c.AccountID, c.Contact); err != nil {
		return model.CodeSent{}, err
	}
	return out, nil
}

func auditParams(req *resty.Request, q model.AuditQuery) {
	if q.AccountID != "" {
		req.SetQueryParam("account", q.AccountID)
	}
	if !q.Since.IsZero() {
		req.SetQueryParam("since", q.Since.Format(time.RFC3339Nano))
	}
	if !q.Until.IsZero() {
		req.SetQueryParam("until", q.Until.Format(time.RFC3339Nano))
	}
	if q.Ticket != "" {
		req.SetQueryParam("ticket", q.Ticket)
	}
}

func (r *Remote) Audit(ctx context.Context, q model.AuditQuery) ([]model.AuditEvent, error) {
	var out api.AuditResponse
	req := r.req(ctx).SetResult(&out)
	auditParams(req, q)
	if q.Limit != 0 {
		req.SetQueryParam("limit", strconv.Itoa(q.Limit))
	}
	if q.BeforeID != 0 {
		req.SetQueryParam("before_id", strconv.FormatInt(q.BeforeID, 10))
	}
	if err := r.call(ctx, req, api.Audit); err != nil {
		return nil, err
	}
	return out.Events, nil
}

// AuditChainState asks the server for the audit chains' state, checked through the last event.
func (r *Remote) AuditChainState(ctx context.Context) (model.AuditChainState, error) {
	var out model.AuditChainState
	if err := r.call(ctx, r.req(ctx).SetResult(&out), api.AuditChain); err != nil {
		return model.AuditChainState{}, err
	}
	return out, nil
}

// ExportAudit streams every matching event to w as JSON lines, as the server sends them. It is
// not retried: a retry could repeat lines already written.
func (r *Remote) ExportAudit(ctx context.Context, q model.AuditQuery, w io.Writer) error {
	req := r.req(ctx).SetDoNotParseResponse(true).SetHeader("Accept", "application/x-ndjson, application/problem+json")
	auditParams(req, q)
	resp, err := req.Execute(api.ExportAudit.Method(), api.ExportAudit.URL())
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.reachable.Store(false)
		return fmt.Errorf("%w: %s: %v", model.ErrUnavailable, r.endpoint, cause(err))
	}
	r.reachable.Store(true)
	body := resp.RawBody()
	defer body.Close()
	if !resp.IsSuccess() {
		var p api.Problem
		data, _ := io.ReadAll(io.LimitReader(body, 64<<10))
		if json.Unmarshal(data, &p) != nil || p.Code == "" {
			p = api.Problem{Status: resp.StatusCode()}
		}
		return remoteErrorFor(resp.StatusCode(), resp.Header().Get("Retry-After"), &p)
	}
	if _, err := io.Copy(w, body); err != nil {
		return fmt.Errorf("%w: the export stopped before its end: %v", model.ErrUnavailable, err)
	}
	return nil
}

// Import creates or updates accounts (the admin role), all or nothing; it prunes nothing.
func (r *Remote) Import(ctx context.Context, accounts []model.Account) error {
	req := r.req(ctx).SetBody(api.ImportRequest{Accounts: accounts})
	return r.call(ctx, req, api.Import)
}

// Close releases the connections held open.
func (r *Remote) Close() error {
	r.http.GetClient().CloseIdleConnections()
	return nil
}

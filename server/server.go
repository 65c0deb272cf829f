// Package server serves the pindesk core over HTTP/JSON: the REST API that client.Remote, the
// customers' portal and other desks call. It adds what the network needs and the core does not:
// bearer-token authentication (the operator of every call comes from its token, never from the
// body), rate limits on verification and unlocking, strict JSON decoding, problem+json errors with stable codes,
// Prometheus metrics and an OpenAPI description of itself. Every rule of the domain — permissions,
// policy, lockout, audit — stays in the core.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/pindesk/pindesk/api"
	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/model"
)

// Config configures a Server. The zero value of each field means its default.
type Config struct {
	Logger *slog.Logger
	// TokenVerifyLimit and AccountVerifyLimit bound verifications per token and per account
	// (DefaultTokenVerifyLimit, DefaultAccountVerifyLimit when zero; PerSecond < 0 turns one off).
	TokenVerifyLimit   Limit
	AccountVerifyLimit Limit
	// TokenUnlockLimit bounds unlocks per token (DefaultTokenUnlockLimit when zero; PerSecond < 0
	// turns it off).
	TokenUnlockLimit Limit
	// MaxBodyBytes caps a request body (16 KiB); MaxImportBytes caps an import (8 MiB).
	MaxBodyBytes   int64
	MaxImportBytes int64
	// TokenCacheTTL is how long a token lookup is reused (DefaultTokenCacheTTL when zero; negative
	// turns the cache off).
	TokenCacheTTL time.Duration
	// MaxHeaderBytes caps a request's line and header fields (DefaultMaxHeaderBytes when zero); a
	// request over it is answered 431 as a problem. ListenAndServe lets net/http read up to
	// HardMaxHeaderBytes, so this cap, not net/http's plain-text answer, is what clients meet.
	MaxHeaderBytes int
	// MetricsElsewhere leaves /metrics off the API's handler: it is served on a listener of its
	// own (MetricsHandler, serve.metrics_listen), so the public port need not expose it.
	MetricsElsewhere bool
}

// Defaults for the body caps.
const (
	DefaultMaxBodyBytes   = 16 << 10
	DefaultMaxImportBytes = 8 << 20
	// DefaultMaxHeaderBytes is the API's cap on a request line and header fields: a bearer token
	// and a few headers need far less.
	DefaultMaxHeaderBytes = 32 << 10
)

// HSTS is the Strict-Transport-Security value sent with every answer over TLS: a browser (the
// customers' portal's users) that once reached the server over HTTPS never falls back to HTTP.
const HSTS = "max-age=31536000"

// Server is the REST API over one core. It is an http.Handler.
type Server struct {
	core         *core.Service
	tokens       TokenStore
	log          *slog.Logger
	mux          *http.ServeMux
	handler      http.Handler
	metrics      *metrics
	tokenLimit   *keyedLimiter
	accountLimit *keyedLimiter
	unlockLimit  *keyedLimiter
	maxBody      int64
	maxImport    int64
	maxHeader    int
	routeList    []string
	tokenCache   *tokenCache
}

// New returns the API over svc, authenticating with the tokens in tokens.
func New(svc *core.Service, tokens TokenStore, cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.TokenVerifyLimit == (Limit{}) {
		cfg.TokenVerifyLimit = DefaultTokenVerifyLimit
	}
	if cfg.AccountVerifyLimit == (Limit{}) {
		cfg.AccountVerifyLimit = DefaultAccountVerifyLimit
	}
	if cfg.TokenUnlockLimit == (Limit{}) {
		cfg.TokenUnlockLimit = DefaultTokenUnlockLimit
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.TokenCacheTTL == 0 {
		cfg.TokenCacheTTL = DefaultTokenCacheTTL
	}
	if cfg.MaxImportBytes <= 0 {
		cfg.MaxImportBytes = DefaultMaxImportBytes
	}
	if cfg.MaxHeaderBytes <= 0 {
		cfg.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	s := &Server{
		core: svc, tokens: tokens, log: cfg.Logger, mux: http.NewServeMux(), metrics: newMetrics(),
		tokenLimit: newKeyedLimiter(cfg.TokenVerifyLimit), accountLimit: newKeyedLimiter(cfg.AccountVerifyLimit),
		unlockLimit: newKeyedLimiter(cfg.TokenUnlockLimit),
		maxBody:     cfg.MaxBodyBytes, maxImport: cfg.MaxImportBytes, tokenCache: newTokenCache(cfg.TokenCacheTTL),
		maxHeader: cfg.MaxHeaderBytes,
	}
	s.routes(cfg.MetricsElsewhere)
	s.metrics.registry.MustRegister(newAlertCollector(svc.AlertCounts))
	s.handler = s.recoverPanics(s.mux)
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	if r.TLS != nil {
		h.Set("Strict-Transport-Security", HSTS)
	}
	if n := headerBytes(r); n > s.maxHeader {
		s.refuse(w, r, newProblem(http.StatusRequestHeaderFieldsTooLarge, api.CodeTooLarge, "request header fields too large",
			fmt.Sprintf("the request line and header fields take %d bytes; the server accepts at most %d", n, s.maxHeader)))
		return
	}
	if unclean(r.URL.Path) {
		// ServeMux would answer a redirect to the cleaned path: a client that follows it (with its
		// bearer token) to somewhere it did not ask for, or a plain-text 301, is no API answer.
		s.refuse(w, r, newProblem(http.StatusNotFound, api.CodeNotFound, "not found",
			"no such API route: the path holds an empty, . or .. segment; see /openapi.json"))
		return
	}
	s.handler.ServeHTTP(w, r)
}

// refuse answers a request turned away before the routes, counted under the route "unmatched".
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, p api.Problem) {
	s.metrics.instrument("unmatched", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, p)
	})).ServeHTTP(w, r)
}

// headerBytes is the size of the request line and header fields as they came on the wire (HTTP/1
// framing: "Name: value\r\n"), as net/http counts them against MaxHeaderBytes.
func headerBytes(r *http.Request) int {
	n := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + 2
	n += len("Host: ") + len(r.Host) + 2
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + 2 + len(v) + 2
		}
	}
	return n + 2
}

// unclean reports a path ServeMux would clean and redirect: an empty, "." or ".." segment.
func unclean(p string) bool {
	if p == "" || p[0] != '/' {
		return p != "" && p != "*"
	}
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c != p
}

// Routes lists every route the API serves, as "METHOD /pattern" (the OpenAPI test checks each is
// described).
func (s *Server) Routes() []string { return append([]string(nil), s.routeList...) }

// routes registers a handler for every route of the contract (api.Routes), and refuses to start
// without one: a route the contract and its document name is always served.
func (s *Server) routes(metricsElsewhere bool) {
	authed := map[api.Route]handlerFunc{
		api.Me:           s.me,
		api.Policy:       s.policy,
		api.Time:         s.now,
		api.Search:       s.search,
		api.Account:      s.account,
		api.Verify:       s.verify,
		api.VerifyCaller: s.verifyCaller,
		api.Generate:     s.generate,
		api.SetPIN:       s.set,
		api.ClearPIN:     s.clear,
		api.ReadPIN:      s.readPIN,
		api.Unlock:       s.unlock,
		api.Reset:        s.reset,
		api.Dispute:      s.dispute,
		api.ClearDispute: s.clearDispute,
		api.SendCode:     s.sendCode,
		api.Alerts:       s.alerts,
		api.ClearAlert:   s.clearAlert,
		api.Audit:        s.audit,
		api.ExportAudit:  s.exportAudit,
		api.AuditChain:   s.auditChain,
		api.Board:        s.board,
		api.Import:       s.importAccounts,
		api.ListTokens:   s.listTokens,
		api.CreateToken:  s.createToken,
		api.RevokeToken:  s.revokeToken,
		// Dual control (approval.go).
		api.ListApprovals: s.listApprovals,
		api.GetApproval:   s.getApproval,
		api.Approve:       s.approve,
		api.Refuse:        s.refuseApproval,
	}
	public := map[api.Route]http.Handler{
		api.Healthz: http.HandlerFunc(s.healthz),
		api.Readyz:  http.HandlerFunc(s.readyz),
		api.Metrics: s.metrics.handler(),
		api.OpenAPI: http.HandlerFunc(serveOpenAPI),
	}
	for _, route := range api.Routes() {
		pattern := string(route)
		var h http.Handler
		switch {
		case authed[route] != nil:
			h = s.authed(authed[route])
		case public[route] != nil:
			h = public[route]
		default:
			panic("server: no handler for " + pattern)
		}
		if route == api.Metrics && metricsElsewhere {
			continue
		}
		s.mux.Handle(pattern, s.metrics.instrument(pattern, h))
		s.routeList = append(s.routeList, pattern)
	}
	s.mux.Handle("/", s.metrics.instrument("unmatched", http.HandlerFunc(s.unmatched)))
}

// handlerFunc is an API handler: it runs for an authenticated caller and returns an error for the
// server to answer as a problem.
type handlerFunc func(w http.ResponseWriter, r *http.Request, c caller) error

// authed authenticates the request's bearer token before h runs.
func (s *Server) authed(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		c, err := s.authenticate(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if err := h(w, r, c); err != nil {
			s.fail(w, r, err)
		}
		s.log.Debug("request", "method", r.Method, "route", r.Pattern, "operator", c.op.Name, "duration", time.Since(start))
	})
}

// recoverPanics turns a handler's panic into a 500 problem. The panic value and its stack are not
// logged: they may hold request data (a PIN in a local variable's formatting), and the route is
// enough to find the bug.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("handler panicked", "method", r.Method, "route", routeOf(r))
				writeProblem(w, newProblem(http.StatusInternalServerError, api.CodeInternal, "internal error",
					"the server could not complete the request; the cause is in its log"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func routeOf(r *http.Request) string {
	if r.Pattern == "" || r.Pattern == "/" {
		return "unmatched"
	}
	return r.Pattern
}

// unmatched answers a path the API does not serve: 405 with Allow when another method would have
// matched, else 404, both as problems (the mux's own answers are plain text).
func (s *Server) unmatched(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		probe := r.WithContext(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		for _, m := range allow {
			w.Header().Add("Allow", m)
		}
		writeProblem(w, newProblem(http.StatusMethodNotAllowed, api.CodeMethodNotAllowed, "method not allowed",
			r.Method+" is not allowed here"))
		return
	}
	writeProblem(w, newProblem(http.StatusNotFound, api.CodeNotFound, "not found", "no such API route; see /openapi.json"))
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// Pinger is implemented by a store that can check its connection cheaply.
type Pinger interface {
	Ping(ctx context.Context) error
}

// WriteChecker is implemented by a store that can prove it can be written: a real small write that
// commits (both stores do; see their CheckWritable).
type WriteChecker interface {
	CheckWritable(ctx context.Context) error
}

// MetricsHandler serves the Prometheus metrics, for a listener of its own (Config.MetricsElsewhere):
// GET /metrics, and a 404 problem for anything else.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(string(api.Metrics), s.metrics.handler())
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, newProblem(http.StatusNotFound, api.CodeNotFound, "not found", "this listener serves only GET /metrics"))
	})
	return mux
}

// readyz reports whether the store answers and can be written: a server that can read but not
// commit (a full or read-only disk, a database file deleted under it, PostgreSQL down or a
// read-only standby) would answer every verification with an error, so it is not ready. Without a
// Ping, a token lookup that finds nothing is proof enough that the store was reached and queried.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	var err error
	what := "the store does not answer"
	if p, ok := s.tokens.(Pinger); ok {
		err = p.Ping(ctx)
	} else if _, err = s.tokens.TokenByHash(ctx, make([]byte, 32)); errors.Is(err, model.ErrUnauthorized) {
		err = nil
	}
	if wc, ok := s.tokens.(WriteChecker); ok && err == nil {
		if err = wc.CheckWritable(ctx); err != nil {
			what = "the store cannot be written"
		}
	}
	if err != nil {
		s.log.Error("not ready: "+what, "error", err.Error())
		writeProblem(w, newProblem(http.StatusServiceUnavailable, api.CodeUnavailable, model.ErrUnavailable.Error(), what+"; the cause is in the server's log"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

package server

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/pindesk/pindesk/api"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
	"golang.org/x/time/rate"
)

// rateLimited is a verification refused by a rate limit; it answers 429 with Retry-After.
type rateLimited struct {
	wait  time.Duration
	limit string
}

func (e rateLimited) Error() string {
	who, what := "this token has made", "verifications"
	switch e.limit {
	case model.LimitAccount:
		who = "this account has had"
	case model.LimitUnlock:
		what = "unlocks"
	}
	return fmt.Sprintf("%s: %s too many %s; retry in %d s", model.ErrRateLimited, who, what, retryAfterSeconds(e.wait))
}
func (e rateLimited) Unwrap() error { return model.ErrRateLimited }

func (s *Server) me(w http.ResponseWriter, r *http.Request, c caller) error {
	writeJSON(w, http.StatusOK, c.op)
	return nil
}

func (s *Server) policy(w http.ResponseWriter, r *http.Request, c caller) error {
	writeJSON(w, http.StatusOK, s.core.Policy())
	return nil
}

func (s *Server) now(w http.ResponseWriter, r *http.Request, c caller) error {
	writeJSON(w, http.StatusOK, api.TimeResponse{Now: s.core.Now()})
	return nil
}

func (s *Server) search(w http.ResponseWriter, r *http.Request, c caller) error {
	q := newQuery(r, "q", "limit", "offset")
	page := model.Page{Limit: q.int("limit"), Offset: q.int("offset")}
	if q.err != nil {
		return q.err
	}
	res, err := s.core.Search(r.Context(), c.op, q.str("q"), page)
	if err != nil {
		return err
	}
	if res.Accounts == nil { // the API promises an array, never null
		res.Accounts = []model.AccountSummary{}
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) account(w http.ResponseWriter, r *http.Request, c caller) error {
	view, err := s.core.Account(r.Context(), c.op, r.PathValue("account"))
	if err != nil {
		return err
	}
	if view.Account.Contacts == nil {
		view.Account.Contacts = []model.Contact{}
	}
	if view.Disputes == nil {
		view.Disputes = []model.Dispute{}
	}
	if view.Sessions == nil {
		view.Sessions = []model.VerifySession{}
	}
	for i := range view.Holders {
		if view.Holders[i].PINs == nil {
			view.Holders[i].PINs = []model.PINState{}
		}
	}
	writeJSON(w, http.StatusOK, view)
	return nil
}

// verify checks a caller's PIN. The permission is checked before the rate limits, so a role that
// may not verify spends no one's budget; the limits before the core, so an attempt a limit refuses
// is neither compared nor counted. A malformed entry (not digits, wrong length) costs the sender's
// token bucket only: it is refused and audited without touching the account's bucket, which is
// shared by every desk, so junk sent at an account cannot lock real agents out of it.
func (s *Server) verify(w http.ResponseWriter, r *http.Request, c caller) error {
	body, key, err := verifyBody[api.VerifyRequest](s, w, r, c)
	if err != nil {
		return err
	}
	account := r.PathValue("account")
	req := model.VerifyRequest{
		AccountID: account, Holder: r.PathValue("holder"), Caller: body.Caller,
		PIN: body.PIN, Channel: body.Channel, IdempotencyKey: key, Ticket: body.Ticket,
	}
	return s.limitVerify(w, r, c, account, body.PIN,
		func() error { return s.core.RefuseVerify(r.Context(), c.op, req) },
		func() (model.VerifyResult, error) { return s.core.Verify(r.Context(), c.op, req) })
}

// verifyCaller checks the PIN of the contact who is calling against every PIN they may give (their
// own and the account-wide one), in the same order of refusals and limits as verify.
func (s *Server) verifyCaller(w http.ResponseWriter, r *http.Request, c caller) error {
	body, key, err := verifyBody[api.CallerVerifyRequest](s, w, r, c)
	if err != nil {
		return err
	}
	account := r.PathValue("account")
	req := model.CallerVerifyRequest{
		AccountID: account, Contact: r.PathValue("contact"), PIN: body.PIN, Channel: body.Channel, IdempotencyKey: key,
		Ticket: body.Ticket,
	}
	return s.limitVerify(w, r, c, account, body.PIN,
		func() error { return s.core.RefuseVerifyCaller(r.Context(), c.op, req) },
		func() (model.VerifyResult, error) { return s.core.VerifyCaller(r.Context(), c.op, req) })
}

// verifyBody reads a verification's body and Idempotency-Key, after checking that the operator
// may verify at all: a role that may not learns nothing of what its body would have done.
func verifyBody[B any](s *Server, w http.ResponseWriter, r *http.Request, c caller) (B, string, error) {
	var body B
	if err := c.op.Require(model.PermVerify); err != nil {
		return body, "", err
	}
	if err := decode(w, r, s.maxBody, &body); err != nil {
		return body, "", err
	}
	key := r.Header.Get("Idempotency-Key")
	if err := checkIdempotencyKey(key); err != nil {
		return body, "", err
	}
	return body, key, nil
}

// limitVerify runs a verification between the rate limits, in the order both verify routes keep:
// the token's limit, then a malformed entry refused (costing the token only), then the account's
// limit, then the core; a replayed answer gives both reservations back.
func (s *Server) limitVerify(w http.ResponseWriter, r *http.Request, c caller, account, pin string, refuse func() error, verify func() (model.VerifyResult, error)) error {
	now := time.Now()
	spent, wait := s.tokenLimit.reserve(c.tokenID, now)
	if wait > 0 {
		return s.limited(c, account, wait, model.LimitToken)
	}
	if s.core.CheckPINEntry(pin) != nil {
		return refuse()
	}
	charged, wait := s.accountLimit.reserve(account, now)
	if wait > 0 {
		if spent != nil { // the attempt is not made, so it costs the token nothing either
			spent.CancelAt(now)
		}
		return s.limited(c, account, wait, model.LimitAccount)
	}
	res, err := verify()
	if err != nil {
		return err
	}
	if res.Replayed {
		// The first answer was charged and counted; its retry is neither. Cancelled as of the
		// instant it was taken (a reservation already acted on is not given back at a later time):
		// the bucket gets its token back, less what later reservations took from it.
		for _, r := range []*rate.Reservation{spent, charged} {
			if r != nil {
				r.CancelAt(now)
			}
		}
	} else {
		s.metrics.verified(res)
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// limited counts, logs and answers a verification a rate limit refused.
func (s *Server) limited(c caller, account string, wait time.Duration, limit string) error {
	s.metrics.rateLimited.WithLabelValues(limit).Inc()
	s.log.Warn("verification rate limited", "limit", limit, "operator", c.op.Name, "token", c.tokenID, "account", clip(account))
	return rateLimited{wait: wait, limit: limit}
}

// checkIdempotencyKey accepts 1 to 128 visible ASCII characters (a UUID, a random token).
func checkIdempotencyKey(key string) error {
	if len(key) > 128 {
		return fmt.Errorf("%w: an Idempotency-Key has at most 128 characters", model.ErrInvalidInput)
	}
	for i := 0; i < len(key); i++ {
		if key[i] <= ' ' || key[i] > '~' {
			return fmt.Errorf("%w: an Idempotency-Key is visible ASCII characters only", model.ErrInvalidInput)
		}
	}
	return nil
}

func (s *Server) pinChange(r *http.Request, onBehalfOf string, ch model.Channel) model.PINChange {
	return model.PINChange{AccountID: r.PathValue("account"), Holder: r.PathValue("holder"),
		Kind: model.Kind(r.PathValue("kind")), OnBehalfOf: onBehalfOf, Channel: ch}
}

func (s *Server) generate(w http.ResponseWriter, r *http.Request, c caller) error {
	var body api.ChangeRequest
	if err := decode(w, r, s.maxBody, &body); err != nil {
		return err
	}
	out, err := s.core.Generate(r.Context(), c.op, s.pinChange(r, body.OnBehalfOf, body.Channel))
	if err != nil {
		return err
	}
	// Only the customers' portal, which shows the PIN to its customer, receives it over the API:
	// for any other role the PIN is drawn and stored, and the customer reads it in the portal.
	if c.op.Role != model.OpPortal {
		out.PIN = ""
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) set(w http.ResponseWriter, r *http.Request, c caller) error {
	var body api.SetRequest
	if err := decode(w, r, s.maxBody, &body); err != nil {
		return err
	}
	st, err := s.core.Set(r.Context(), c.op, s.pinChange(r, body.OnBehalfOf, body.Channel), body.PIN)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

// clear takes its options from the query: a DELETE has no body.
func (s *Server) clear(w http.ResponseWriter, r *http.Request, c caller) error {
	q := newQuery(r, "on_behalf_of", "channel")
	if q.err != nil {
		return q.err
	}
	if err := s.core.Clear(r.Context(), c.op, s.pinChange(r, q.str("on_behalf_of"), model.Channel(q.str("channel")))); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// readPIN is a POST, not a GET: reading a PIN back is audited, and a GET could be cached or
// prefetched.
func (s *Server) readPIN(w http.ResponseWriter, r *http.Request, c caller) error {
	// Only the portal reads a PIN over the API. The core also lets a trainer read one on a demo
	// database (model.PermitsOn), for the trainer panel in process; that exception stops here.
	if err := c.op.Require(model.PermReadPIN); err != nil {
		return err
	}
	var body api.ChangeRequest
	if err := decode(w, r, s.maxBody, &body); err != nil {
		return err
	}
	pin, err := s.core.ReadPIN(r.Context(), c.op, s.pinChange(r, body.OnBehalfOf, body.Channel))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.PINResponse{PIN: pin})
	return nil
}

// unlock clears a holder's lock. Unlocks are limited per token, after the permission check (a
// role that may not unlock spends nothing) and before the core (a refused unlock is not
// performed), so a token cannot alternate guesses and unlocks at machine speed.
func (s *Server) unlock(w http.ResponseWriter, r *http.Request, c caller) error {
	if err := c.op.Require(model.PermUnlock); err != nil {
		return err
	}
	var body api.ReasonRequest
	if err := decode(w, r, s.maxBody, &body); err != nil {
		return err
	}
	// Only a role that may both verify and unlock (supervisor, trainer) can alternate guesses and
	// unlocks, so only its tokens are limited. The portal unlocks for every customer through one
	// token, and an admin cannot verify: a limit there would stop customers, not guessers.
	if c.op.Role.Permits(model.PermVerify) {
		if _, wait := s.unlockLimit.reserve(c.tokenID, time.Now()); wait > 0 {
			s.metrics.unlocksLimited.Inc()
			s.log.Warn("unlock rate limited", "operator", c.op.Name, "token", c.tokenID, "account", clip(r.PathValue("account")))
			return rateLimited{wait: wait, limit: model.LimitUnlock}
		}
	}
	err := s.core.Unlock(r.Context(), c.op, model.UnlockRequest{AccountID: r.PathValue("account"),
		Holder: r.PathValue("holder"), Reason: body.Reason, Channel: body.Channel, Ticket: body.Ticket})
	if pendingApproval(w, err) {
		return nil
	}
	if err != nil {
		return err
	}
	s.metrics.unlocks.Inc()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) reset(w http.ResponseWriter, r *http.Request, c caller) error {
	var body api.ReasonRequest
	if err := decode(w, r, s.maxBody, &body); err != nil {
		return err
	}
	res, err := s.core.ResetAccount(r.Context(), c.op, model.ResetRequest{AccountID: r.PathValue("account"),
		Reason: body.Reason, Channel: body.Channel, Ticket: body.Ticket})
	if pendingApproval(w, err) {
		return nil
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// dispute is the customer's "that wasn't me" (model.Dispute). The permission is checked before the
// body is read, so a role that may not dispute learns nothing of what the body would have done.
func (s *Server) dispute(w http.ResponseWriter, r *http.Request, c caller) error {
	if err := c.op.Require(model.PermDispute); err != nil {
		return err
	}
	var body api.DisputeRequest
	if err := decode(w, r, s.maxBody, &body); err != nil {
		return err
	}
	res, err := s.core.Dispute(r.Context(), c.op, model.DisputeRequest{AccountID: r.PathValue("account"),
		EventID: body.Event, Text: body.Text, Channel: body.Channel})
	if err != nil {
		return err
	}
	s.log.Warn("notice disputed by the customer", "operator", c.op.Name, "account", clip(res.AccountID), "dispute", res.ID, "notice", res.EventID)
	writeJSON(w, http.StatusCreated, res)
	return nil
}

func (s *Server) clearDispute(w http.ResponseWriter, r *http.Request, c caller) error {
	var body api.ReasonRequest
	if err := decode(w, r, s.maxBody, &body); err != nil {
		return err
	}
	if body.Ticket != "" { // ReasonRequest's ticket is an unlock's and a reset's
		return fmt.Errorf("%w: clearing a dispute records no ticket", model.ErrInvalidInput)
	}
	err := s.core.ClearDispute(r.Context(), c.op, model.ClearDisputeRequest{AccountID: r.PathValue("account"),
		DisputeID: r.PathValue("dispute"), Reason: body.Reason, Channel: body.Channel})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func auditQuery(q *query) model.AuditQuery {
	return model.AuditQuery{AccountID: q.str("account"), Since: q.time("since"), Until: q.time("until"),
		Limit: q.int("limit"), BeforeID: q.int64("before_id"), Ticket: q.str("ticket")}
}

func (s *Server) audit(w http.ResponseWriter, r *http.Request, c caller) error {
	q := newQuery(r, "account", "since", "until", "limit", "before_id", "ticket")
	aq := auditQuery(q)
	if q.err != nil {
		return q.err
	}
	events, err := s.core.Audit(r.Context(), c.op, aq)
	if err != nil {
		return err
	}
	if events == nil {
		events = []model.AuditEvent{}
	}
	writeJSON(w, http.StatusOK, api.AuditResponse{Events: events})
	return nil
}

// auditChain answers the audit chains' state for the audit view: checked through the last event,
// from where the server's last check ended (core.Service.AuditChainState).
func (s *Server) auditChain(w http.ResponseWriter, r *http.Request, c caller) error {
	st, err := s.core.AuditChainState(r.Context(), c.op)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

// exportAudit streams every matching event as JSON lines, in constant memory. An export may take
// longer than the server's write timeout, so it extends its own deadline. An error before the first
// line is a problem answer; one after it aborts the connection, so the client sees a failed
// transfer rather than a complete-looking, truncated export.
func (s *Server) exportAudit(w http.ResponseWriter, r *http.Request, c caller) error {
	q := newQuery(r, "account", "since", "until", "ticket")
	aq := auditQuery(q)
	if q.err != nil {
		return q.err
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(30 * time.Minute))
	lw := &lazyWriter{w: w}
	err := s.core.ExportAudit(r.Context(), c.op, aq, lw)
	switch {
	case err != nil && !lw.started:
		return err
	case err != nil:
		s.log.Error("audit export failed midway", "operator", c.op.Name, "error", err.Error())
		panic(http.ErrAbortHandler)
	case !lw.started:
		lw.start()
	}
	return nil
}

// lazyWriter sends the export's headers with its first line, so an error before any line can
// still be answered as a problem.
type lazyWriter struct {
	w       http.ResponseWriter
	started bool
}

func (l *lazyWriter) start() {
	l.started = true
	h := l.w.Header()
	h.Set("Content-Type", "application/x-ndjson")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Disposition", `attachment; filename="pindesk-audit.jsonl"`)
	l.w.WriteHeader(http.StatusOK)
}

func (l *lazyWriter) Write(p []byte) (int, error) {
	if !l.started {
		l.start()
	}
	return l.w.Write(p)
}

var _ io.Writer = (*lazyWriter)(nil)

func (s *Server) importAccounts(w http.ResponseWriter, r *http.Request, c caller) error {
	if err := c.op.Require(model.PermImport); err != nil {
		return err
	}
	// An upsert unless the caller asks, in so many words, for a prune (and force).
	q := newQuery(r, "prune", "force", "dry_run")
	req := model.ImportRequest{Prune: q.bool("prune"), Force: q.bool("force"), DryRun: q.bool("dry_run"), Source: string(api.Import)}
	if q.err != nil {
		return q.err
	}
	// The audit names the body by its SHA-256, as the command line names a file.
	h := sha256.New()
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.TeeReader(r.Body, h), r.Body}
	var body api.ImportRequest
	if err := decode(w, r, s.maxImport, &body); err != nil {
		return err
	}
	req.Accounts, req.SHA256 = body.Accounts, hex.EncodeToString(h.Sum(nil))
	res, err := s.core.ImportAccounts(r.Context(), c.op, req)
	if err != nil {
		return err
	}
	s.log.Info("accounts imported", "operator", c.op.Name, "accounts", len(body.Accounts), "dry_run", res.DryRun, "summary", res.Summary())
	writeJSON(w, http.StatusOK, api.ImportResponse{Imported: len(body.Accounts), ImportResult: res})
	return nil
}

func tokenInfo(t store.Token) api.TokenInfo {
	return api.TokenInfo{ID: t.ID, Name: t.Operator.Name, Role: t.Operator.Role, CreatedAt: t.CreatedAt, RevokedAt: t.RevokedAt}
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, c caller) error {
	if err := c.op.Require(model.PermTokens); err != nil {
		return err
	}
	if err := newQuery(r).err; err != nil {
		return err
	}
	list, err := s.tokens.Tokens(r.Context())
	if err != nil {
		return err
	}
	out := api.TokenList{Tokens: []api.TokenInfo{}}
	for _, t := range list {
		out.Tokens = append(out.Tokens, tokenInfo(t))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, c caller) error {
	if err := c.op.Require(model.PermTokens); err != nil {
		return err
	}
	var body api.TokenRequest
	if err := decode(w, r, s.maxBody, &body); err != nil {
		return err
	}
	token, rec, err := IssueToken(r.Context(), s.tokens, model.Operator{Name: body.Name, Role: body.Role}, s.core.Now())
	if err != nil {
		return err
	}
	s.log.Info("token issued", "by", c.op.Name, "id", rec.ID, "name", rec.Operator.Name, "role", rec.Operator.Role)
	writeJSON(w, http.StatusCreated, api.NewToken{ID: rec.ID, Name: rec.Operator.Name, Role: rec.Operator.Role,
		CreatedAt: rec.CreatedAt, Token: token})
	return nil
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, c caller) error {
	if err := c.op.Require(model.PermTokens); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := s.tokens.RevokeToken(r.Context(), id, s.core.Now()); err != nil {
		if errors.Is(err, model.ErrInvalidInput) {
			return fmt.Errorf("%w: no token %q", model.ErrInvalidInput, clip(id))
		}
		return err
	}
	s.tokenCache.forget()
	s.log.Info("token revoked", "by", c.op.Name, "id", id)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

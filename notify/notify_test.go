package notify_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/internal/sqlitetest"
	"github.com/pindesk/pindesk/internal/storetest"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/notify"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/secret"
	"github.com/pindesk/pindesk/store/sqlite"
)

// The specification's published test vector (standard-webhooks spec, "Signature scheme").
func TestSigningMatchesTheSpecificationsTestVector(t *testing.T) {
	t.Parallel()
	wh, err := notify.ParseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	sig, err := wh.Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; sig != want {
		t.Fatalf("signature %s, want %s", sig, want)
	}
}

func TestASecretMustBeWhsecAndEnoughBase64(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_not base64!", "whsec_c2hvcnQ="} {
		if _, err := notify.ParseSecret(s); err == nil {
			t.Errorf("secret %q accepted", s)
		}
	}
	if _, err := notify.ParseSecret(notify.NewSecret()); err != nil {
		t.Errorf("a new secret is refused: %v", err)
	}
}

// receiver is a real HTTP endpoint that checks every signature, as a customer's system would, and
// answers with status (200 unless told).
type receiver struct {
	t      testing.TB
	srv    *httptest.Server
	wh     *standardwebhooks.Webhook
	mu     sync.Mutex
	got    map[string]notify.Payload // by webhook-id: duplicates dropped
	first  map[string]time.Time      // when each id first arrived
	posts  int
	status int
	delay  time.Duration
}

func newReceiver(t testing.TB, secretText string) *receiver {
	wh, err := standardwebhooks.NewWebhook(secretText)
	if err != nil {
		t.Fatal(err)
	}
	r := &receiver{t: t, wh: wh, got: map[string]notify.Payload{}, first: map[string]time.Time{}, status: 200}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if err := r.wh.Verify(body, req.Header); err != nil {
			t.Errorf("a webhook failed verification: %v", err)
			w.WriteHeader(400)
			return
		}
		r.mu.Lock()
		if _, ok := r.first[req.Header.Get("webhook-id")]; !ok {
			r.first[req.Header.Get("webhook-id")] = time.Now()
		}
		r.posts++
		status, delay := r.status, r.delay
		r.mu.Unlock()
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-req.Context().Done():
				return
			}
		}
		if status == 200 {
			var p notify.Payload
			if err := json.Unmarshal(body, &p); err != nil {
				t.Errorf("payload: %v", err)
			}
			if p.Data.ID != req.Header.Get("webhook-id") {
				t.Errorf("webhook-id %q is not the notice's id %q", req.Header.Get("webhook-id"), p.Data.ID)
			}
			r.mu.Lock()
			r.got[p.Data.ID] = p
			r.mu.Unlock()
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) set(status int, delay time.Duration) {
	r.mu.Lock()
	r.status, r.delay = status, delay
	r.mu.Unlock()
}

func (r *receiver) received() map[string]notify.Payload {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]notify.Payload{}
	for k, v := range r.got {
		out[k] = v
	}
	return out
}

type env struct {
	ctx   context.Context
	st    *sqlite.Store
	svc   *core.Service
	clock *storetest.Clock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	st := sqlitetest.Open(t)
	if err := storetest.Seed(ctx, st, storetest.Fixture()); err != nil {
		t.Fatal(err)
	}
	sealer, err := secret.New(storetest.TestKey)
	if err != nil {
		t.Fatal(err)
	}
	clock := storetest.NewClock(time.Now().UTC().Truncate(time.Second))
	svc, err := core.New(st, sealer, core.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	return &env{ctx: ctx, st: st, svc: svc, clock: clock}
}

func (e *env) setPIN(t *testing.T, pin string) {
	t.Helper()
	_, err := e.svc.Set(e.ctx, storetest.Portal, model.PINChange{AccountID: storetest.Smith, Holder: storetest.John, Kind: model.KindMaster, OnBehalfOf: storetest.John}, pin)
	if err != nil {
		t.Fatal(err)
	}
}

func (e *env) deliverer(t *testing.T, dsts ...notify.Destination) *notify.Deliverer {
	t.Helper()
	return e.delivererWithin(t, 300*time.Millisecond, dsts...)
}

// delivererWithin is a deliverer that gives each send timeout to be answered.
func (e *env) delivererWithin(t *testing.T, timeout time.Duration, dsts ...notify.Destination) *notify.Deliverer {
	t.Helper()
	d, err := notify.New(e.st, notify.Config{Destinations: dsts, Now: e.clock.Now, Timeout: timeout, Lease: time.Minute,
		Backoff: func(int) time.Duration { return time.Hour }})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestANoticeIsSignedDeliveredOnceAndRemoved(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sec := notify.NewSecret()
	rcv := newReceiver(t, sec)
	wh, err := notify.NewWebhook(rcv.srv.URL+"/hook", sec)
	if err != nil {
		t.Fatal(err)
	}
	e.setPIN(t, "482915")
	if n, err := e.deliverer(t, wh).RunOnce(e.ctx); err != nil || n != 1 {
		t.Fatalf("delivered %d: %v", n, err)
	}
	got := rcv.received()
	if len(got) != 1 {
		t.Fatalf("received %v", got)
	}
	for _, p := range got {
		if p.Type != model.NoticePINSet || p.Data.AccountID != storetest.Smith || p.Data.Holder != storetest.John {
			t.Errorf("payload %+v", p)
		}
	}
	left, err := e.st.Notices(e.ctx, store.NoticeQuery{})
	if err != nil || len(left) != 0 {
		t.Fatalf("outbox after delivery: %+v, %v", left, err)
	}
}

func TestAFailingEndpointIsRetriedThenDeadWithItsReasonAudited(t *testing.T) {
	t.Parallel() // it mostly waits out send timeouts: each case has its own store and receiver
	sec := notify.NewSecret()
	closed := func() string { // a port nobody listens on
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		return "http://" + addr + "/hook"
	}
	for _, c := range []struct {
		name   string
		status int
		delay  time.Duration
		url    func(r *receiver) string
		reason string
	}{
		{"a 500", 500, 0, func(r *receiver) string { return r.srv.URL }, "HTTP 500"},
		{"an unreachable endpoint", 200, 0, func(*receiver) string { return closed() }, "connection refused"},
		{"a receiver slower than the timeout", 200, time.Second, func(r *receiver) string { return r.srv.URL }, "no answer within the timeout"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if c.delay > 0 && testing.Short() {
				t.Skip("waits out 25 send timeouts; the other cases cover the same retry schedule")
			}
			e := newEnv(t)
			rcv := newReceiver(t, sec)
			rcv.set(c.status, c.delay)
			wh, err := notify.NewWebhook(c.url(rcv), sec)
			if err != nil {
				t.Fatal(err)
			}
			d := e.deliverer(t, wh)
			if c.delay > 0 {
				// 25 sends wait out their timeout: a short one keeps the case to about a second.
				d = e.delivererWithin(t, 40*time.Millisecond, wh)
			}
			e.setPIN(t, "482915")
			// A verification is never held up by a failing endpoint: it only writes a row.
			start := time.Now()
			if _, err := e.svc.Verify(e.ctx, storetest.Agent, model.VerifyRequest{AccountID: storetest.Smith, Holder: storetest.John, PIN: "482915"}); err != nil {
				t.Fatal(err)
			}
			if time.Since(start) > time.Second {
				t.Errorf("a verification took %v", time.Since(start))
			}
			tries := 0
			for {
				n, err := d.RunOnce(e.ctx)
				if err != nil {
					t.Fatal(err)
				}
				tries += n
				es, err := e.st.Notices(e.ctx, store.NoticeQuery{})
				if err != nil || len(es) != 1 {
					t.Fatalf("outbox: %+v %v", es, err)
				}
				if es[0].State == store.NoticeDead {
					if !strings.Contains(es[0].LastError, c.reason) {
						t.Errorf("dead with %q, want the reason %q", es[0].LastError, c.reason)
					}
					break
				}
				if n == 1 && !strings.Contains(es[0].LastError, c.reason) {
					t.Errorf("failed with %q, want %q", es[0].LastError, c.reason)
				}
				e.clock.Advance(time.Hour)
				if tries > 30 {
					t.Fatal("never dead")
				}
			}
			// Tried every hour (the test's backoff) through the 24-hour window, then given up.
			if tries != 25 {
				t.Errorf("%d tries, want one an hour for 24 hours and the last at its end", tries)
			}
			audit, err := e.svc.Audit(e.ctx, storetest.Admin, model.AuditQuery{AccountID: storetest.Smith, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			if len(audit) != 1 || audit[0].Action != notify.ActionNoticeDead || !strings.Contains(audit[0].Reason, c.reason) {
				t.Errorf("last audit event %+v, want the dead notice", audit)
			}
			if strings.Contains(audit[0].Reason, "482915") {
				t.Error("the audit of a dead notice holds the PIN")
			}
			// The deliverer's append is chained like every other: the chain verifies through it.
			chain, err := e.svc.VerifyAudit(e.ctx, storetest.Admin, 1, nil)
			if err != nil || !chain.Intact || chain.Events != chain.Head.Events() || chain.Through < 3 {
				t.Errorf("the audit chain after a dead notice: %+v, %v", chain, err)
			}
			// An admin retries it once the endpoint is mended: it is delivered.
			rcv.set(200, 0)
			if c.url(rcv) == rcv.srv.URL {
				dead, _ := e.st.Notices(e.ctx, store.NoticeQuery{State: store.NoticeDead})
				if err := e.st.RetryNotice(e.ctx, dead[0].ID, e.clock.Now()); err != nil {
					t.Fatal(err)
				}
				if _, err := e.deliverer(t, wh).RunOnce(e.ctx); err != nil {
					t.Fatal(err)
				}
				if len(rcv.received()) != 1 {
					t.Errorf("the retried notice was not received")
				}
			}
		})
	}
}

func TestADestinationThatTookANoticeIsNotSentItAgainOnRetry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sec := notify.NewSecret()
	good, bad := newReceiver(t, sec), newReceiver(t, sec)
	bad.set(503, 0)
	w1, _ := notify.NewWebhook(good.srv.URL, sec)
	w2, _ := notify.NewWebhook(bad.srv.URL, sec)
	d := e.deliverer(t, w1, w2)
	e.setPIN(t, "482915")
	if _, err := d.RunOnce(e.ctx); err != nil {
		t.Fatal(err)
	}
	bad.set(200, 0)
	e.clock.Advance(time.Hour)
	if _, err := d.RunOnce(e.ctx); err != nil {
		t.Fatal(err)
	}
	if good.posts != 1 || bad.posts != 2 || len(bad.received()) != 1 {
		t.Errorf("posts: good %d (want 1), bad %d (want 2)", good.posts, bad.posts)
	}
}

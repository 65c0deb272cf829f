// Command pindesk-load drives verifications at a pindesk server and prints the rate it sustained
// and the latency of its answers.
//
//	pindesk-load --server http://127.0.0.1:7420 --token-file agent.tok --admin-token-file admin.tok \
//	    --concurrency 64 --duration 10s
//
// --server may name several servers of one database, comma-separated (e.g. two `pindesk serve`
// on one PostgreSQL database): the clients are spread over them round-robin, and the admin setup
// is done once, through the first.
//
// With --admin-token-file it first imports --accounts accounts named "Load Test NNNN" and generates
// a master PIN for each (as the admin), then verifies with the agent token, spreading the
// attempts over those accounts. Every verification is a durable write on the server (its audit
// event and idempotency key commit before the answer), which is what the numbers measure.
//
// Closed loop (the default): each of --concurrency clients sends its next verification as soon as
// the last is answered, so the run finds the server's capacity; latency then includes the queue
// at the database. Open loop (--rate R): verifications are started at R per second whatever the
// answers, and latency is counted from when each was due, so a slow server cannot hide its delay
// by slowing the load (no coordinated omission).
//
// It measures the server, not pindesk's client library: setup goes through client.Remote, but the
// verifications themselves take a lean path (plain net/http on kept-alive connections, each
// target's request body encoded once), because on a small machine the load tool shares the CPU
// with the server and resty's per-request work would be counted against the server.
//
// The server's verification rate limits must be raised for a load test, e.g.
//
//	pindesk serve --token-verify-per-second 1000 --token-verify-burst 10000 \
//	    --account-verify-per-second 1000 --account-verify-burst 10000
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pindesk/pindesk/api"
	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/model"
)

type options struct {
	server, tokenFile, adminTokenFile, caFile string
	accounts, concurrency                     int
	duration                                  time.Duration
	rate                                      float64
	wrongEvery                                int
}

func main() {
	var o options
	flag.StringVar(&o.server, "server", "", "pindesk server URL, or several servers of one database comma-separated (required)")
	flag.StringVar(&o.tokenFile, "token-file", "", "API token of a role that may verify (agent, supervisor, trainer) (required)")
	flag.StringVar(&o.adminTokenFile, "admin-token-file", "", "admin API token: import the load accounts and generate their PINs first")
	flag.StringVar(&o.caFile, "ca-file", "", "PEM certificates to trust for an https server")
	flag.IntVar(&o.accounts, "accounts", 256, "load accounts to spread the verifications over")
	flag.IntVar(&o.concurrency, "concurrency", 64, "clients verifying at once")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "how long to drive load")
	flag.Float64Var(&o.rate, "rate", 0, "open loop: start this many verifications per second (0: closed loop)")
	flag.IntVar(&o.wrongEvery, "wrong-every", 0, "send a wrong PIN every Nth verification (0: never); a holder locks after 6 in a row")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "pindesk-load:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, out io.Writer) error {
	if o.server == "" || o.tokenFile == "" {
		return errors.New("--server and --token-file are required (see -help)")
	}
	if o.concurrency < 1 || o.accounts < 1 || o.duration <= 0 {
		return errors.New("--concurrency, --accounts and --duration must be positive")
	}
	// One connection per client, kept alive: the default pool of 2 idle connections would open and
	// close a TCP connection for almost every request and measure that instead.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConns, transport.MaxIdleConnsPerHost = o.concurrency*2, o.concurrency*2
	opts := []client.RemoteOption{client.WithTransport(transport), client.WithTimeout(30 * time.Second)}
	if o.caFile != "" {
		opts = append(opts, client.WithCAFile(o.caFile))
	}
	token, err := client.ReadTokenFile(o.tokenFile)
	if err != nil {
		return err
	}
	servers := serverList(o.server)
	if len(servers) == 0 {
		return errors.New("--server names no server")
	}
	leanTransport := transport.Clone()
	if o.caFile != "" {
		pem, err := os.ReadFile(o.caFile)
		if err != nil {
			return err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("%s holds no PEM certificate", o.caFile)
		}
		leanTransport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	hc := &http.Client{Transport: leanTransport, Timeout: 30 * time.Second}
	var agents []*verifier
	var agent *client.Remote
	for _, srv := range servers {
		remote, err := client.NewRemote(srv, token, opts...) // checks the token and the server
		if err != nil {
			return fmt.Errorf("%s: %w", srv, err)
		}
		defer remote.Close()
		if agent == nil {
			agent = remote
		}
		agents = append(agents, &verifier{hc: hc, base: strings.TrimRight(srv, "/"), auth: "Bearer " + token})
	}
	if !agent.Operator().Role.Permits(model.PermVerify) {
		return fmt.Errorf("the token is %s's, a %s, who may not verify; use an agent token", agent.Operator().Name, agent.Operator().Role)
	}
	var targets []target
	if o.adminTokenFile != "" {
		if targets, err = seed(ctx, o, servers[0], opts, out); err != nil {
			return err
		}
	} else {
		return errors.New("--admin-token-file is required: the load accounts and their PINs are made with it")
	}
	fmt.Fprintf(out, "driving %s for %s with %d clients (%s) over %d accounts as %s\n", strings.Join(servers, " and "), o.duration, o.concurrency, mode(o), len(targets), agent.Operator().Name)
	res := drive(ctx, o, agents, targets)
	res.print(out, o)
	if res.ok == 0 {
		return errors.New("no verification succeeded")
	}
	return nil
}

func mode(o options) string {
	if o.rate > 0 {
		return fmt.Sprintf("open loop at %.0f/s", o.rate)
	}
	return "closed loop"
}

// serverList splits a comma-separated --server into its URLs, dropping blanks.
func serverList(s string) []string {
	var out []string
	for _, u := range strings.Split(s, ",") {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, u)
		}
	}
	return out
}

type target struct {
	account, pin string
	// The verification's path and bodies (right and wrong PIN), built once (see verifier).
	path, right, wrong string
}

func newTarget(account, pin string) target {
	body := func(pin string) string {
		b, _ := json.Marshal(api.VerifyRequest{PIN: pin, Channel: model.ChannelPhone})
		return string(b)
	}
	return target{account: account, pin: pin, path: api.Verify.URL(account, "c-1"),
		right: body(pin), wrong: body(wrongPIN(pin))}
}

// verifier sends verifications over plain net/http: the load tool measures the server, so its own
// side of each request is kept to building it and reading the answer (see the command's doc).
type verifier struct {
	hc         *http.Client
	base, auth string
}

// keyPrefix makes this run's idempotency keys unique across runs; a counter makes them unique in it.
var keyPrefix = func() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b) + "-"
}()

var keySeq atomic.Int64

func (v *verifier) verify(ctx context.Context, t target, wrong bool) (model.VerifyResult, error) {
	body := t.right
	if wrong {
		body = t.wrong
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, v.base+t.path, strings.NewReader(body))
	if err != nil {
		return model.VerifyResult{}, err
	}
	req.Header.Set("Authorization", v.auth)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", keyPrefix+fmt.Sprint(keySeq.Add(1)))
	resp, err := v.hc.Do(req)
	if err != nil {
		return model.VerifyResult{}, fmt.Errorf("%w: %v", model.ErrUnavailable, err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return model.VerifyResult{}, fmt.Errorf("%w: %v", model.ErrUnavailable, err)
	}
	if resp.StatusCode == http.StatusOK {
		var out model.VerifyResult
		if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
			return out, fmt.Errorf("the server's answer: %w", err)
		}
		return out, nil
	}
	var p api.Problem
	_ = json.Unmarshal(buf.Bytes(), &p)
	return model.VerifyResult{}, statusError(resp.StatusCode, p.Code, p.Detail)
}

// statusError names a refusal by the sentinel errorKind counts, or by its status and code.
func statusError(status int, code, detail string) error {
	switch {
	case status == http.StatusTooManyRequests:
		return model.ErrRateLimited
	case status == http.StatusUnauthorized:
		return model.ErrUnauthorized
	case status == http.StatusForbidden:
		return model.ErrNotPermitted
	case status == http.StatusServiceUnavailable && code == api.CodeBusy:
		return model.ErrBusy
	case status == http.StatusServiceUnavailable:
		return model.ErrUnavailable
	}
	return fmt.Errorf("HTTP %d %s: %s", status, code, detail)
}

// seed imports the load accounts and sets a fresh random master PIN for each, as the admin.
func seed(ctx context.Context, o options, server string, opts []client.RemoteOption, out io.Writer) ([]target, error) {
	token, err := client.ReadTokenFile(o.adminTokenFile)
	if err != nil {
		return nil, err
	}
	admin, err := client.NewRemote(server, token, opts...)
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	accounts := make([]model.Account, o.accounts)
	for i := range accounts {
		accounts[i] = model.Account{ID: fmt.Sprintf("load-%04d", i), Number: fmt.Sprintf("L%06d", i),
			Name: fmt.Sprintf("Load Test %04d", i), Product: "broadband", UsesPINs: true,
			Contacts: []model.Contact{{ID: "c-1", Name: fmt.Sprintf("Load Holder %04d", i), Role: model.RoleHolder}}}
	}
	start := time.Now()
	if err := admin.Import(ctx, accounts); err != nil {
		return nil, fmt.Errorf("import the load accounts: %w", err)
	}
	// The API hands a generated PIN to the portal role only, so the admin draws each PIN under the
	// server's policy and sets it.
	policy, err := admin.Policy(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the PIN policy: %w", err)
	}
	targets := make([]target, len(accounts))
	for i, a := range accounts {
		// A locked holder (from an earlier run with --wrong-every) must be unlocked first.
		err := admin.Unlock(ctx, model.UnlockRequest{AccountID: a.ID, Holder: "c-1", Reason: "load test"})
		if err != nil && !errors.Is(err, model.ErrNotLocked) {
			return nil, fmt.Errorf("unlock %s: %w", a.ID, err)
		}
		pin, err := policy.Generate(nil)
		if err != nil {
			return nil, err
		}
		if _, err := admin.Set(ctx, model.PINChange{AccountID: a.ID, Holder: "c-1", Kind: model.KindMaster}, pin); err != nil {
			return nil, fmt.Errorf("set a PIN for %s: %w", a.ID, err)
		}
		targets[i] = newTarget(a.ID, pin)
	}
	fmt.Fprintf(out, "seeded %d accounts with fresh PINs in %s\n", len(targets), time.Since(start).Round(time.Millisecond))
	return targets, nil
}

type result struct {
	mu        sync.Mutex
	latencies []time.Duration
	ok        int
	outcomes  map[model.Outcome]int
	errors    map[string]int
	late      int // open loop: verifications not started because every client was busy
	elapsed   time.Duration
}

func (r *result) record(d time.Duration, res model.VerifyResult, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.errors[errorKind(err)]++
		return
	}
	r.ok++
	r.outcomes[res.Outcome]++
	r.latencies = append(r.latencies, d)
}

func errorKind(err error) string {
	for _, s := range []error{model.ErrRateLimited, model.ErrBusy, model.ErrUnavailable, model.ErrUnauthorized, model.ErrNotPermitted} {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	return err.Error()
}

// drive runs the load; client w sends through agents[w%len(agents)], so the servers share it evenly.
func drive(ctx context.Context, o options, agents []*verifier, targets []target) *result {
	res := &result{outcomes: map[model.Outcome]int{}, errors: map[string]int{}}
	ctx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	var n atomic.Int64
	verify := func(agent *verifier, due time.Time) {
		i := n.Add(1)
		t := targets[int(i)%len(targets)]
		wrong := o.wrongEvery > 0 && i%int64(o.wrongEvery) == 0
		r, err := agent.verify(context.WithoutCancel(ctx), t, wrong)
		res.record(time.Since(due), r, err)
	}
	start := time.Now()
	var wg sync.WaitGroup
	if o.rate <= 0 {
		for w := 0; w < o.concurrency; w++ {
			wg.Add(1)
			agent := agents[w%len(agents)]
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					verify(agent, time.Now())
				}
			}()
		}
	} else {
		due := make(chan time.Time, o.concurrency)
		for w := 0; w < o.concurrency; w++ {
			wg.Add(1)
			agent := agents[w%len(agents)]
			go func() {
				defer wg.Done()
				for d := range due {
					verify(agent, d)
				}
			}()
		}
		interval := time.Duration(float64(time.Second) / o.rate)
		next := time.Now()
	loop:
		for {
			next = next.Add(interval)
			select {
			case <-ctx.Done():
				break loop
			case <-time.After(time.Until(next)):
			}
			select {
			case due <- next:
			default:
				res.mu.Lock()
				res.late++
				res.mu.Unlock()
			}
		}
		close(due)
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}

// wrongPIN is a PIN of the same length that is not pin.
func wrongPIN(pin string) string {
	b := []byte(pin)
	b[len(b)-1] = '0' + (b[len(b)-1]-'0'+5)%10
	return string(b)
}

func (r *result) print(out io.Writer, o options) {
	sort.Slice(r.latencies, func(i, j int) bool { return r.latencies[i] < r.latencies[j] })
	pct := func(p float64) time.Duration {
		if len(r.latencies) == 0 {
			return 0
		}
		return r.latencies[int(p*float64(len(r.latencies)-1))]
	}
	fmt.Fprintf(out, "verifications: %d answered in %s = %.0f/s\n", r.ok, r.elapsed.Round(time.Millisecond), float64(r.ok)/r.elapsed.Seconds())
	fmt.Fprintf(out, "latency: p50 %s  p90 %s  p99 %s  max %s\n", round(pct(0.50)), round(pct(0.90)), round(pct(0.99)), round(pct(1)))
	var parts []string
	for _, oc := range model.Outcomes {
		if c := r.outcomes[oc]; c > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", oc, c))
		}
	}
	fmt.Fprintf(out, "outcomes: %s\n", strings.Join(parts, ", "))
	for k, c := range r.errors {
		fmt.Fprintf(out, "errors: %d × %s\n", c, k)
	}
	if r.errors[model.ErrRateLimited.Error()] > 0 {
		fmt.Fprintln(out, "hint: the server's verification rate limits refused some; raise them for a load test (see -help)")
	}
	if r.late > 0 {
		fmt.Fprintf(out, "late: %d verifications not started because all %d clients were busy (the server is past capacity at this rate)\n", r.late, o.concurrency)
	}
}

func round(d time.Duration) time.Duration {
	if d > 10*time.Millisecond {
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(10 * time.Microsecond)
}

package server_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/pindesk/pindesk/api"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/server"
)

// TestReadinessFailsWhenTheDatabaseCannotBeWritten: /readyz answers 503 (unavailable, with
// Retry-After) when the SQLite file can still be read but not written, or no longer is the file
// the server opened — not only when reads fail.
func TestReadinessFailsWhenTheDatabaseCannotBeWritten(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		breakIt func(t *testing.T, path string)
	}{
		{"the file made read-only under the server", func(t *testing.T, path string) {
			for _, f := range []string{path, path + "-wal"} {
				if out, err := exec.Command("chattr", "+i", f).CombinedOutput(); err != nil {
					t.Skipf("cannot make %s immutable (needs root and a file system with the attribute): %v %s", f, err, out)
				}
				t.Cleanup(func() { exec.Command("chattr", "-i", f).Run() })
			}
		}},
		{"the file deleted under the server", func(t *testing.T, path string) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}},
		{"the file replaced under the server", func(t *testing.T, path string) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path+".restored", data, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(path+".restored", path); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, noLimits)
			if r := e.callToken("", "GET", "/readyz", nil); r.status != 200 {
				t.Fatalf("readyz on a healthy file: %d %s", r.status, r.body)
			}
			c.breakIt(t, e.st.Path())
			r := e.callToken("", "GET", "/readyz", nil)
			if r.status != 503 || r.problem(t).Code != api.CodeUnavailable || r.header.Get("Retry-After") == "" {
				t.Fatalf("readyz with %s: %d Retry-After %q %s; want 503 unavailable with Retry-After", c.name, r.status, r.header.Get("Retry-After"), r.body)
			}
			if !strings.Contains(e.logs.String(), `"level":"ERROR"`) {
				t.Errorf("no error logged: %s", e.logs.String())
			}
		})
	}
}

// TestADeletedDatabaseFileStopsTheServerAnswering: once the SQLite file is deleted under a running
// server, every API request — a read as much as a verification — answers 503 unavailable with
// Retry-After, saying to restart, and the server logs an error; it never answers from the deleted
// file, not even after the file is put back.
func TestADeletedDatabaseFileStopsTheServerAnswering(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	if r := e.call(model.OpAgent, "GET", "/v1/accounts/"+acct, nil); r.status != 200 {
		t.Fatalf("before: %d %s", r.status, r.body)
	}
	path := e.st.Path()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	// The first write notices at once; reads notice within the store's check interval.
	verify := e.call(model.OpAgent, "POST", verifyPath(acct, ada), map[string]any{"pin": wrongPIN})
	checkUnavailable(t, "a verification", verify)
	deadline := time.Now().Add(3 * time.Second)
	for {
		r := e.call(model.OpAgent, "GET", "/v1/accounts/"+acct, nil)
		if r.status == 503 {
			checkUnavailable(t, "a read", r)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a read still answers %d %v after the file was deleted", r.status, time.Since(deadline.Add(-3*time.Second)))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	checkUnavailable(t, "a read after a copy was put back", e.call(model.OpAgent, "GET", "/v1/accounts/"+acct, nil))
	logs := e.logs.String()
	if !strings.Contains(logs, `"level":"ERROR"`) || !strings.Contains(logs, "was deleted") {
		t.Errorf("no error naming the deleted file was logged: %s", logs)
	}
}

func checkUnavailable(t *testing.T, what string, r response) {
	t.Helper()
	if r.status != 503 {
		t.Fatalf("%s with the database file deleted: %d %s; want 503", what, r.status, r.body)
	}
	p := r.problem(t)
	if p.Code != api.CodeUnavailable || r.header.Get("Retry-After") == "" || !strings.Contains(p.Detail, "restart") {
		t.Fatalf("%s with the database file deleted: code %s, Retry-After %q, detail %q; want unavailable, Retry-After and a word on restarting",
			what, p.Code, r.header.Get("Retry-After"), p.Detail)
	}
}

// TestEvery503CarriesRetryAfter: a busy database, like an unavailable one, says when to retry.
func TestEvery503CarriesRetryAfter(t *testing.T) {
	t.Parallel()
	for _, err := range []error{model.ErrBusy, model.ErrUnavailable, fmt.Errorf("%w: lost", model.ErrUnavailable), context.DeadlineExceeded} {
		if p := server.ProblemFor(err); p.Status == 503 && p.RetryAfter < 1 {
			t.Errorf("%v: 503 without retry_after", err)
		}
	}
}

// rawRequest sends one HTTP/1.1 request as written (header names and all) and returns the answer.
func rawRequest(t *testing.T, addr, request string) *http.Response {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, request); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// TestOversizedHeadersAndUncleanPathsAnswerProblems runs the real listener (ListenAndServe):
// a request whose header is over the API's cap, in one field or in many, answers 431 as
// problem+json (net/http's own 431 is plain text), and a path with an empty or dot segment
// answers a 404 problem instead of a redirect to somewhere the client did not ask for.
func TestOversizedHeadersAndUncleanPathsAnswerProblems(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, _ := start(t, ctx, server.ListenConfig{Addr: "127.0.0.1:0"}, e.srv)
	many := strings.Builder{}
	for i := range 400 {
		fmt.Fprintf(&many, "X-Filler-%d: %s\r\n", i, strings.Repeat("f", 100))
	}
	for _, c := range []struct {
		name, request string
		status        int
		code          string
	}{
		{"one header field over 32 KiB", "GET /v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + e.tokens[model.OpAgent] + "\r\nX-Big: " + strings.Repeat("b", 40<<10) + "\r\n\r\n", 431, api.CodeTooLarge},
		{"many header fields over 32 KiB together", "GET /healthz HTTP/1.1\r\nHost: x\r\n" + many.String() + "\r\n", 431, api.CodeTooLarge},
		{"a path with an empty segment", "GET //v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + e.tokens[model.OpAgent] + "\r\n\r\n", 404, api.CodeNotFound},
		{"a path with a .. segment", "GET /v1/../v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + e.tokens[model.OpAgent] + "\r\n\r\n", 404, api.CodeNotFound},
		{"a path with a . segment", "GET /v1/./me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + e.tokens[model.OpAgent] + "\r\n\r\n", 404, api.CodeNotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp := rawRequest(t, addr, c.request)
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != c.status || resp.Header.Get("Content-Type") != "application/problem+json" || resp.Header.Get("Location") != "" {
				t.Fatalf("%d %s Location %q: %s; want %d application/problem+json", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Location"), body, c.status)
			}
			if !strings.Contains(string(body), `"code":"`+c.code+`"`) {
				t.Fatalf("body %s, want code %s", body, c.code)
			}
		})
	}
	t.Run("a header just under the cap is served", func(t *testing.T) {
		resp := rawRequest(t, addr, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("b", 30<<10)+"\r\n\r\n")
		if resp.StatusCode != 200 {
			t.Fatalf("%d", resp.StatusCode)
		}
	})
}

// TestUncleanPathsAreNotRedirected goes through the test server and Go's client: the client
// would follow a redirect; it must get the 404 problem.
func TestUncleanPathsAreNotRedirected(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	for _, p := range []string{"//v1/me", "/v1/../v1/me", "/v1//me"} {
		r := e.call(model.OpAgent, "GET", p, nil)
		if r.status != 404 || r.problem(t).Code != api.CodeNotFound {
			t.Errorf("GET %s: %d %s; want a 404 problem", p, r.status, r.body)
		}
	}
}

// TestTLSAnswersCarryHSTS: with TLS on, every answer (a success and a problem) tells the browser to
// keep to HTTPS.
func TestTLSAnswersCarryHSTS(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	cert, key, pool := selfSigned(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, _ := start(t, ctx, server.ListenConfig{Addr: "127.0.0.1:0", CertFile: cert, KeyFile: key}, e.srv)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	for _, p := range []string{"/healthz", "/v1/me", "/nowhere"} {
		resp, err := hc.Get("https://" + addr + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
			t.Errorf("GET %s over TLS (%d): Strict-Transport-Security %q", p, resp.StatusCode, got)
		}
	}
	if r := e.callToken("", "GET", "/healthz", nil); r.header.Get("Strict-Transport-Security") != "" {
		t.Error("plain HTTP answered with Strict-Transport-Security")
	}
}

// TestMetricsCanBeServedOnTheirOwnListener: with MetricsElsewhere, /metrics is served by
// MetricsHandler on a listener of its own and is a 404 problem on the API's.
func TestMetricsCanBeServedOnTheirOwnListener(t *testing.T) {
	t.Parallel()
	cfg := noLimits
	cfg.MetricsElsewhere = true
	e := newEnv(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, _ := start(t, ctx, server.ListenConfig{Addr: "127.0.0.1:0"}, e.srv.MetricsHandler())
	e.call(model.OpAgent, "GET", "/v1/me", nil)
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `pindesk_http_requests_total{code="200",method="GET",route="GET /v1/me"} 1`) {
		t.Fatalf("the metrics listener: %d %s", resp.StatusCode, body)
	}
	if r := e.callToken("", "GET", "/metrics", nil); r.status != 404 || r.problem(t).Code != api.CodeNotFound {
		t.Fatalf("/metrics on the API's listener: %d %s; want a 404 problem", r.status, r.body)
	}
	if resp, err := http.Get("http://" + addr + "/v1/me"); err != nil {
		t.Fatal(err)
	} else if resp.Body.Close(); resp.StatusCode != 404 {
		t.Fatalf("the metrics listener served /v1/me: %d", resp.StatusCode)
	}
	for _, route := range e.srv.Routes() {
		if route == "GET /metrics" {
			t.Error("Routes lists /metrics though the API does not serve it")
		}
	}
}

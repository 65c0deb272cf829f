package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/model"
)

var tokenLine = regexp.MustCompile(`^pd_[A-Za-z0-9_-]{43}\n$`)

func TestTokenCreatePrintsTheTokenOnceAndAloneOnStdout(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "init")
	out, errOut := d.ok("", "admin", "token", "create", "--name", "desk-7", "--role", "agent")
	if !tokenLine.MatchString(out) {
		t.Fatalf("stdout %q, want the token alone", out)
	}
	if !strings.Contains(errOut, "desk-7 (agent)") || !strings.Contains(errOut, "shown only now") || strings.Contains(errOut, "pd_") {
		t.Fatalf("stderr %q", errOut)
	}
	list, _ := d.ok("", "admin", "token", "list")
	if !strings.Contains(list, "desk-7") || !strings.Contains(list, "agent") || strings.Contains(list, strings.TrimSpace(out)) {
		t.Fatalf("list %q", list)
	}
	id := regexp.MustCompile(`tok_[0-9a-f]+`).FindString(list)
	t.Run("a revoked token is listed with when it was revoked", func(t *testing.T) {
		if got, _ := d.ok("", "admin", "token", "revoke", id); !strings.Contains(got, "Revoked "+id) {
			t.Fatalf("revoke said %q", got)
		}
		list, _ := d.ok("", "admin", "token", "list")
		if strings.Contains(list, "  -\n") {
			t.Fatalf("the revoked token shows no revocation time: %q", list)
		}
	})
	cases := []struct {
		name string
		args []string
		code int
		says string
	}{
		{"an unknown role is a usage mistake", []string{"admin", "token", "create", "--name", "x", "--role", "root"}, 2, "operator role"},
		{"a missing name is a usage mistake", []string{"admin", "token", "create", "--role", "agent"}, 2, "--name"},
		{"revoking an unknown id fails clearly", []string{"admin", "token", "revoke", "tok_nope"}, 1, `no token "tok_nope"`},
		{"revoke needs exactly one id", []string{"admin", "token", "revoke"}, 2, "one token id"},
		{"tokens are not managed through a remote server", []string{"--server", "https://desk.example", "--token-file", "x", "admin", "token", "list"}, 1, "server's database"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := d.run("", c.args...)
			if code != c.code || !strings.Contains(errOut, c.says) {
				t.Fatalf("exit %d, %q; want %d saying %q", code, errOut, c.code, c.says)
			}
		})
	}
}

func TestTokenCreateWritesAPrivateFileAndNeverOverwritesOne(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "init")
	file := filepath.Join(t.TempDir(), "agent.tok")
	out, errOut := d.ok("", "admin", "token", "create", "--name", "desk-1", "--role", "agent", "--out", file)
	if out != "" || !strings.Contains(errOut, "written to "+file) {
		t.Fatalf("stdout %q stderr %q", out, errOut)
	}
	info, err := os.Stat(file)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("token file %v %v", info, err)
	}
	b, _ := os.ReadFile(file)
	if !tokenLine.Match(b) {
		t.Fatalf("file holds %q", b)
	}
	if tok, err := client.ReadTokenFile(file); err != nil || tok+"\n" != string(b) {
		t.Fatalf("the client cannot read it back: %v", err)
	}
	code, _, errOut := d.run("", "admin", "token", "create", "--name", "desk-2", "--role", "agent", "--out", file)
	if code != 1 || !strings.Contains(errOut, "never overwritten") {
		t.Fatalf("exit %d %q", code, errOut)
	}
	if after, _ := os.ReadFile(file); !bytes.Equal(after, b) {
		t.Fatal("the existing token file was changed")
	}
	if list, _ := d.ok("", "admin", "token", "list"); strings.Contains(list, "desk-2") {
		t.Fatal("a token was issued although it could not be written")
	}
}

func TestServeRefusesPlainHTTPOnTheNetwork(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	code, _, errOut := d.run("", "serve", "--listen", "0.0.0.0:7420")
	if code != 1 || !strings.Contains(errOut, "without TLS") {
		t.Fatalf("exit %d %q", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(d.dataDir, "pindesk.db")); err == nil {
		t.Fatal("a refused serve created a database")
	}
	code, _, errOut = d.run("", "serve", "--log-level", "loud")
	if code != 2 || !strings.Contains(errOut, "--log-level") {
		t.Fatalf("exit %d %q", code, errOut)
	}
}

// lockedBuffer is an io.Writer the test can read while the server writes to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServeAnswersTheAppInRemoteModeAndStopsWhenSignalled runs `pindesk serve` on a loopback
// port, opens the app with --server and a token file against it, and stops the server as SIGINT
// would (by cancelling its context): it exits 0.
func TestServeAnswersTheAppInRemoteModeAndStopsWhenSignalled(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "import", goodCSV)
	tokFile := filepath.Join(t.TempDir(), "tok")
	d.ok("", "admin", "token", "create", "--name", "desk-9", "--role", "supervisor", "--out", tokFile)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut lockedBuffer
	a := newApp(strings.NewReader(""), &out, &errOut)
	a.lookupEnv = func(string) (string, bool) { return "", false }
	a.homeDir = func() (string, error) { return t.TempDir(), nil }
	a.userName = func() string { return "ada" }
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--data-dir", d.dataDir, "serve", "--listen", "127.0.0.1:0", "--log-level", "error"}, a)
	}()
	var url string
	for deadline := time.Now().Add(10 * time.Second); url == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, u, ok := strings.Cut(out.String(), "listening on "); ok {
			url = strings.TrimSpace(u)
		}
	}
	if url == "" {
		t.Fatalf("serve did not start: %s", errOut.String())
	}

	var found model.SearchResult
	d.uiCheck = func(b client.Backend) {
		if _, ok := b.(client.Connection); !ok {
			t.Error("the remote backend does not report its connection")
		}
		found, _ = b.Search(context.Background(), "a", model.Page{})
	}
	d.ok("", "--server", url, "--token-file", tokFile)
	if op := d.uiBackend.Operator(); op != (model.Operator{Name: "desk-9", Role: model.OpSupervisor}) {
		t.Fatalf("the app acts as %+v, want the token's operator", op)
	}
	if len(found.Accounts) == 0 {
		t.Fatal("the app found no account through the server")
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d: %s", code, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop when signalled")
	}
}

// TestServeCanPutMetricsOnTheirOwnAddress: with --metrics-listen, /metrics answers there and is a
// 404 on the API's port; both listeners stop when serve is signalled.
func TestServeCanPutMetricsOnTheirOwnAddress(t *testing.T) {
	t.Parallel()
	d := newDesk(t)
	d.ok("", "admin", "init")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut lockedBuffer
	a := newApp(strings.NewReader(""), &out, &errOut)
	a.lookupEnv = func(string) (string, bool) { return "", false }
	a.homeDir = func() (string, error) { return t.TempDir(), nil }
	a.userName = func() string { return "ada" }
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--data-dir", d.dataDir, "serve", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--log-level", "error"}, a)
	}()
	api, metrics := "", ""
	for deadline := time.Now().Add(10 * time.Second); (api == "" || metrics == "") && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, line := range strings.Split(out.String(), "\n") {
			if _, u, ok := strings.Cut(line, "listening on "); ok {
				api = strings.TrimSpace(u)
			}
			if _, u, ok := strings.Cut(line, "metrics on "); ok {
				metrics = strings.TrimSpace(u)
			}
		}
	}
	if api == "" || metrics == "" {
		t.Fatalf("serve did not announce both listeners: %q %s", out.String(), errOut.String())
	}
	get := func(u string) (int, string) {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(metrics); code != 200 || !strings.Contains(body, "pindesk_") {
		t.Fatalf("metrics listener: %d %.200s", code, body)
	}
	if code, _ := get(api + "/metrics"); code != 404 {
		t.Fatalf("/metrics on the API's port: %d, want 404", code)
	}
	if code, _ := get(api + "/healthz"); code != 200 {
		t.Fatalf("/healthz on the API's port: %d", code)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d: %s", code, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop when signalled")
	}
}

// TestServesFlagsOverrideTheEnvironmentAndTheFile: serve's flags are one layer of the settings,
// above the environment, as every flag is; a flag can fix what a lower layer set.
func TestServesFlagsOverrideTheEnvironmentAndTheFile(t *testing.T) {
	t.Parallel()
	d := &keyDesk{desk: newDesk(t)}
	d.ok("", "admin", "init")
	d.env["PINDESK_SERVE_LISTEN"] = "0.0.0.0:7420" // refused without TLS
	code, errOut := d.runFor(time.Second, "serve", "--listen", "127.0.0.1:0", "--log-level", "error")
	if code != 0 || errOut != "" {
		t.Errorf("serve --listen 127.0.0.1:0 under PINDESK_SERVE_LISTEN=0.0.0.0:7420: exit %d, %q", code, errOut)
	}
}

package server_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pindesk/pindesk/internal/binarytest"
	"github.com/pindesk/pindesk/model"
)

// Helpers for the tests that drive the real binary (crash_test.go, multiserver_postgres_test.go).

// pindeskBinary returns the path of a pindesk binary: this test binary acting as pindesk
// (internal/binarytest), which runs exactly what the pindesk command's main does.
func pindeskBinary(t *testing.T) string {
	t.Helper()
	return binarytest.Path(t)
}

// createTokens makes an agent, a supervisor and an admin token, named prefix-role, with
// `pindesk admin token create` run by pindesk (the binary with its environment and settings),
// writing the token files into dir.
func createTokens(t *testing.T, dir, prefix string, pindesk func(args ...string) *exec.Cmd) map[model.OperatorRole]string {
	t.Helper()
	tokens := map[model.OperatorRole]string{}
	for _, role := range []model.OperatorRole{model.OpAgent, model.OpSupervisor, model.OpAdmin} {
		file := filepath.Join(dir, string(role)+".tok")
		if out, err := pindesk("admin", "token", "create", "--name", prefix+"-"+string(role), "--role", string(role), "--out", file).CombinedOutput(); err != nil {
			t.Fatalf("token create: %v\n%s", err, out)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		tokens[role] = strings.TrimSpace(string(b))
	}
	return tokens
}

// serveUnderLoad is `pindesk serve` on a free port with rate limits far above what a load test
// sends, so only what the test is about refuses anything.
var serveUnderLoad = []string{"serve", "--listen", "127.0.0.1:0", "--log-level", "error",
	"--token-verify-per-second", "1000", "--token-verify-burst", "10000",
	"--account-verify-per-second", "1000", "--account-verify-burst", "10000"}

// startServe starts cmd (a `pindesk serve`), kills it when the test ends, and returns the URL it
// says it listens on; name is what a failure calls it.
func startServe(t *testing.T, cmd *exec.Cmd, name string, wait time.Duration) string {
	t.Helper()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if _, u, ok := strings.Cut(sc.Text(), "listening on "); ok {
				line <- u
			}
		}
	}()
	select {
	case u := <-line:
		return u
	case <-time.After(wait):
		t.Fatalf("%s did not start: %s", name, stderr.String())
	}
	return ""
}

// send makes one request with the bearer token and a JSON body (none when body is nil), and
// returns the status and body of the answer.
func send(hc *http.Client, url, token, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

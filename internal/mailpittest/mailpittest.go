// Package mailpittest runs Mailpit (github.com/axllent/mailpit), a real SMTP server, on loopback
// for tests, and reads what it received through its HTTP API. Tests that need it skip when it is
// not installed, unless PINDESK_TEST_MAILPIT_REQUIRED=1 (CI: .ci/run installs it).
package mailpittest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Install is the command that installs the version the tests are written against.
const Install = "go install github.com/axllent/mailpit@v1.33.1"

// Server is one running Mailpit, stopped when its test ends.
type Server struct {
	SMTPPort int    // where it takes mail, plain SMTP unless started with TLS flags
	API      string // its HTTP API's base URL
}

// Message is a received message as Mailpit's API gives it.
type Message struct {
	ID      string
	Subject string
	To      []struct{ Address string }
	Text    string
	HTML    string
}

// Start runs Mailpit with extra command-line args (TLS, auth, recipient rules).
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	bin := binary(t)
	// The ports are free when picked but not held: a test running in parallel may take one before
	// Mailpit binds it, so a Mailpit that exits at start is tried again on new ports.
	var out string
	for range 3 {
		s, started, log := try(t, bin, args)
		if started {
			return s
		}
		out = log
	}
	t.Fatalf("mailpit did not start: %s", out)
	return nil
}

func binary(t testing.TB) string {
	t.Helper()
	if bin, err := exec.LookPath("mailpit"); err == nil {
		return bin
	}
	gopath, _ := exec.Command("go", "env", "GOPATH").Output()
	bin := filepath.Join(strings.TrimSpace(string(gopath)), "bin", "mailpit")
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("PINDESK_TEST_MAILPIT_REQUIRED") == "1" {
			t.Fatal("mailpit is not installed and PINDESK_TEST_MAILPIT_REQUIRED=1 (" + Install + ")")
		}
		t.Skip("mailpit is not installed (" + Install + ")")
	}
	return bin
}

// try starts Mailpit once and waits for its API; started is false when it exited first.
func try(t testing.TB, bin string, args []string) (s *Server, started bool, log string) {
	t.Helper()
	ports := FreePorts(t, 2)
	s = &Server{SMTPPort: ports[0], API: fmt.Sprintf("http://127.0.0.1:%d", ports[1])}
	cmd := exec.Command(bin, append([]string{"--smtp", fmt.Sprintf("127.0.0.1:%d", s.SMTPPort),
		"--listen", fmt.Sprintf("127.0.0.1:%d", ports[1]), "--database", filepath.Join(t.TempDir(), "mailpit.db")}, args...)...)
	// Its output goes to a file, read only when it fails to start.
	logPath := filepath.Join(t.TempDir(), "mailpit.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close() // the child holds its own copy
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	output := func() string { b, _ := os.ReadFile(logPath); return string(b) }
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-exited })
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		select {
		case <-exited:
			return nil, false, output()
		default:
		}
		if resp, err := http.Get(s.API + "/api/v1/messages"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s, true, ""
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit did not answer in 20 s: %s", output())
		}
	}
}

// FreePorts returns n distinct free loopback ports: every listener stays open until all are
// taken, so one call cannot hand out the same port twice (Mailpit's SMTP and HTTP once got one).
func FreePorts(t testing.TB, n int) []int {
	t.Helper()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// FreePort is a loopback port nothing listens on (for an SMTP server that is not there).
func FreePort(t testing.TB) int {
	t.Helper()
	return FreePorts(t, 1)[0]
}

// Messages returns every message received so far, in full.
func (s *Server) Messages(t testing.TB) []Message {
	t.Helper()
	var list struct{ Messages []Message }
	getJSON(t, s.API+"/api/v1/messages", &list)
	return s.full(t, list.Messages)
}

// Await waits up to 15 s for at least n messages (a deliverer sends on its own time) and returns
// every message received, in full.
func (s *Server) Await(t testing.TB, n int) []Message {
	t.Helper()
	var list struct{ Messages []Message }
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		getJSON(t, s.API+"/api/v1/messages", &list)
		if len(list.Messages) >= n || time.Now().After(deadline) {
			break
		}
	}
	return s.full(t, list.Messages)
}

func (s *Server) full(t testing.TB, listed []Message) []Message {
	t.Helper()
	out := []Message{}
	for _, m := range listed {
		var full Message
		getJSON(t, s.API+"/api/v1/message/"+m.ID, &full)
		out = append(out, full)
	}
	return out
}

func getJSON(t testing.TB, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

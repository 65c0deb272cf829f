package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pindesk/pindesk/model"
)

// TestAKilledServerLosesNoAnsweredAttempt builds pindesk, serves a fresh data folder, drives
// wrong verifications at many holders from 16 clients, kills the server with SIGKILL mid-load,
// restarts it, and does that twice. Then every attempt a client got an answer for must be in the
// audit trail and in its holder's count: an answer is only sent after its transaction is durable.
// Attempts in flight at the kill may or may not have committed; there are at most 16 of them.
func TestAKilledServerLosesNoAnsweredAttempt(t *testing.T) {
	t.Parallel() // it mostly waits on the binary it kills
	if testing.Short() {
		t.Skip("starts and kills pindesk processes")
	}
	bin := pindeskBinary(t)
	dir := t.TempDir()
	// Anomaly alerts off: one agent token failing across 400 accounts is exactly what they slow
	// (one verification per 30 s), and this test is about durability under SIGKILL, not them.
	environ := append(os.Environ(), "PINDESK_DATA_DIR="+dir, "PINDESK_CONFIG=", "PINDESK_SERVER=", "PINDESK_ANOMALY_FAILURES=0")
	// A database is created on purpose only (pindesk admin init), never by the first command.
	initCmd := exec.Command(bin, "admin", "init")
	initCmd.Env = environ
	if out, err := initCmd.CombinedOutput(); err != nil {
		t.Fatalf("admin init: %v\n%s", err, out)
	}
	tokens := createTokens(t, dir, "crash", func(args ...string) *exec.Cmd {
		cmd := exec.Command(bin, args...)
		cmd.Env = environ
		return cmd
	})

	serve := func() (*exec.Cmd, string) {
		t.Helper()
		cmd := exec.Command(bin, serveUnderLoad...)
		cmd.Env = environ
		return cmd, startServe(t, cmd, "pindesk serve", 20*time.Second)
	}
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	call := func(url, role, method, path string, body any) (int, []byte, error) {
		return send(hc, url, tokens[model.OperatorRole(role)], method, path, body)
	}

	cmd, url := serve()
	const holders = 400
	var accounts []model.Account
	for i := 0; i < holders; i++ {
		accounts = append(accounts, model.Account{ID: fmt.Sprintf("crash-%03d", i), Number: fmt.Sprintf("9%05d", i),
			Name: fmt.Sprintf("Crash Test %03d", i), Product: "broadband", UsesPINs: true,
			Contacts: []model.Contact{{ID: "c-1", Name: "Holder", Role: model.RoleHolder}}})
	}
	if st, b, err := call(url, "admin", "POST", "/v1/import", map[string]any{"accounts": accounts}); err != nil || st != 200 {
		t.Fatalf("import: %d %s %v", st, b, err)
	}
	for _, a := range accounts {
		if st, b, err := call(url, "admin", "PUT", "/v1/accounts/"+a.ID+"/holders/c-1/pins/master", map[string]string{"pin": "508213"}); err != nil || st != 200 {
			t.Fatalf("set PIN: %d %s %v", st, b, err)
		}
	}

	// answered[account][outcome] counts the answers the clients received.
	var mu sync.Mutex
	answered := map[string]map[string]int{}
	const workers, rounds = 16, 2
	for round := 0; round < rounds; round++ {
		var next atomic.Int64
		var wg sync.WaitGroup
		var total atomic.Int64
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					id := accounts[next.Add(1)%holders].ID
					st, b, err := call(url, "agent", "POST", "/v1/accounts/"+id+"/holders/c-1/verify", map[string]string{"pin": "000417"})
					if err != nil {
						return // the server is gone; this attempt's answer never arrived
					}
					var res model.VerifyResult
					if st != 200 || json.Unmarshal(b, &res) != nil {
						t.Errorf("verify answered %d: %s", st, b)
						return
					}
					total.Add(1)
					mu.Lock()
					if answered[id] == nil {
						answered[id] = map[string]int{}
					}
					answered[id][string(res.Outcome)]++
					mu.Unlock()
				}
			}()
		}
		for total.Load() < 150 { // mid-load: well under way, far from done
			time.Sleep(5 * time.Millisecond)
		}
		if err := cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown, no flush
			t.Fatal(err)
		}
		cmd.Wait()
		wg.Wait()
		cmd, url = serve()
	}

	// What the restarted server has, from its audit export and its account views.
	st, export, err := call(url, "supervisor", "GET", "/v1/audit/export", nil)
	if err != nil || st != 200 {
		t.Fatalf("export: %d %v", st, err)
	}
	audited := map[string]map[string]int{}
	for _, line := range bytes.Split(bytes.TrimSpace(export), []byte("\n")) {
		var e model.AuditEvent
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("export line %q: %v", line, err)
		}
		if e.Action != model.ActionVerify {
			continue
		}
		if audited[e.AccountID] == nil {
			audited[e.AccountID] = map[string]int{}
		}
		audited[e.AccountID][e.Outcome]++
	}
	var sumAnswered, sumAudited, mismatches int
	for _, a := range accounts {
		for _, o := range []string{"mismatch", "locked"} {
			got, want := audited[a.ID][o], answered[a.ID][o]
			if got < want {
				t.Errorf("%s: %d %s answered but %d audited", a.ID, want, o, got)
			}
			sumAnswered, sumAudited = sumAnswered+want, sumAudited+got
		}
		mismatches += answered[a.ID]["mismatch"]
		if answered[a.ID]["mismatch"] == 0 {
			continue
		}
		st, b, err := call(url, "supervisor", "GET", "/v1/accounts/"+a.ID, nil)
		if err != nil || st != 200 {
			t.Fatalf("account: %d %v", st, err)
		}
		var v model.AccountView
		json.Unmarshal(b, &v)
		h, _ := v.Holder("c-1")
		if h.Failures != audited[a.ID]["mismatch"] {
			t.Errorf("%s: %d failures counted, %d mismatches audited", a.ID, h.Failures, audited[a.ID]["mismatch"])
		}
	}
	if extra := sumAudited - sumAnswered; extra < 0 || extra > workers*rounds {
		t.Errorf("%d attempts audited beyond those answered, want 0..%d (the ones in flight at each kill)", extra, workers*rounds)
	}
	if mismatches < 200 {
		t.Fatalf("only %d mismatches answered: the load never got going, so the test proves little", mismatches)
	}
	t.Logf("answered %d attempts (%d mismatches) across %d kills; audited %d", sumAnswered, mismatches, rounds, sumAudited)
}

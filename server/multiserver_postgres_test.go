package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pindesk/pindesk/internal/pgtest"
	"github.com/pindesk/pindesk/model"
)

// pgSchemaURL is a schema of its own for the test (internal/pgtest).
func pgSchemaURL(t *testing.T) string { return pgtest.SchemaURL(t, "pindesk_servers") }

// pgDesk is two real `pindesk serve` processes on one PostgreSQL database: each has its own data
// folder, both hold the same key file, as the servers of one installation do.
type pgDesk struct {
	t      *testing.T
	urls   [2]string
	tokens map[model.OperatorRole]string
	hc     *http.Client
}

func newPGDesk(t *testing.T) *pgDesk {
	t.Helper()
	database := pgSchemaURL(t)
	bin := pindeskBinary(t)
	keyFile := filepath.Join(t.TempDir(), "pindesk.key")
	dirs := [2]string{t.TempDir(), t.TempDir()}
	pindesk := func(dir string, args ...string) *exec.Cmd {
		cmd := exec.Command(bin, append([]string{"--data-dir", dir, "--database", database, "--key-file", keyFile}, args...)...)
		cmd.Env = append(os.Environ(), "PINDESK_CONFIG=", "PINDESK_SERVER=")
		return cmd
	}
	if out, err := pindesk(dirs[0], "admin", "key", "init").CombinedOutput(); err != nil {
		t.Fatalf("key init: %v\n%s", err, out)
	}
	d := &pgDesk{t: t, hc: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	d.tokens = createTokens(t, dirs[0], "two-servers", func(args ...string) *exec.Cmd { return pindesk(dirs[0], args...) })
	for i, dir := range dirs {
		d.urls[i] = startServe(t, pindesk(dir, serveUnderLoad...), fmt.Sprintf("pindesk serve %d", i), 30*time.Second)
	}
	return d
}

// with is d reporting to t, for use inside a subtest (a subtest may not fail its parent).
func (d *pgDesk) with(t *testing.T) *pgDesk {
	c := *d
	c.t = t
	return &c
}

// call sends one request to server i as the role and returns the status and body.
func (d *pgDesk) call(i int, role model.OperatorRole, method, path string, body any) (int, []byte) {
	d.t.Helper()
	st, b, err := d.try(i, role, method, path, body)
	if err != nil {
		d.t.Fatalf("%s %s on server %d: %v", method, path, i, err)
	}
	return st, b
}

func (d *pgDesk) try(i int, role model.OperatorRole, method, path string, body any) (int, []byte, error) {
	return send(d.hc, d.urls[i], d.tokens[role], method, path, body)
}

func (d *pgDesk) must(i int, role model.OperatorRole, method, path string, body any, want int) []byte {
	d.t.Helper()
	st, b := d.call(i, role, method, path, body)
	if st != want {
		d.t.Fatalf("%s %s on server %d answered %d, want %d: %s", method, path, i, st, want, b)
	}
	return b
}

// storm sends n verifications of pin at the holder, alternating between the two servers, all
// released at once, and counts the outcomes answered.
func (d *pgDesk) storm(account, holder, pin string, n int) map[model.Outcome]int {
	d.t.Helper()
	var mu sync.Mutex
	got := map[model.Outcome]int{}
	release := make(chan struct{})
	var wg sync.WaitGroup
	for k := 0; k < n; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-release
			st, b, err := d.try(k%2, model.OpAgent, "POST", verifyPath(account, holder), map[string]string{"pin": pin, "channel": "phone"})
			var res model.VerifyResult
			if err != nil || st != 200 || json.Unmarshal(b, &res) != nil {
				d.t.Errorf("verify %d on server %d: %d %s %v", k, k%2, st, b, err)
				return
			}
			mu.Lock()
			got[res.Outcome]++
			mu.Unlock()
		}()
	}
	close(release)
	wg.Wait()
	return got
}

func (d *pgDesk) holder(i int, account, holder string) model.HolderState {
	d.t.Helper()
	var v model.AccountView
	if err := json.Unmarshal(d.must(i, model.OpSupervisor, "GET", "/v1/accounts/"+account, nil, 200), &v); err != nil {
		d.t.Fatal(err)
	}
	h, ok := v.Holder(holder)
	if !ok {
		d.t.Fatalf("no holder %s on %s", holder, account)
	}
	return h
}

// audited counts the account's verifications in the audit export, by outcome.
func (d *pgDesk) audited(i int, account string) map[string]int {
	d.t.Helper()
	body := d.must(i, model.OpSupervisor, "GET", "/v1/audit/export?account="+url.QueryEscape(account), nil, 200)
	got := map[string]int{}
	for _, line := range bytes.Split(bytes.TrimSpace(body), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var e model.AuditEvent
		if err := json.Unmarshal(line, &e); err != nil {
			d.t.Fatalf("export line %q: %v", line, err)
		}
		if e.Action == model.ActionVerify {
			got[e.Outcome]++
		}
	}
	return got
}

// TestTwoServersOnOnePostgreSQLDatabaseShareOneLockout runs two real `pindesk serve` processes on
// one PostgreSQL database and shows that the lockout is the database's, not a server's: wrong PINs
// sent through both at once lock the holder after exactly six, a one-time PIN is spent once across
// both, and an unlock through one server frees the holder on the other.
func TestTwoServersOnOnePostgreSQLDatabaseShareOneLockout(t *testing.T) {
	t.Parallel() // a schema of its own; mostly waits on PostgreSQL
	if testing.Short() {
		t.Skip("builds the real binary and runs two servers on PostgreSQL")
	}
	d := newPGDesk(t)
	const lockAcct, onceAcct, holder, pin, wrong = "pg-lock", "pg-once", "c-1", "508213", "000417"
	accounts := []model.Account{
		{ID: lockAcct, Number: "710001", Name: "Two Servers Lock", Product: "broadband", UsesPINs: true,
			Contacts: []model.Contact{{ID: holder, Name: "Lock Holder", Role: model.RoleHolder}}},
		{ID: onceAcct, Number: "710002", Name: "Two Servers Once", Product: "broadband", UsesPINs: true,
			Contacts: []model.Contact{{ID: holder, Name: "Once Holder", Role: model.RoleHolder}}},
	}
	d.must(0, model.OpAdmin, "POST", "/v1/import", map[string]any{"accounts": accounts}, 200)
	d.must(1, model.OpAdmin, "PUT", pinPath(lockAcct, holder, model.KindMaster), map[string]string{"pin": pin}, 200)
	d.must(0, model.OpAdmin, "PUT", pinPath(onceAcct, holder, model.KindOneTime), map[string]string{"pin": pin}, 200)

	t.Run("64 wrong PINs through both servers at once lock the holder after exactly six", func(t *testing.T) {
		d := d.with(t)
		got := d.storm(lockAcct, holder, wrong, 64)
		if got[model.OutcomeMismatch] != 6 || got[model.OutcomeLocked] != 58 {
			t.Fatalf("outcomes %v, want 6 mismatch and 58 locked", got)
		}
		for i := range d.urls {
			if h := d.holder(i, lockAcct, holder); h.Failures != 6 || !h.Locked() {
				t.Errorf("server %d shows failures %d locked %v, want 6 and locked", i, h.Failures, h.Locked())
			}
		}
		if a := d.audited(1, lockAcct); a["mismatch"] != 6 || a["locked"] != 58 || len(a) != 2 {
			t.Errorf("audited %v, want 6 mismatch and 58 locked", a)
		}
	})

	t.Run("a one-time PIN given through both servers at once is verified exactly once", func(t *testing.T) {
		d := d.with(t)
		got := d.storm(onceAcct, holder, pin, 16)
		if got[model.OutcomeVerified] != 1 || got[model.OutcomeSpent] != 15 {
			t.Fatalf("outcomes %v, want 1 verified and 15 spent", got)
		}
		if a := d.audited(0, onceAcct); a["verified"] != 1 || a["spent"] != 15 {
			t.Errorf("audited %v, want 1 verified and 15 spent", a)
		}
	})

	t.Run("an unlock through one server frees the holder on the other", func(t *testing.T) {
		d := d.with(t)
		if h := d.holder(1, lockAcct, holder); !h.Locked() {
			t.Fatal("the holder is not locked: the storm above did not run")
		}
		d.must(0, model.OpSupervisor, "POST", "/v1/accounts/"+lockAcct+"/holders/"+holder+"/unlock",
			map[string]string{"reason": "caller proved identity", "channel": "phone"}, 204)
		st, b := d.call(1, model.OpAgent, "POST", verifyPath(lockAcct, holder), map[string]string{"pin": pin, "channel": "phone"})
		var res model.VerifyResult
		if st != 200 || json.Unmarshal(b, &res) != nil || res.Outcome != model.OutcomeVerified {
			t.Fatalf("verify on server 1 after the unlock on server 0: %d %s", st, b)
		}
		if h := d.holder(1, lockAcct, holder); h.Failures != 0 || h.Locked() {
			t.Errorf("after the unlock and a verified PIN: failures %d locked %v", h.Failures, h.Locked())
		}
	})
}

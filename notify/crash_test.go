package notify_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/internal/binarytest"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/notify"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/secret"
	"github.com/pindesk/pindesk/store/sqlite"
)

// TestNoNoticeIsLostAcrossTenSIGKILLs builds pindesk, writes notices (PIN changes) into its
// database, and starts `pindesk serve` delivering them to a real receiver that checks every
// signature, killing it with SIGKILL at a random moment ten times while more notices are written.
// A last start must then deliver every notice ever written: none lost (duplicates are allowed,
// and dropped by the receiver by webhook-id).
func TestNoNoticeIsLostAcrossTenSIGKILLs(t *testing.T) {
	t.Parallel() // it mostly waits on the binary it kills
	if testing.Short() {
		t.Skip("starts and kills pindesk processes")
	}
	bin := binarytest.Path(t) // this test binary acting as pindesk: the pindesk command's own code
	dir := t.TempDir()
	ctx := context.Background()
	dbPath, keyPath, secretPath := filepath.Join(dir, "pindesk.db"), filepath.Join(dir, "pindesk.key"), filepath.Join(dir, "webhook.secret")
	key, err := secret.LoadOrCreateKey(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sealer, _ := secret.New(key)
	svc, err := core.New(st, sealer)
	if err != nil {
		t.Fatal(err)
	}
	const accounts = 60
	var accts []model.Account
	for i := range accounts {
		accts = append(accts, model.Account{ID: fmt.Sprintf("k-%02d", i), Number: fmt.Sprintf("7%05d", i), Name: "Kill Test", Product: "broadband",
			UsesPINs: true, Contacts: []model.Contact{{ID: "c-1", Name: "Holder", Role: model.RoleHolder}}})
	}
	admin := model.Operator{Name: "root", Role: model.OpAdmin}
	if err := svc.Import(ctx, admin, accts); err != nil {
		t.Fatal(err)
	}
	// Each PIN generated writes exactly one notice, with an id of its own: every one written is
	// received when the receiver holds as many distinct ids as PINs were generated.
	written := 0
	writeSome := func(n int) {
		t.Helper()
		for range n {
			a := accts[rand.IntN(accounts)]
			if _, err := svc.Generate(ctx, admin, model.PINChange{AccountID: a.ID, Holder: "c-1", Kind: model.KindMaster}); err != nil {
				t.Fatal(err)
			}
			written++
		}
	}
	writeSome(150)

	sec := notify.NewSecret()
	if err := os.WriteFile(secretPath, []byte(sec+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rcv := newReceiver(t, sec)
	rcv.set(200, 3*time.Millisecond) // slow enough that a kill finds notices in flight
	environ := append(os.Environ(), "PINDESK_DATA_DIR="+dir, "PINDESK_CONFIG=", "PINDESK_SERVER=",
		"PINDESK_DATABASE="+dbPath, "PINDESK_KEY_FILE="+keyPath, "PINDESK_NOTIFY_WEBHOOK_SECRET_FILE="+secretPath,
		"PINDESK_NOTIFY_WEBHOOK_URLS="+rcv.srv.URL+"/pindesk", "PINDESK_NOTIFY_TIMEOUT=500ms", "PINDESK_NOTIFY_LEASE=1s")
	serve := func() *exec.Cmd {
		t.Helper()
		cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--log-level", "error")
		cmd.Env = environ
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		up := make(chan bool, 1)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if strings.Contains(sc.Text(), "listening on ") {
					up <- true
				}
			}
		}()
		select {
		case <-up:
		case <-time.After(20 * time.Second):
			t.Fatalf("pindesk serve did not start: %s", stderr.String())
		}
		return cmd
	}
	for kill := range 10 {
		cmd := serve()
		writeSome(15) // written while the server delivers
		time.Sleep(time.Duration(rand.IntN(150)) * time.Millisecond)
		if err := cmd.Process.Kill(); err != nil { // SIGKILL
			t.Fatal(err)
		}
		cmd.Wait()
		t.Logf("kill %d: %d of %d notices received so far", kill+1, len(rcv.received()), written)
	}
	serve()
	deadline := time.Now().Add(60 * time.Second)
	for len(outboxIDs(t, st)) > 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	got := rcv.received()
	lost := written - len(got)
	for _, p := range got {
		if p.Type != model.NoticePINGenerated {
			t.Errorf("received a notice never written: %+v", p)
		}
	}
	rcv.mu.Lock()
	posts := rcv.posts
	rcv.mu.Unlock()
	t.Logf("notices written %d, received %d, lost %d, duplicate posts dropped by the receiver %d", written, len(got), lost, posts-len(got))
	if lost != 0 || len(outboxIDs(t, st)) != 0 {
		t.Fatalf("%d notices lost; %d still in the outbox", lost, len(outboxIDs(t, st)))
	}
}

func outboxIDs(t *testing.T, st store.Store) map[string]bool {
	t.Helper()
	es, err := st.Notices(context.Background(), store.NoticeQuery{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, e := range es {
		out[e.ID] = true
	}
	return out
}

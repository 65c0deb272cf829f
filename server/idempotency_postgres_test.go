package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/pindesk/pindesk/model"
)

// keyedVerify sends a verification with an Idempotency-Key to server i as an agent.
func (d *pgDesk) keyedVerify(i int, account, holder, pin, key string) (int, []byte, error) {
	b, _ := json.Marshal(map[string]string{"pin": pin, "channel": "phone"})
	req, err := http.NewRequest("POST", d.urls[i]+verifyPath(account, holder), bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+d.tokens[model.OpAgent])
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	resp, err := d.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// TestOneIdempotencyKeySentToTwoHoldersThroughTwoServersIsDecidedBeforeAnyComparison sends one key
// at once to two holders, each through its own `pindesk serve` on one PostgreSQL database, each with
// its right one-time PIN. The key is claimed before a PIN is compared, and the database's unique
// index makes the second claim wait for the first transaction: so exactly one holder is verified,
// audited and has its PIN spent, and the other is refused 422 having compared, spent and audited
// nothing — its PIN still verifies afterwards under a new key.
func TestOneIdempotencyKeySentToTwoHoldersThroughTwoServersIsDecidedBeforeAnyComparison(t *testing.T) {
	t.Parallel() // a schema of its own; mostly waits on PostgreSQL
	if testing.Short() {
		t.Skip("builds the real binary and runs two servers on PostgreSQL")
	}
	d := newPGDesk(t)
	const rounds, pin = 8, "508213"
	holders := [2]string{"c-1", "c-2"}
	var accounts []model.Account
	for r := range rounds {
		accounts = append(accounts, model.Account{ID: fmt.Sprintf("pg-key-%d", r), Number: fmt.Sprintf("72%04d", r), Name: "Two Servers Key",
			Product: "broadband", UsesPINs: true, Contacts: []model.Contact{
				{ID: holders[0], Name: "First Holder", Role: model.RoleHolder}, {ID: holders[1], Name: "Second Holder", Role: model.RoleSubAccount}}})
	}
	d.must(0, model.OpAdmin, "POST", "/v1/import", map[string]any{"accounts": accounts}, 200)
	for _, a := range accounts {
		for _, h := range holders {
			d.must(0, model.OpAdmin, "PUT", pinPath(a.ID, h, model.KindOneTime), map[string]string{"pin": pin}, 200)
		}
	}
	for r, a := range accounts {
		key := fmt.Sprintf("call-%d", r)
		var status [2]int
		var body [2][]byte
		release := make(chan struct{})
		var wg sync.WaitGroup
		for i := range 2 { // holder i through server i
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-release
				var err error
				status[i], body[i], err = d.keyedVerify(i, a.ID, holders[i], pin, key)
				if err != nil {
					t.Errorf("round %d, server %d: %v", r, i, err)
				}
			}()
		}
		close(release)
		wg.Wait()
		win := 0
		if status[0] != 200 {
			win = 1
		}
		lose := 1 - win
		var res model.VerifyResult
		var p struct{ Code string }
		if status[win] != 200 || json.Unmarshal(body[win], &res) != nil || res.Outcome != model.OutcomeVerified || res.Replayed ||
			status[lose] != 422 || json.Unmarshal(body[lose], &p) != nil || p.Code != "idempotency_mismatch" {
			t.Fatalf("round %d: server 0 answered %d %s, server 1 %d %s; want one verified and one 422 idempotency_mismatch",
				r, status[0], body[0], status[1], body[1])
		}
		for i, h := range holders {
			st := d.holder(lose, a.ID, h)
			spent := len(st.PINs) == 1 && st.PINs[0].SpentAt != nil
			if spent != (i == win) || st.Failures != 0 {
				t.Fatalf("round %d: %s spent %v, failures %d; only the verified holder's PIN is spent", r, h, spent, st.Failures)
			}
		}
		verifies := 0
		body0 := d.must(win, model.OpSupervisor, "GET", "/v1/audit/export?account="+a.ID, nil, 200)
		for _, line := range bytes.Split(bytes.TrimSpace(body0), []byte("\n")) {
			var e model.AuditEvent
			if err := json.Unmarshal(line, &e); err != nil {
				t.Fatalf("export line %q: %v", line, err)
			}
			if e.Action == model.ActionVerify {
				verifies++
				if e.Holder != holders[win] || e.Outcome != string(model.OutcomeVerified) || e.ReplayOf != nil {
					t.Fatalf("round %d: audited %+v; want only the winner's verification", r, e)
				}
			}
		}
		if verifies != 1 {
			t.Fatalf("round %d: %d verifications audited, want 1", r, verifies)
		}
		// The refused holder's PIN was never compared: it verifies now, under a key of its own.
		if st, b, err := d.keyedVerify(lose, a.ID, holders[lose], pin, key+"-again"); err != nil || st != 200 || json.Unmarshal(b, &res) != nil || res.Outcome != model.OutcomeVerified {
			t.Fatalf("round %d: the refused holder's PIN afterwards: %d %s %v", r, st, b, err)
		}
	}
}

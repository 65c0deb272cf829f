package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/pindesk/pindesk/api"
	"github.com/pindesk/pindesk/model"
)

// TestADeskFailingAcrossAccountsThroughTwoServersRaisesOneAlertThatSlowsItOnBoth: one agent
// token's wrong PINs across five accounts, sent at once and spread over two `pindesk serve` on one
// PostgreSQL database, are counted together in the database: exactly one alert is raised (one
// audit event), both servers list it and report it on /metrics, and the desk is slowed on both —
// a slot taken through one server is taken for the other.
func TestADeskFailingAcrossAccountsThroughTwoServersRaisesOneAlertThatSlowsItOnBoth(t *testing.T) {
	t.Parallel() // a schema of its own; mostly waits on PostgreSQL
	if testing.Short() {
		t.Skip("builds the real binary and runs two servers on PostgreSQL")
	}
	d := newPGDesk(t)
	const pin, wrong = "508213", "600917"
	var accounts []model.Account
	for i := range 5 {
		accounts = append(accounts, model.Account{ID: fmt.Sprintf("pg-alert-%d", i), Number: fmt.Sprintf("73%04d", i), Name: "Two Servers Alert",
			Product: "broadband", UsesPINs: true, Contacts: []model.Contact{{ID: "c-1", Name: "A Holder", Role: model.RoleHolder}}})
	}
	d.must(0, model.OpAdmin, "POST", "/v1/import", map[string]any{"accounts": accounts}, 200)
	for _, a := range accounts {
		d.must(0, model.OpAdmin, "PUT", pinPath(a.ID, "c-1", model.KindMaster), map[string]string{"pin": pin}, 200)
	}

	// 20 wrong PINs at once, 4 per account (short of the lock at 6), alternating servers. Those
	// answered before the alert are counted; once it is raised the rest are slowed (429).
	var mu sync.Mutex
	status := map[int]int{}
	release := make(chan struct{})
	var wg sync.WaitGroup
	for k := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-release
			st, b, err := d.try(k%2, model.OpAgent, "POST", verifyPath(accounts[k%5].ID, "c-1"), map[string]string{"pin": wrong, "channel": "phone"})
			if err != nil || st != http.StatusOK && st != http.StatusTooManyRequests {
				t.Errorf("wrong PIN %d on server %d: %d %s %v", k, k%2, st, b, err)
			}
			mu.Lock()
			status[st]++
			mu.Unlock()
		}()
	}
	close(release)
	wg.Wait()
	if status[http.StatusOK] < 10 {
		t.Fatalf("answers %v: fewer than the 10 wrong PINs that raise the alert were counted", status)
	}

	var lists [2]api.AlertsResponse
	for i := range 2 {
		if err := json.Unmarshal(d.must(i, model.OpSupervisor, "GET", "/v1/alerts", nil, 200), &lists[i]); err != nil {
			t.Fatal(err)
		}
		if len(lists[i].Alerts) != 1 {
			t.Fatalf("server %d lists %d alerts, want 1: %+v", i, len(lists[i].Alerts), lists[i].Alerts)
		}
		_, m := d.call(i, "", "GET", "/metrics", nil)
		if !strings.Contains(string(m), "\npindesk_alerts_open 1\n") || !strings.Contains(string(m), "\npindesk_alerts_raised_total 1\n") {
			t.Errorf("server %d's /metrics does not show the one alert", i)
		}
	}
	a := lists[0].Alerts[0]
	if lists[1].Alerts[0].ID != a.ID || !strings.HasPrefix(a.Desk, "token:") || a.Failures < 10 || a.Accounts != 5 {
		t.Fatalf("alerts %+v / %+v", lists[0].Alerts, lists[1].Alerts)
	}
	var audit api.AuditResponse
	if err := json.Unmarshal(d.must(1, model.OpSupervisor, "GET", "/v1/audit?limit=1000", nil, 200), &audit); err != nil {
		t.Fatal(err)
	}
	raised := 0
	for _, ev := range audit.Events {
		if ev.Action == model.ActionAlert {
			raised++
		}
	}
	if raised != 1 {
		t.Fatalf("%d alert events in the audit trail, want 1", raised)
	}

	// Slowed on both servers: at most one verification per 30 s between them, whichever takes it.
	ok := 0
	for i := range 4 {
		st, b := d.call(i%2, model.OpAgent, "POST", verifyPath(accounts[0].ID, "c-1"), map[string]string{"pin": pin, "channel": "phone"})
		switch st {
		case http.StatusOK:
			ok++
		case http.StatusTooManyRequests:
			if !strings.Contains(string(b), `"desk_slowed"`) {
				t.Fatalf("server %d: 429 but not desk_slowed: %s", i%2, b)
			}
		default:
			t.Fatalf("server %d: %d %s", i%2, st, b)
		}
	}
	if ok > 1 {
		t.Fatalf("%d verifications of a slowed desk answered within 30 s across the two servers, want at most 1", ok)
	}

	d.must(1, model.OpSupervisor, "POST", "/v1/alerts/"+a.ID+"/clear", map[string]string{"reason": "token revoked and reissued"}, 204)
	for i := range 2 {
		d.must(i, model.OpAgent, "POST", verifyPath(accounts[1].ID, "c-1"), map[string]string{"pin": pin, "channel": "phone"}, 200)
	}
}

package server_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/pindesk/pindesk/api"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/server"
)

// adaOnly is the fixture's first account with only Ada: Bob and Cy left out.
func adaOnly() []model.Account {
	a := fixture()[0]
	a.Contacts = a.Contacts[:1]
	return []model.Account{a}
}

func TestTheAPIImportIsAnUpsertAndPrunesOnlyWhenAskedAndForced(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	// Bob gets a PIN, so pruning him needs force.
	if r := e.call(model.OpPortal, "PUT", "/v1/accounts/"+acct+"/holders/"+bob+"/pins/master", map[string]any{"pin": "864208", "on_behalf_of": bob}); r.status != http.StatusOK {
		t.Fatalf("set Bob's PIN: %d %s", r.status, r.body)
	}
	body, _ := json.Marshal(map[string]any{"accounts": adaOnly()})
	sum := sha256.Sum256(body)

	r := e.call(model.OpAdmin, "POST", "/v1/import", string(body))
	var res api.ImportResponse
	if r.status != http.StatusOK || json.Unmarshal(r.body, &res) != nil {
		t.Fatalf("upsert: %d %s", r.status, r.body)
	}
	if res.Imported != 1 || res.AccountsUnchanged != 1 || res.ContactsUnchanged != 1 || res.ContactsPruned != 0 || res.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("upsert answered %+v", res)
	}
	if got := len(e.holderIDs(acct)); got != 4 {
		t.Fatalf("the upsert left %d holders on %s, want the account's and all three contacts'", got, acct)
	}

	r = e.call(model.OpAdmin, "POST", "/v1/import?prune=true", string(body))
	if r.status != http.StatusConflict || !strings.Contains(string(r.body), "contact c-bob (Bob Babbage; PINs: master)") || strings.Contains(string(r.body), "864208") {
		t.Fatalf("prune without force: %d %s", r.status, r.body)
	}

	r = e.call(model.OpAdmin, "POST", "/v1/import?prune=true&force=true&dry_run=true", string(body))
	if r.status != http.StatusOK || json.Unmarshal(r.body, &res) != nil || !res.DryRun || res.ContactsPruned != 2 || res.PINsPruned != 1 ||
		len(res.Pruned) != 2 || res.Pruned[0].ContactID != bob || !res.Pruned[0].Active {
		t.Fatalf("dry run: %d %s", r.status, r.body)
	}
	if got := len(e.holderIDs(acct)); got != 4 {
		t.Fatalf("the dry run pruned: %d holders left", got)
	}

	r = e.call(model.OpAdmin, "POST", "/v1/import?prune=true&force=true", string(body))
	if r.status != http.StatusOK || json.Unmarshal(r.body, &res) != nil || res.DryRun || res.ContactsPruned != 2 || res.AccountsUpdated != 1 {
		t.Fatalf("forced prune: %d %s", r.status, r.body)
	}
	if got := e.holderIDs(acct); len(got) != 2 {
		t.Fatalf("after the forced prune the holders are %v; want the account's and Ada's", got)
	}
	var pruned, imports int
	for _, ev := range e.auditEvents("") {
		switch ev.Action {
		case model.ActionPrune:
			pruned++
		case model.ActionImport:
			if ev.Operator == "admin-1" {
				imports++
			}
		}
	}
	if pruned != 2 || imports != 2 {
		t.Errorf("audit: %d prune events and %d imports through the API; want 2 and 2 (the refused prune and the dry run write none)", pruned, imports)
	}
}

func TestAPIImportQueryParametersAreCheckedBeforeAnythingIsWritten(t *testing.T) {
	t.Parallel()
	e := newEnv(t, server.Config{})
	body := map[string]any{"accounts": adaOnly()}
	for _, q := range []string{"?force=true", "?prune=maybe", "?purge=true"} {
		if r := e.call(model.OpAdmin, "POST", "/v1/import"+q, body); r.status != http.StatusBadRequest {
			t.Errorf("POST /v1/import%s: %d %s; want 400", q, r.status, r.body)
		}
	}
}

// holderIDs lists the holders the account shows: the account-wide one and each contact.
func (e *env) holderIDs(account string) []string {
	e.t.Helper()
	r := e.call(model.OpSupervisor, "GET", "/v1/accounts/"+account, nil)
	var v model.AccountView
	if r.status != http.StatusOK || json.Unmarshal(r.body, &v) != nil {
		e.t.Fatalf("GET account: %d %s", r.status, r.body)
	}
	var ids []string
	for _, h := range v.Holders {
		ids = append(ids, h.Holder.ContactID)
	}
	return ids
}

package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/model"
)

// action is one thing a token may try, the permission it needs, and how to prepare for it so that
// an allowed role succeeds (a 2xx), rather than failing for another reason.
type action struct {
	name    string
	perm    model.Permission
	prepare func(e *env)
	call    func(e *env, role model.OperatorRole) response
	// changes reports whether an allowed call writes to the audit of acct.
	changes bool
}

var actions = []action{
	{name: "search accounts", perm: model.PermSearch, call: func(e *env, r model.OperatorRole) response {
		return e.call(r, "GET", "/v1/accounts?q=ada", nil)
	}},
	{name: "view an account", perm: model.PermView, call: func(e *env, r model.OperatorRole) response {
		return e.call(r, "GET", "/v1/accounts/"+acct, nil)
	}},
	{name: "verify a PIN", perm: model.PermVerify, changes: true, call: func(e *env, r model.OperatorRole) response {
		return e.call(r, "POST", verifyPath(acct, ada), map[string]string{"pin": adaPIN, "channel": "phone"})
	}},
	{name: "generate a PIN", perm: model.PermChange, changes: true, call: func(e *env, r model.OperatorRole) response {
		return e.call(r, "POST", pinPath(acct, ada, model.KindTemporary)+"/generate", map[string]string{"on_behalf_of": ada})
	}},
	{name: "set a PIN", perm: model.PermChange, changes: true, call: func(e *env, r model.OperatorRole) response {
		return e.call(r, "PUT", pinPath(acct, ada, model.KindOneTime), map[string]string{"pin": "482915", "on_behalf_of": ada})
	}},
	{name: "clear a PIN", perm: model.PermChange, changes: true,
		prepare: func(e *env) {
			if _, err := e.svc.Set(context.Background(), model.Operator{Name: "setup", Role: model.OpAdmin},
				model.PINChange{AccountID: acct, Holder: bob, Kind: model.KindTemporary}, "604153"); err != nil {
				e.t.Fatal(err)
			}
		},
		call: func(e *env, r model.OperatorRole) response {
			return e.call(r, "DELETE", pinPath(acct, bob, model.KindTemporary)+"?on_behalf_of="+bob, nil)
		}},
	{name: "read a PIN back", perm: model.PermReadPIN, changes: true, call: func(e *env, r model.OperatorRole) response {
		return e.call(r, "POST", pinPath(acct, ada, model.KindMaster)+"/read", map[string]string{"on_behalf_of": ada})
	}},
	{name: "unlock a holder", perm: model.PermUnlock, changes: true,
		prepare: func(e *env) {
			if _, err := e.svc.Verify(context.Background(), model.Operator{Name: "setup", Role: model.OpAgent},
				model.VerifyRequest{AccountID: acct, Holder: ada, PIN: wrongPIN}); err != nil {
				e.t.Fatal(err)
			}
		},
		call: func(e *env, r model.OperatorRole) response {
			return e.call(r, "POST", "/v1/accounts/"+acct+"/holders/"+ada+"/unlock", map[string]string{"reason": "caller proved identity"})
		}},
	{name: "reset an account", perm: model.PermReset, call: func(e *env, r model.OperatorRole) response {
		return e.call(r, "POST", "/v1/accounts/"+resetAcct+"/reset", map[string]string{"reason": "fraud attempt"})
	}},
	{name: "read the audit trail", perm: model.PermAudit, call: func(e *env, r model.OperatorRole) response {
		return e.call(r, "GET", "/v1/audit?account="+acct, nil)
	}},
	{name: "export the audit trail", perm: model.PermAudit, call: func(e *env, r model.OperatorRole) response {
		return e.call(r, "GET", "/v1/audit/export", nil)
	}},
	{name: "import accounts", perm: model.PermImport, call: func(e *env, r model.OperatorRole) response {
		return e.call(r, "POST", "/v1/import", map[string]any{"accounts": []model.Account{
			{ID: "acc-9", Number: "100009", Name: "New Co", Product: "broadband", UsesPINs: true,
				Contacts: []model.Contact{{ID: "c-new", Name: "Nia New", Role: model.RoleHolder}}}}})
	}},
	{name: "list tokens", perm: model.PermTokens, call: func(e *env, r model.OperatorRole) response {
		return e.call(r, "GET", "/v1/tokens", nil)
	}},
	{name: "create a token", perm: model.PermTokens, call: func(e *env, r model.OperatorRole) response {
		return e.call(r, "POST", "/v1/tokens", map[string]string{"name": "desk-7", "role": "agent"})
	}},
	{name: "revoke a token", perm: model.PermTokens,
		call: func(e *env, r model.OperatorRole) response {
			list, err := e.st.Tokens(context.Background())
			if err != nil || len(list) == 0 {
				e.t.Fatal("no tokens", err)
			}
			victim := ""
			for _, tok := range list {
				if tok.Operator.Role == model.OpAgent {
					victim = tok.ID
				}
			}
			return e.call(r, "DELETE", "/v1/tokens/"+victim, nil)
		}},
}

// TestEveryRoleMayDoExactlyWhatItsPermissionsAllow runs every action as every role against a fresh
// server over a real (not demo) database: a permitted one succeeds, a refused one answers 403
// not_permitted naming the role and writes nothing to the audit trail.
func TestEveryRoleMayDoExactlyWhatItsPermissionsAllow(t *testing.T) {
	t.Parallel() // each case has a server and store of its own
	for _, role := range roles {
		t.Run(string(role), func(t *testing.T) {
			t.Parallel()
			for _, a := range actions {
				// The server's database is a real one (not marked demo), where a trainer has a
				// supervisor's rights: no PIN changes.
				allowed := role.PermitsOn(a.perm, false)
				verdict := "is refused"
				if allowed {
					verdict = "is allowed"
				}
				t.Run(a.name+" "+verdict, func(t *testing.T) {
					e := newEnv(t, noLimits)
					if a.prepare != nil {
						a.prepare(e)
					}
					before := e.auditCount(acct)
					resp := a.call(e, role)
					if allowed {
						if resp.status < 200 || resp.status > 299 {
							t.Fatalf("%s may %s, got %d: %s", role, a.perm, resp.status, resp.body)
						}
						if after := e.auditCount(acct); a.changes && after != before+1 {
							t.Errorf("audit of %s grew by %d, want 1", acct, after-before)
						}
						return
					}
					if resp.status != http.StatusForbidden {
						t.Fatalf("%s may not %s, got %d: %s", role, a.perm, resp.status, resp.body)
					}
					p := resp.problem(t)
					if p.Code != "not_permitted" || !strings.Contains(p.Detail, string(role)) {
						t.Errorf("problem = %+v, want not_permitted naming the role", p)
					}
					if after := e.auditCount(acct); after != before {
						t.Errorf("a refused %s wrote %d audit events", a.name, after-before)
					}
				})
			}
		})
	}
}

// TestTheMatrixCoversSomeKnownRefusals pins a few rows of the permission table by hand, so the
// matrix above cannot pass with an empty or inverted table.
func TestTheMatrixCoversSomeKnownRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	cases := []struct {
		name   string
		role   model.OperatorRole
		method string
		path   string
		body   any
		want   int
	}{
		{"an agent cannot unlock", model.OpAgent, "POST", "/v1/accounts/" + acct + "/holders/" + ada + "/unlock", map[string]string{"reason": "x"}, 403},
		{"an admin cannot verify", model.OpAdmin, "POST", verifyPath(acct, ada), map[string]string{"pin": adaPIN}, 403},
		{"the portal cannot search", model.OpPortal, "GET", "/v1/accounts?q=ada", nil, 403},
		{"a supervisor cannot read a PIN", model.OpSupervisor, "POST", pinPath(acct, ada, model.KindMaster) + "/read", map[string]string{}, 403},
		{"a trainer cannot manage tokens", model.OpTrainer, "GET", "/v1/tokens", nil, 403},
		{"an agent may verify", model.OpAgent, "POST", verifyPath(acct, ada), map[string]string{"pin": adaPIN}, 200},
		{"the portal may read a PIN back", model.OpPortal, "POST", pinPath(acct, ada, model.KindMaster) + "/read", map[string]string{"on_behalf_of": ada}, 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := e.call(c.role, c.method, c.path, c.body); got.status != c.want {
				t.Fatalf("got %d, want %d: %s", got.status, c.want, got.body)
			}
		})
	}
}

// TestOnlyThePortalReadsAPINOverTheAPIEvenOnADemoDatabase: the core lets a trainer read a PIN back
// on a demo database, for the trainer panel in process; a trainer's token never gets one over HTTP.
func TestOnlyThePortalReadsAPINOverTheAPIEvenOnADemoDatabase(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	if err := core.MarkDemo(context.Background(), e.st); err != nil {
		t.Fatal(err)
	}
	read := pinPath(acct, ada, model.KindMaster) + "/read"
	if got := e.call(model.OpTrainer, "POST", read, map[string]string{"on_behalf_of": ada}); got.status != 403 {
		t.Fatalf("a trainer read a PIN over the API: %d %s", got.status, got.body)
	}
	if got := e.call(model.OpPortal, "POST", read, map[string]string{"on_behalf_of": ada}); got.status != 200 {
		t.Fatalf("the portal: %d %s", got.status, got.body)
	}
}

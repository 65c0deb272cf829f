package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store"
)

// smithWithoutMary is the fixture's Smith account as a file that leaves Mary out.
func smithWithoutMary() model.Account {
	a := Fixture()[0]
	a.Contacts = []model.Contact{a.Contacts[0], a.Contacts[2]}
	return a
}

// runImport holds a store to what an import promises: an upsert that never loses data silently,
// a prune that deletes only what it says and a guarded holder only when forced, all or nothing,
// and an audit event for every import.
func runImport(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("reimporting an account without a contact keeps the contact, its PINs and its lock", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(ref(Smith, Mary), model.KindMaster, "730164")
		e.lock(ref(Smith, Mary))
		if err := e.svc.Import(e.ctx, Admin, []model.Account{smithWithoutMary()}); err != nil {
			t.Fatal(err)
		}
		acct, err := e.st.Account(e.ctx, Smith)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(acct.Contacts, Fixture()[0].Contacts) {
			t.Fatalf("contacts after a reimport without Mary: %+v; want all three in their places", acct.Contacts)
		}
		mary := e.state(ref(Smith, Mary))
		if !mary.Locked() || len(mary.PINs) != 1 {
			t.Fatalf("Mary after the reimport: %+v; want her PIN and her lock kept", mary)
		}
		res, err := e.svc.Search(e.ctx, Agent, "mary", model.Page{})
		if err != nil || len(res.Accounts) != 1 {
			t.Fatalf("Mary is no longer found by search: %+v, %v", res.Accounts, err)
		}
	})

	t.Run("every import is audited with the file's SHA-256 and its counts", func(t *testing.T) {
		e := newEnv(t, newStore)
		changed := Fixture()[1]
		changed.UsesPINs = false
		accounts := []model.Account{changed, {ID: "a-new", Number: "900001", Name: "New Ltd", UsesPINs: true,
			Contacts: []model.Contact{{ID: "c-n", Name: "Nina New", Role: model.RoleHolder}}}}
		before := e.lastAuditID()
		if err := e.svc.Import(e.ctx, Admin, accounts); err != nil {
			t.Fatal(err)
		}
		var imports []model.AuditEvent
		for _, ev := range e.audit("") {
			if ev.ID > before && ev.Action == model.ActionImport {
				imports = append(imports, ev)
			}
		}
		if len(imports) != 1 {
			t.Fatalf("%d import events after one import, want 1: %+v", len(imports), imports)
		}
		ev := imports[0]
		const counts = "accounts: 1 created, 1 updated, 0 unchanged; contacts: 1 created, 0 updated, 1 unchanged, 0 pruned; PINs pruned: 0"
		if ev.Operator != Admin.Name || ev.Role != model.OpAdmin || !strings.HasPrefix(ev.Reason, "sha256 ") || !strings.HasSuffix(ev.Reason, counts) {
			t.Fatalf("import event %+v; want the admin, the SHA-256 and %q", ev, counts)
		}
	})

	t.Run("an import reports what it created, updated and left alone, and the SHA-256 of its file", func(t *testing.T) {
		e := newEnv(t, newStore)
		changed := Fixture()[0]
		changed.Contacts = []model.Contact{changed.Contacts[0], {ID: "c-new", Name: "Nell New", Role: model.RoleSubContact}}
		changed.Contacts[0].Email = "john@new.example"
		file := []byte("the file as read")
		sum := sha256.Sum256(file)
		res, err := e.svc.ImportAccounts(e.ctx, Admin, model.ImportRequest{
			Accounts: []model.Account{changed, Fixture()[1], {ID: "a-new", Number: "900001", Name: "New Ltd"}},
			Source:   "accounts.csv", SHA256: hex.EncodeToString(sum[:]),
		})
		if err != nil {
			t.Fatal(err)
		}
		want := model.ImportResult{SHA256: hex.EncodeToString(sum[:]), AccountsCreated: 1, AccountsUpdated: 1, AccountsUnchanged: 1,
			ContactsCreated: 1, ContactsUpdated: 1, ContactsUnchanged: 1, Pruned: []model.PrunedHolder{}}
		if !reflect.DeepEqual(res, want) {
			t.Fatalf("result %+v\nwant   %+v", res, want)
		}
		ev := e.audit("")[0]
		if ev.Action != model.ActionImport || !strings.HasPrefix(ev.Reason, "sha256 "+want.SHA256+"; file accounts.csv; ") {
			t.Fatalf("newest event %+v; want the import with the file's SHA-256 and name", ev)
		}
		acct, _ := e.st.Account(e.ctx, Smith)
		if len(acct.Contacts) != 4 || acct.Contacts[0].Email != "john@new.example" || acct.Contacts[3].ID != "c-new" {
			t.Fatalf("Smith after the import: %+v", acct.Contacts)
		}
	})

	t.Run("a prune deletes the contacts the file leaves out, with their PINs, and audits each", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(ref(Smith, John), model.KindMaster, "482915")
		// Pat has a spent one-time PIN: kinds on file but none active, so no force is needed.
		e.set(ref(Smith, Pat), model.KindOneTime, "615283")
		e.mustVerify(ref(Smith, Pat), "615283", model.OutcomeVerified)
		before := e.lastAuditID()
		file := Fixture()[0]
		file.Contacts = []model.Contact{file.Contacts[0]} // John only: Mary (no holder row) and Pat go
		res, err := e.svc.ImportAccounts(e.ctx, Admin, model.ImportRequest{Accounts: []model.Account{file}, Prune: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.AccountsUpdated != 1 || res.ContactsPruned != 2 || res.PINsPruned != 1 || len(res.Pruned) != 2 ||
			res.Pruned[0].ContactID != Mary || res.Pruned[1].ContactID != Pat || !reflect.DeepEqual(res.Pruned[1].PINs, []model.Kind{model.KindOneTime}) {
			t.Fatalf("result %+v", res)
		}
		acct, _ := e.st.Account(e.ctx, Smith)
		if len(acct.Contacts) != 1 || acct.Contacts[0].ID != John {
			t.Fatalf("contacts after the prune: %+v", acct.Contacts)
		}
		hs, err := e.st.Holders(e.ctx, Smith)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hs {
			if h.Ref.ContactID == Pat {
				t.Fatalf("Pat's holder row survived the prune: %+v", h)
			}
		}
		e.mustVerify(ref(Smith, John), "482915", model.OutcomeVerified)
		var pruned []string
		for _, ev := range e.audit(Smith) {
			if ev.ID > before && ev.Action == model.ActionPrune {
				pruned = append(pruned, ev.Holder)
				if strings.Contains(ev.Reason, "615283") {
					t.Fatalf("a prune event carries the PIN: %+v", ev)
				}
			}
		}
		if len(pruned) != 2 {
			t.Fatalf("prune events for %v; want one for Mary and one for Pat", pruned)
		}
		// Mary returns: her old holder state does not come back with her.
		if err := e.svc.Import(e.ctx, Admin, Fixture()[:1]); err != nil {
			t.Fatal(err)
		}
		if pat := e.state(ref(Smith, Pat)); len(pat.PINs) != 0 || pat.Failures != 0 {
			t.Fatalf("Pat came back with %+v, want no PINs", pat)
		}
	})

	t.Run("a prune of a locked holder or one with an active PIN refuses the whole import unless forced", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(ref(Smith, Mary), model.KindMaster, "730164")
		e.set(ref(Acme, Wile), model.KindMaster, "512834")
		e.lock(ref(Acme, Wile))
		renamed := smithWithoutMary()
		renamed.Name = "Renamed Ltd"
		acme := Fixture()[1]
		acme.Contacts = []model.Contact{{ID: "c-road", Name: "Road Runner", Role: model.RoleHolder}}
		before := e.lastAuditID()
		_, err := e.svc.ImportAccounts(e.ctx, Admin, model.ImportRequest{Accounts: []model.Account{renamed, acme}, Prune: true})
		var refused *model.PruneRefusedError
		if !errors.As(err, &refused) || !errors.Is(err, model.ErrConflict) {
			t.Fatalf("error %v, want a *model.PruneRefusedError", err)
		}
		if len(refused.Holders) != 2 || refused.Holders[0].ContactID != Mary || !refused.Holders[0].Active || refused.Holders[1].ContactID != Wile || !refused.Holders[1].Locked {
			t.Fatalf("refused holders %+v; want Mary (active PIN) and Wile (locked)", refused.Holders)
		}
		if strings.Contains(err.Error(), "730164") {
			t.Fatalf("the refusal carries a PIN: %v", err)
		}
		if acct, _ := e.st.Account(e.ctx, Smith); acct.Name != "Smith & Sons Ltd" || len(acct.Contacts) != 3 {
			t.Fatalf("a refused prune wrote: %+v", acct)
		}
		if e.lastAuditID() != before {
			t.Fatal("a refused import was audited as done")
		}
		e.mustVerify(ref(Smith, Mary), "730164", model.OutcomeVerified)

		res, err := e.svc.ImportAccounts(e.ctx, Admin, model.ImportRequest{Accounts: []model.Account{renamed, acme}, Prune: true, Force: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.ContactsPruned != 2 || res.PINsPruned != 2 {
			t.Fatalf("forced prune %+v", res)
		}
		_, err = e.verify(ref(Smith, Mary), "730164")
		wantErr(t, err, model.ErrUnknownHolder)
		_, err = e.verify(ref(Acme, Wile), "123456")
		wantErr(t, err, model.ErrUnknownHolder)
	})

	t.Run("a prune dry run lists what it would delete and writes nothing", func(t *testing.T) {
		e := newEnv(t, newStore)
		e.set(ref(Smith, Mary), model.KindMaster, "730164")
		e.lock(ref(Smith, Mary))
		before := e.lastAuditID()
		renamed := smithWithoutMary()
		renamed.Name = "Renamed Ltd"
		res, err := e.svc.ImportAccounts(e.ctx, Admin, model.ImportRequest{Accounts: []model.Account{renamed}, Prune: true, Force: true, DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		want := []model.PrunedHolder{{AccountID: Smith, ContactID: Mary, Name: "Mary O'Neil", Locked: true, Failures: e.svc.Policy().MaxFailures,
			PINs: []model.Kind{model.KindMaster}, Active: true}}
		if !res.DryRun || res.AccountsUpdated != 1 || !reflect.DeepEqual(res.Pruned, want) {
			t.Fatalf("dry run %+v; want Mary listed", res)
		}
		if acct, _ := e.st.Account(e.ctx, Smith); acct.Name != "Smith & Sons Ltd" || len(acct.Contacts) != 3 {
			t.Fatalf("a dry run wrote: %+v", acct)
		}
		if mary := e.state(ref(Smith, Mary)); !mary.Locked() || len(mary.PINs) != 1 {
			t.Fatalf("a dry run touched Mary: %+v", mary)
		}
		if e.lastAuditID() != before {
			t.Fatal("a dry run appended audit events")
		}
		// Without force, the dry run shows the refusal the real run would meet.
		_, err = e.svc.ImportAccounts(e.ctx, Admin, model.ImportRequest{Accounts: []model.Account{renamed}, Prune: true, DryRun: true})
		var refused *model.PruneRefusedError
		if !errors.As(err, &refused) {
			t.Fatalf("dry run without force: %v, want the refusal", err)
		}
	})

	t.Run("force without prune is refused", func(t *testing.T) {
		e := newEnv(t, newStore)
		_, err := e.svc.ImportAccounts(e.ctx, Admin, model.ImportRequest{Accounts: Fixture()[:1], Force: true})
		wantErr(t, err, model.ErrInvalidInput)
	})

	t.Run("every account number that clashes with another account is listed and nothing is written", func(t *testing.T) {
		e := newEnv(t, newStore)
		before := e.lastAuditID()
		ok := model.Account{ID: "a-ok", Number: "900001", Name: "Fine Ltd"}
		one := model.Account{ID: "a-one", Number: "100001", Name: "Clash One"}
		two := model.Account{ID: "a-two", Number: "100002", Name: "Clash Two"}
		_, err := e.svc.ImportAccounts(e.ctx, Admin, model.ImportRequest{Accounts: []model.Account{ok, one, two}})
		var clash *model.ImportClashError
		if !errors.As(err, &clash) || !errors.Is(err, store.ErrDuplicate) {
			t.Fatalf("error %v, want store.ErrDuplicate with a *model.ImportClashError", err)
		}
		want := []model.ImportClash{{AccountID: "a-one", Number: "100001", OtherID: Smith}, {AccountID: "a-two", Number: "100002", OtherID: Acme}}
		if !reflect.DeepEqual(clash.Clashes, want) {
			t.Fatalf("clashes %+v, want %+v", clash.Clashes, want)
		}
		_, err = e.st.Account(e.ctx, "a-ok")
		wantErr(t, err, model.ErrUnknownAccount)
		if e.lastAuditID() != before {
			t.Fatal("a refused import was audited")
		}
	})
}

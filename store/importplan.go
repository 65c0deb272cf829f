package store

import (
	"fmt"
	"reflect"
	"time"

	"github.com/pindesk/pindesk/model"
)

// ImportOptions is how an import treats what its file leaves out, and its audit.
type ImportOptions struct {
	Prune, Force, DryRun bool
	// Audit is the import's event as the core made it (time, operator, role, channel, action
	// import, and in Reason the file's SHA-256 and name). The store appends the counts to its
	// Reason, and appends one prune event per deleted contact made from it.
	Audit model.AuditEvent
}

// Stored is what the database holds of an account named by an import, read inside the import's
// transaction: the account with its contacts, and its holder rows (with PINs).
type Stored struct {
	Account model.Account
	Holders []Holder
}

// ImportPlan is what an import writes, worked out by PlanImport from the file and the stored
// accounts; both stores run the same plan, so they count and refuse alike.
type ImportPlan struct {
	Result model.ImportResult
	// Write is each account to write (created or updated), with its contacts as they must stand:
	// the file's, plus those the file leaves out and the prune keeps, in their stored places.
	Write []model.Account
	// Prune is, by account id, the contact ids whose contact row and holder row (with its PINs)
	// go.
	Prune map[string][]string
	// Events are the audit events to append, the import's first.
	Events []model.AuditEvent
}

// PlanImport works out an import: counts, the accounts to write, the contacts to prune, and the
// audit events. stored holds the accounts of the file that exist. A prune that would delete a
// locked holder or one with an active PIN without opts.Force is a *model.PruneRefusedError.
func PlanImport(accounts []model.Account, stored map[string]Stored, opts ImportOptions) (ImportPlan, error) {
	now := opts.Audit.Time
	plan := ImportPlan{Prune: map[string][]string{}, Result: model.ImportResult{DryRun: opts.DryRun, Pruned: []model.PrunedHolder{}}}
	res := &plan.Result
	var refused []model.PrunedHolder
	for _, a := range accounts {
		old, ok := stored[a.ID]
		if !ok {
			res.AccountsCreated++
			res.ContactsCreated += len(a.Contacts)
			plan.Write = append(plan.Write, a)
			continue
		}
		inFile := map[string]bool{}
		for _, c := range a.Contacts {
			inFile[c.ID] = true
			prev, ok := old.Account.Contact(c.ID)
			switch {
			case !ok:
				res.ContactsCreated++
			case prev != c:
				res.ContactsUpdated++
			default:
				res.ContactsUnchanged++
			}
		}
		var pruned []string
		for _, c := range old.Account.Contacts {
			if inFile[c.ID] || !opts.Prune {
				continue
			}
			ph := prunedHolder(a.ID, c, old.Holders, now)
			pruned = append(pruned, c.ID)
			res.ContactsPruned++
			res.PINsPruned += len(ph.PINs)
			res.Pruned = append(res.Pruned, ph)
			if ph.Guarded() && !opts.Force {
				refused = append(refused, ph)
			}
		}
		merged := a
		merged.Contacts = mergeContacts(a.Contacts, old.Account.Contacts, inFile, pruned)
		if accountEqual(merged, old.Account) {
			res.AccountsUnchanged++
			continue
		}
		res.AccountsUpdated++
		plan.Write = append(plan.Write, merged)
		if len(pruned) > 0 {
			plan.Prune[a.ID] = pruned
		}
	}
	if len(refused) > 0 {
		return ImportPlan{}, &model.PruneRefusedError{Holders: refused}
	}
	e := opts.Audit
	e.Reason = joinReason(e.Reason, res.Summary())
	plan.Events = append(plan.Events, e)
	for _, ph := range res.Pruned {
		pe := opts.Audit
		pe.Action, pe.AccountID, pe.Holder = model.ActionPrune, ph.AccountID, ph.ContactID
		pe.Reason = joinReason(opts.Audit.Reason, "not in the file; deleted "+ph.Describe())
		plan.Events = append(plan.Events, pe)
	}
	return plan, nil
}

func joinReason(prefix, s string) string {
	if prefix == "" {
		return s
	}
	return prefix + "; " + s
}

func prunedHolder(accountID string, c model.Contact, holders []Holder, now time.Time) model.PrunedHolder {
	ph := model.PrunedHolder{AccountID: accountID, ContactID: c.ID, Name: c.Name, PINs: []model.Kind{}}
	for _, h := range holders {
		if h.Ref.ContactID != c.ID {
			continue
		}
		ph.Locked, ph.Failures = h.LockedSince != nil, h.Failures
		for _, p := range h.PINs {
			if p.Sealed == nil {
				continue
			}
			ph.PINs = append(ph.PINs, p.Kind)
			if p.Active(now) {
				ph.Active = true
			}
		}
	}
	return ph
}

// mergeContacts is the file's contacts in its order, with each stored contact the file leaves out
// (and the prune keeps) put back right after the stored contact it followed, so a partial file
// does not reorder an account.
func mergeContacts(file, stored []model.Contact, inFile map[string]bool, pruned []string) []model.Contact {
	gone := map[string]bool{}
	for _, id := range pruned {
		gone[id] = true
	}
	out := append([]model.Contact{}, file...)
	for i, c := range stored {
		if inFile[c.ID] || gone[c.ID] {
			continue
		}
		at := 0
		for j := i - 1; j >= 0; j-- {
			if k := indexOf(out, stored[j].ID); k >= 0 {
				at = k + 1
				break
			}
		}
		out = append(out[:at], append([]model.Contact{c}, out[at:]...)...)
	}
	return out
}

func indexOf(cs []model.Contact, id string) int {
	for i, c := range cs {
		if c.ID == id {
			return i
		}
	}
	return -1
}

func accountEqual(a, b model.Account) bool {
	if len(a.Contacts) == 0 && len(b.Contacts) == 0 {
		a.Contacts, b.Contacts = nil, nil
	}
	return reflect.DeepEqual(a, b)
}

// CheckImportable refuses what no store can hold: a contact with the account-wide holder's id,
// and a contact id twice on one account. The core checks this before; a store checks again.
func CheckImportable(accounts []model.Account) error {
	for _, a := range accounts {
		seen := map[string]bool{}
		for _, c := range a.Contacts {
			if c.ID == model.AccountWide {
				return fmt.Errorf("import account %q: %w: contact id %q is reserved for the account-wide PIN", a.ID, model.ErrInvalidInput, model.AccountWide)
			}
			if seen[c.ID] {
				return fmt.Errorf("import account %q: %w: contact id %q appears twice", a.ID, model.ErrInvalidInput, c.ID)
			}
			seen[c.ID] = true
		}
	}
	return nil
}

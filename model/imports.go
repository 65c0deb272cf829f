package model

import (
	"fmt"
	"strings"
)

// ActionImport and ActionPrune are the audit actions of an import: one ActionImport event per
// import (who, the file's SHA-256 and the counts, in Reason), and one ActionPrune event per
// contact a prune deleted (its holder state with it).
const (
	ActionImport Action = "import"
	ActionPrune  Action = "prune"
)

// ImportRequest is an import. It is an upsert: the accounts and contacts it lists are created or
// updated, and nothing it leaves out is touched — unless Prune is set, which deletes, on each
// account it lists, the contacts it does not list (with their PINs, count and lock). Accounts
// absent from the file are never deleted: a partial file is common, and the loss would be silent.
type ImportRequest struct {
	Accounts []Account
	// Prune deletes the contacts of listed accounts that the file does not list.
	Prune bool
	// Force lets a prune delete a holder that is locked or has an active PIN; without it such a
	// prune refuses the whole import (*PruneRefusedError).
	Force bool
	// DryRun works out the result and writes nothing (no audit either).
	DryRun bool
	// Source names what was imported (a file name), for the audit.
	Source string
	// SHA256 is the hex SHA-256 of the file as read; when empty the core takes it of the
	// accounts' JSON encoding.
	SHA256 string
	// Channel is where the import came from (admin command line, API).
	Channel Channel
}

// ImportResult counts what an import did (or, for a dry run, would do).
type ImportResult struct {
	SHA256            string         `json:"sha256"`
	DryRun            bool           `json:"dry_run"`
	AccountsCreated   int            `json:"accounts_created"`
	AccountsUpdated   int            `json:"accounts_updated"`
	AccountsUnchanged int            `json:"accounts_unchanged"`
	ContactsCreated   int            `json:"contacts_created"`
	ContactsUpdated   int            `json:"contacts_updated"`
	ContactsUnchanged int            `json:"contacts_unchanged"`
	ContactsPruned    int            `json:"contacts_pruned"`
	PINsPruned        int            `json:"pins_pruned"`
	Pruned            []PrunedHolder `json:"pruned"` // every contact the prune deleted, with its holder state
}

// Summary is the counts as one line of stable text; the audit event of an import carries it.
func (r ImportResult) Summary() string {
	return fmt.Sprintf("accounts: %d created, %d updated, %d unchanged; contacts: %d created, %d updated, %d unchanged, %d pruned; PINs pruned: %d",
		r.AccountsCreated, r.AccountsUpdated, r.AccountsUnchanged,
		r.ContactsCreated, r.ContactsUpdated, r.ContactsUnchanged, r.ContactsPruned, r.PINsPruned)
}

// PrunedHolder is a contact a prune deletes, and the holder state that goes with it: the kinds of
// its PINs (never a PIN), whether it is locked, its failure count.
type PrunedHolder struct {
	AccountID string `json:"account_id"`
	ContactID string `json:"contact_id"`
	Name      string `json:"name"`
	Locked    bool   `json:"locked"`
	Failures  int    `json:"failures"`
	PINs      []Kind `json:"pins"`        // kinds of the PINs on file (cleared ones excluded)
	Active    bool   `json:"active_pins"` // at least one of them can still verify
}

// Guarded reports whether deleting the holder needs Force: it is locked or a PIN of it can
// still verify.
func (p PrunedHolder) Guarded() bool { return p.Locked || p.Active }

// Describe is the holder in words, for lists and the audit: kinds only, never a PIN.
func (p PrunedHolder) Describe() string {
	var facts []string
	if len(p.PINs) == 0 {
		facts = append(facts, "no PINs")
	} else {
		kinds := make([]string, len(p.PINs))
		for i, k := range p.PINs {
			kinds[i] = string(k)
		}
		facts = append(facts, "PINs: "+strings.Join(kinds, ", "))
	}
	if p.Locked {
		facts = append(facts, "locked")
	}
	if p.Failures > 0 {
		facts = append(facts, fmt.Sprintf("%d failed %s", p.Failures, plural(p.Failures, "attempt", "attempts")))
	}
	return fmt.Sprintf("account %s contact %s (%s; %s)", p.AccountID, p.ContactID, p.Name, strings.Join(facts, "; "))
}

// PruneRefusedError is a prune refused because it would delete holders that are locked or have
// an active PIN, and Force was not given. Nothing of the import is written. It wraps ErrConflict.
type PruneRefusedError struct {
	Holders []PrunedHolder
}

func (e *PruneRefusedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: the prune would delete %d %s that %s locked or %s an active PIN; nothing was imported (force the prune to delete them):",
		ErrConflict, len(e.Holders), plural(len(e.Holders), "holder", "holders"), plural(len(e.Holders), "is", "are"), plural(len(e.Holders), "has", "have"))
	for _, h := range e.Holders {
		b.WriteString("\n  ")
		b.WriteString(h.Describe())
	}
	return b.String()
}

func (e *PruneRefusedError) Unwrap() error { return ErrConflict }

// ImportClash is an account of an import whose number another account in the database has.
type ImportClash struct {
	AccountID string // the account of the file
	Number    string
	OtherID   string // the account in the database that has the number
}

// ImportClashError lists every clash of an import with the database; nothing was written.
// Stores wrap it with their duplicate error.
type ImportClashError struct {
	Clashes []ImportClash
}

func (e *ImportClashError) Error() string {
	msgs := make([]string, len(e.Clashes))
	for i, c := range e.Clashes {
		msgs[i] = c.String()
	}
	return strings.Join(msgs, "; ")
}

func (c ImportClash) String() string {
	return fmt.Sprintf("account %s: account number %q belongs to account %q in the database", c.AccountID, c.Number, c.OtherID)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

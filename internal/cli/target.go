package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pindesk/pindesk/model"
)

// target is what the commands that change one account (pin generate/set/clear, unlock, reset)
// are told to act on, by the same flags with the same meaning everywhere: --account, --holder,
// --kind, --on-behalf-of and --reason. A command binds the ones it takes; all but --on-behalf-of
// are then required.
type target struct {
	account, holder, kind, onBehalfOf, reason string
	bound                                     []string
}

// targetFlags are the flags a target may bind: name, usage, and whether the command needs it.
var targetFlags = map[string]struct {
	usage    string
	required bool
	value    func(t *target) *string
}{
	"account":      {"account id or number", true, func(t *target) *string { return &t.account }},
	"holder":       {`contact id, or "account" for the account-wide PIN`, true, func(t *target) *string { return &t.holder }},
	"kind":         {"master, one-time or temporary", true, func(t *target) *string { return &t.kind }},
	"on-behalf-of": {"the contact who asked for the change (recorded in the audit trail)", false, func(t *target) *string { return &t.onBehalfOf }},
	"reason":       {"why, for the audit trail", true, func(t *target) *string { return &t.reason }},
}

// bind defines the named flags on cmd.
func (t *target) bind(cmd *cobra.Command, names ...string) {
	for _, n := range names {
		f := targetFlags[n]
		cmd.Flags().StringVar(f.value(t), n, "", f.usage)
	}
	t.bound = names
}

func (t *target) binds(name string) bool {
	for _, n := range t.bound {
		if n == name {
			return true
		}
	}
	return false
}

// resolved is a target checked against the database, with the admin open on it.
type resolved struct {
	*admin
	close    func()
	acct     model.Account
	who      string     // the holder in words, terminal-safe; "" when no --holder is bound
	holderID string     // --holder as given
	kind     model.Kind // "" when no --kind is bound
}

// PINChange is the change of one PIN the target names.
func (r *resolved) pinChange(t *target) model.PINChange {
	return model.PINChange{AccountID: r.acct.ID, Holder: t.holder, Kind: r.kind, OnBehalfOf: t.onBehalfOf}
}

// open checks the flags, opens the database as the admin and checks that they name something
// there: the account, the holder and the contact asking exist, and the kind is one. The caller
// runs close.
func (t *target) open(ctx context.Context, a *app, cmd *cobra.Command) (*resolved, error) {
	var required []string
	for _, n := range t.bound {
		if targetFlags[n].required {
			required = append(required, n)
		}
	}
	if err := need(cmd, required...); err != nil {
		return nil, err
	}
	r := &resolved{}
	if t.binds("kind") {
		kind, err := model.ParseKind(strings.TrimSpace(t.kind))
		if err != nil {
			return nil, usageError{err}
		}
		r.kind = kind
	}
	ad, closeFn, err := a.openAdmin(ctx, existing)
	if err != nil {
		return nil, err
	}
	r.admin, r.close = ad, closeFn
	if err := t.check(ctx, r); err != nil {
		closeFn()
		return nil, err
	}
	return r, nil
}

func (t *target) check(ctx context.Context, r *resolved) error {
	acct, err := r.account(ctx, t.account)
	if err != nil {
		return err
	}
	r.acct = acct
	if t.binds("holder") {
		if r.who, err = holder(acct, t.holder); err != nil {
			return err
		}
		r.holderID = t.holder
	}
	if t.onBehalfOf != "" {
		if _, ok := acct.Contact(t.onBehalfOf); !ok {
			_, err = holder(acct, t.onBehalfOf) // names the contacts
			return err
		}
	}
	return nil
}

// run is the RunE of a command that acts on the target: it opens the target (open), runs do on
// it, and closes it.
func (t *target) run(a *app, do func(ctx context.Context, r *resolved) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		ctx := cmd.Context()
		r, err := t.open(ctx, a, cmd)
		if err != nil {
			return err
		}
		defer r.close()
		return do(ctx, r)
	}
}

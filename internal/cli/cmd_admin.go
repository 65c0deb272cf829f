package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pindesk/pindesk/config"
	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/importer"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store/secret"
)

func (a *app) adminCommand() *cobra.Command {
	cmd := group(&cobra.Command{
		Use:   "admin",
		Short: "Run the installation: import accounts, change PINs, unlock, reset, audit",
		Long: `admin works on the database directly, as the operator named by --operator (your OS user
name by default) with the admin role. Every change is in the audit trail under that name.`,
	})
	cmd.AddCommand(a.initCommand(), a.importCommand(), a.pinCommand(), a.unlockCommand(), a.resetCommand(), a.auditCommand(), a.keyCommand(), a.tokenCommand(), a.accountCommand(), a.eventsCommand(),
		a.approvalsCommand(), a.alertsCommand())
	return cmd
}

// admin is an open core acting as the admin operator.
type admin struct {
	svc *core.Service
	op  model.Operator
	s   config.Settings
}

// openAdmin opens the database (how says whether it may create one) as the admin; the caller
// runs the returned close.
func (a *app) openAdmin(ctx context.Context, how opening) (*admin, func(), error) {
	s, err := a.settings()
	if err != nil {
		return nil, nil, err
	}
	if s.Remote() {
		return nil, nil, fmt.Errorf("admin commands work on the database itself, but the server setting (%s) points this machine at a pindesk server: run them where the database is, or unset server for this command (--server= or PINDESK_SERVER=)", s.Server)
	}
	svc, st, err := openCore(ctx, s, how)
	if err != nil {
		return nil, nil, err
	}
	return &admin{svc: svc, op: model.Operator{Name: s.Operator.Name, Role: model.OpAdmin}, s: s}, func() { st.Close() }, nil
}

// account finds an account by its id or, failing that, its number (what is printed on a bill).
func (ad *admin) account(ctx context.Context, ref string) (model.Account, error) {
	v, err := ad.view(ctx, ref)
	return v.Account, err
}

// view is account's account with each holder's PIN state.
func (ad *admin) view(ctx context.Context, ref string) (model.AccountView, error) {
	ref = strings.TrimSpace(ref)
	v, err := ad.svc.Account(ctx, ad.op, ref)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, model.ErrUnknownAccount) {
		return model.AccountView{}, err
	}
	res, err := ad.svc.Search(ctx, ad.op, ref, model.Page{Limit: model.MaxPageSize})
	if err != nil {
		return model.AccountView{}, err
	}
	for _, sum := range res.Accounts {
		if strings.EqualFold(sum.Number, ref) {
			return ad.svc.Account(ctx, ad.op, sum.ID)
		}
	}
	return model.AccountView{}, fmt.Errorf("%w: no account has the id or number %q", model.ErrUnknownAccount, ref)
}

// holder checks that id is a contact of the account, or "account", naming the choices when not.
func holder(acct model.Account, id string) (string, error) {
	if id == model.AccountWide {
		return "the account-wide PIN", nil
	}
	if c, ok := acct.Contact(id); ok {
		return clean(fmt.Sprintf("%s (%s)", c.Name, c.ID)), nil
	}
	choices := []string{`"account" for the account-wide PIN`}
	for _, c := range acct.Contacts {
		choices = append(choices, fmt.Sprintf("%s (%s, %s)", c.ID, c.Name, c.Role))
	}
	return "", fmt.Errorf("%w: account %s has no contact %q; the holder is one of: %s", model.ErrUnknownHolder, acct.Number, id, strings.Join(choices, ", "))
}

// describe names an account in a message; its text is stored data, so it is made terminal-safe.
func describe(acct model.Account) string { return clean(acct.Number + " " + acct.Name) }

func (a *app) importCommand() *cobra.Command {
	var dryRun, prune, force bool
	cmd := &cobra.Command{
		Use:   "import FILE [--prune [--force]] [--dry-run]",
		Short: "Add or update accounts and contacts from a CSV or JSON file",
		Long: `import reads accounts and their contacts from FILE (CSV or JSON, by the extension or the
content; "-" reads standard input) and creates or updates them: an account or contact in the
file is added, or updated when its id exists. Nothing the file leaves out is touched — not an
account, not a contact, not a PIN or a lock. The file is checked completely first and every
fault is listed with its line (a clash with the database too: an account number another
account has); a file with any fault imports nothing. The import is one transaction, and is
audited (who, the file's SHA-256, the counts).

--prune deletes, on each account in the file, the contacts the file leaves out, with their
PINs, failure counts and locks (one audit event each). It never deletes an account: accounts
absent from the file stay. A contact that is locked or has a PIN that can still verify is
deleted only with --force; without it the whole import is refused, listing them.

--dry-run imports nothing: it checks the file and, when the database exists, prints what the
import would create, update and (with --prune) delete — contacts and the kinds of their PINs.

CSV: a header row, then one row per contact:
  account_id,account_number,account_name,product,uses_pins,contact_id,contact_name,email,phone,role,federated
The rows of an account share its account_id; an account without contacts is one row with the
contact columns empty. role is holder, sub-account or sub-contact; uses_pins is true unless it
says false; federated is false unless it says true. A row of empty fields is a fault.

JSON: an array of accounts:
  [{"id": "…", "number": "…", "name": "…", "product": "…", "uses_pins": true,
    "contacts": [{"id": "…", "name": "…", "email": "…", "phone": "…", "role": "holder", "federated": false}]}]`,
		Args: exactArgs(1, "FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if force && !prune {
				return usagef("--force applies to --prune only")
			}
			path := args[0]
			file, err := importer.ParseFile(path)
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("%s: no such file", path)
			}
			if err := faults(path, err); err != nil {
				return err
			}
			contacts := 0
			for _, acct := range file.Accounts {
				contacts += len(acct.Contacts)
			}
			summary := fmt.Sprintf("%d %s with %d %s", len(file.Accounts), plural(len(file.Accounts), "account", "accounts"), contacts, plural(contacts, "contact", "contacts"))
			s, err := a.settings()
			if err != nil {
				return err
			}
			if dryRun {
				// A dry run creates no database: without one, everything would be created.
				if _, err := os.Stat(s.Database); !s.UsesPostgres() && errors.Is(err, fs.ErrNotExist) {
					fmt.Fprintf(a.out, "%s is valid: %s. Nothing was imported (--dry-run).\n", path, summary)
					return nil
				}
			}
			fresh := !s.UsesPostgres() && !sqliteExists(s.Database)
			ad, closeFn, err := a.openAdmin(cmd.Context(), orCreate)
			if err != nil {
				return err
			}
			defer closeFn()
			if fresh {
				// The first import is one of the two ways a database is made (see admin init): say so, and
				// where its key is, once.
				fmt.Fprintf(a.errOut, "Created the database %s and its key file %s; back the key file up apart from the database.\n", s.Database, s.KeyFile)
			}
			res, err := ad.svc.ImportAccounts(cmd.Context(), ad.op, model.ImportRequest{
				Accounts: file.Accounts, Prune: prune, Force: force, DryRun: dryRun, Source: file.Name, SHA256: file.SHA256,
			})
			var refused *model.PruneRefusedError
			if errors.As(err, &refused) {
				return fmt.Errorf("import %s: %w\nrun with --prune --force to delete them with their PINs and locks", path, err)
			}
			var clash *model.ImportClashError
			if errors.As(err, &clash) {
				return faults(path, file.Locate(err))
			}
			if err != nil {
				return fmt.Errorf("import %s: %w", path, err)
			}
			verb, prunedVerb := "Imported", "Pruned"
			if dryRun {
				verb, prunedVerb = "Would import", "Would prune"
			}
			fmt.Fprintf(a.out, "%s %s from %s.\n", verb, summary, path)
			fmt.Fprintf(a.out, "%s.\n", res.Summary())
			for _, p := range res.Pruned {
				fmt.Fprintf(a.out, "%s %s.\n", prunedVerb, p.Describe())
			}
			fmt.Fprintf(a.out, "File SHA-256: %s.\n", res.SHA256)
			if dryRun {
				fmt.Fprintf(a.out, "Nothing was imported (--dry-run).\n")
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "check the file, show what would change, and import nothing")
	cmd.Flags().BoolVar(&prune, "prune", false, "delete the contacts of the file's accounts that the file leaves out")
	cmd.Flags().BoolVar(&force, "force", false, "with --prune: also delete contacts that are locked or have an active PIN")
	return cmd
}

// faults reports a file's faults (or its clashes with the database) as one error listing each at
// its line; any other error is returned as it is.
func faults(path string, err error) error {
	var errs *importer.Errors
	if errors.As(err, &errs) {
		n := len(errs.List) + errs.More
		return fmt.Errorf("%s: %d %s; nothing was imported:\n%w", path, n, plural(n, "fault", "faults"), err)
	}
	return err
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func exactArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("%s takes %s (got %d %s)", cmd.CommandPath(), names, len(args), plural(len(args), "argument", "arguments"))
		}
		return nil
	}
}

func (a *app) unlockCommand() *cobra.Command {
	var t target
	var ticket string
	cmd := &cobra.Command{
		Use:   "unlock --account A --holder H --reason R",
		Short: "Unlock a PIN holder locked by wrong PINs, and clear its count",
		Args:  noArgs,
		RunE: t.run(a, func(ctx context.Context, r *resolved) error {
			if err := r.svc.Unlock(ctx, r.op, model.UnlockRequest{AccountID: r.acct.ID, Holder: t.holder, Reason: t.reason, Ticket: ticket}); err != nil {
				return pendingHint(err)
			}
			fmt.Fprintf(a.out, "Unlocked %s on account %s.\n", r.who, describe(r.acct))
			return nil
		}),
	}
	t.bind(cmd, "account", "holder", "reason")
	ticketFlag(cmd, &ticket) // cmd_sessions.go
	return cmd
}

func (a *app) resetCommand() *cobra.Command {
	var t target
	var yes bool
	var ticket string
	cmd := &cobra.Command{
		Use:   "reset --account A --reason R [--yes]",
		Short: "Revoke every PIN of an account and clear its locks (after a malicious attempt)",
		Long: `reset revokes every PIN of every holder of the account and clears every lock and count; its
customers generate new PINs afterwards. It asks for confirmation on a terminal; elsewhere
(a script) it needs --yes.`,
		Args: noArgs,
		RunE: t.run(a, func(ctx context.Context, r *resolved) error {
			acct := r.acct
			if !yes {
				if !a.terminal(a.in) {
					return usagef("reset revokes every PIN of account %s; add --yes to confirm", describe(acct))
				}
				fmt.Fprintf(a.errOut, "Revoke every PIN of account %s? Its customers must make new ones. [y/N] ", describe(acct))
				answer, err := a.readLine()
				if err != nil {
					return err
				}
				if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
					return errors.New("reset cancelled; nothing changed")
				}
			}
			res, err := r.svc.ResetAccount(ctx, r.op, model.ResetRequest{AccountID: acct.ID, Reason: t.reason, Ticket: ticket})
			if err != nil {
				return pendingHint(err)
			}
			fmt.Fprintf(a.out, "Reset account %s: revoked %d %s, unlocked %d %s.\n", describe(acct),
				res.RevokedPINs, plural(res.RevokedPINs, "PIN", "PINs"), res.UnlockedHolders, plural(res.UnlockedHolders, "holder", "holders"))
			return nil
		}),
	}
	t.bind(cmd, "account", "reason")
	cmd.Flags().BoolVar(&yes, "yes", false, "do not ask for confirmation")
	ticketFlag(cmd, &ticket) // cmd_sessions.go
	return cmd
}

func (a *app) keyCommand() *cobra.Command {
	key := group(&cobra.Command{Use: "key", Short: "Manage the key that seals PINs"})
	key.AddCommand(&cobra.Command{
		Use:   "init",
		Short: "Create the key file (for a new PostgreSQL database)",
		Long: `init creates the key file named by key_file (mode 600). A SQLite database gets its key by
itself when it is created; a PostgreSQL database is shared by several servers, which must all
hold the same key, so its first key is made with this command and copied to the others.
An existing key file is never replaced: the PINs sealed with it would be lost.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.settings()
			if err != nil {
				return err
			}
			if _, err := os.Stat(s.KeyFile); err == nil {
				return fmt.Errorf("the key file %s exists; it is not replaced (the PINs sealed with it would be lost)", s.KeyFile)
			}
			if _, err := secret.LoadOrCreateKey(s.KeyFile); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Created the key file %s. Back it up apart from the database, and copy it to every server of the database.\n", s.KeyFile)
			return nil
		},
	})
	key.AddCommand(a.keyRotateCommand())
	return key
}

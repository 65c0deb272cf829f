package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/server"
	"github.com/pindesk/pindesk/store"
)

func (a *app) tokenCommand() *cobra.Command {
	cmd := group(&cobra.Command{
		Use:   "token",
		Short: "Issue, list and revoke API tokens for pindesk serve",
		Long: `An API token lets a remote app, a desk or the customers' portal call pindesk serve as one
operator with one role (agent, supervisor, trainer, portal or admin). The token is shown once, when
it is created; the database keeps only its SHA-256, so a lost token is revoked and a new one made.`,
	})
	cmd.AddCommand(a.tokenCreateCommand(), a.tokenListCommand(), a.tokenRevokeCommand())
	return cmd
}

// openTokens opens the database for its tokens. It goes through openCore although tokens need no
// sealing key, so that it refuses what every other command refuses: a folder without a database
// (tokens are issued for one; see admin init), or a database without its key or with another.
func (a *app) openTokens(ctx context.Context) (store.Store, error) {
	s, err := a.settings()
	if err != nil {
		return nil, err
	}
	if s.Remote() {
		return nil, fmt.Errorf("tokens live in the server's database, but the server setting (%s) points this machine at a pindesk server: run this where the database is, or unset server for this command (--server= or PINDESK_SERVER=)", s.Server)
	}
	_, st, err := openCore(ctx, s, existing)
	return st, err
}

func (a *app) tokenCreateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "create --name NAME --role ROLE [--out FILE]",
		Short: "Issue a token; it is printed once, on standard output alone",
		Long: `create issues a token for an operator NAME (what the audit trail will record) with ROLE.
The token alone goes to standard output, so it can be redirected into a file; with --out it is
written to FILE (mode 600, never over an existing file) instead.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := need(cmd, "name", "role"); err != nil {
				return err
			}
			name, _ := cmd.Flags().GetString("name")
			roleName, _ := cmd.Flags().GetString("role")
			out, _ := cmd.Flags().GetString("out")
			role, err := model.ParseOperatorRole(roleName)
			if err != nil {
				return usageError{err}
			}
			ctx := cmd.Context()
			st, err := a.openTokens(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			var f *os.File
			if out != "" {
				// Opened before the token exists, so a bad path costs no orphan token.
				f, err = os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
				if errors.Is(err, fs.ErrExist) {
					return fmt.Errorf("%s exists; a token file is never overwritten (remove it, or choose another)", out)
				}
				if err != nil {
					return err
				}
			}
			token, rec, err := server.IssueToken(ctx, st, model.Operator{Name: name, Role: role}, a.now())
			if err != nil {
				if f != nil {
					f.Close()
					os.Remove(out)
				}
				return err
			}
			if f != nil {
				_, werr := fmt.Fprintln(f, token)
				if cerr := f.Close(); werr == nil {
					werr = cerr
				}
				if werr != nil {
					// The file is unusable, so the token must not live on without an owner.
					os.Remove(out)
					_ = st.RevokeToken(ctx, rec.ID, a.now())
					return fmt.Errorf("write %s: %w (the token was revoked)", out, werr)
				}
				fmt.Fprintf(a.errOut, "Token %s for %s (%s) written to %s.\n", rec.ID, name, role, out)
				return nil
			}
			fmt.Fprintf(a.errOut, "Token %s for %s (%s). It is shown only now; keep it in a file only you can read (chmod 600).\n", rec.ID, name, role)
			fmt.Fprintln(a.out, token)
			return nil
		},
	}
	cmd.Flags().String("name", "", "operator name the audit trail records for this token")
	cmd.Flags().String("role", "", "agent, supervisor, trainer, portal or admin")
	cmd.Flags().String("out", "", "write the token to this new file (mode 600) instead of standard output")
	return cmd
}

func (a *app) tokenListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List tokens (never their secrets), revoked ones included",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, err := a.openTokens(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			list, err := st.Tokens(ctx)
			if err != nil {
				return err
			}
			if len(list) == 0 {
				fmt.Fprintln(a.out, "No tokens. Issue one with: pindesk admin token create --name NAME --role ROLE")
				return nil
			}
			tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tROLE\tCREATED\tREVOKED")
			for _, t := range list {
				revoked := "-"
				if t.RevokedAt != nil {
					revoked = t.RevokedAt.In(a.loc).Format(time.DateTime)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", clean(t.ID), clean(t.Operator.Name), clean(string(t.Operator.Role)), t.CreatedAt.In(a.loc).Format(time.DateTime), revoked)
			}
			return tw.Flush()
		},
	}
}

func (a *app) tokenRevokeCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a token at once; requests with it are refused from now on",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("%s takes one token id (see pindesk admin token list)", cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := a.openTokens(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.RevokeToken(ctx, args[0], a.now()); err != nil {
				if errors.Is(err, model.ErrInvalidInput) {
					return fmt.Errorf("no token %q (see pindesk admin token list)", args[0])
				}
				return err
			}
			fmt.Fprintf(a.out, "Revoked %s.\n", args[0])
			return nil
		},
	}
}

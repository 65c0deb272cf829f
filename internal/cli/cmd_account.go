package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pindesk/pindesk/internal/termsafe"
	"github.com/pindesk/pindesk/model"
)

func (a *app) accountCommand() *cobra.Command {
	cmd := group(&cobra.Command{Use: "account", Short: "Look at an account as the database holds it"})
	cmd.AddCommand(a.accountShowCommand())
	return cmd
}

func (a *app) accountShowCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show ACCOUNT [--json]",
		Short: "Show an account, its contacts and each holder's PINs and locks (never a PIN)",
		Long: `show prints the account named by its id or number: its contacts with their ids (what --holder
and --on-behalf-of take), and for each holder — the account-wide PIN first, then each contact —
whether it is locked or hard-locked, its count of wrong PINs, and its PINs by kind: when each was
made, when it expires, whether it is spent. The PINs themselves are sealed and never shown.

--json writes the same as one JSON object (the account and its holders, as the API's account view).`,
		Args: exactArgs(1, "ACCOUNT (an id or number)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ad, closeFn, err := a.openAdmin(ctx, existing)
			if err != nil {
				return err
			}
			defer closeFn()
			v, err := ad.view(ctx, args[0])
			if err != nil {
				return err
			}
			if asJSON {
				b, err := json.MarshalIndent(v, "", "  ")
				if err != nil {
					return err
				}
				_, err = a.out.Write(append(termsafe.JSON(b), '\n'))
				return err
			}
			return a.printAccount(a.out, v)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "write the account and its holders as JSON")
	return cmd
}

// printAccount writes the account view for a reader. Every stored text goes through clean.
func (a *app) printAccount(w io.Writer, v model.AccountView) error {
	acct := v.Account
	var b strings.Builder
	fmt.Fprintf(&b, "Account %s (id %s)\n", describe(acct), clean(acct.ID))
	uses := "uses support PINs"
	if !acct.UsesPINs {
		uses = "uses no support PIN"
	}
	fmt.Fprintf(&b, "Product: %s (%s)\n", clean(acct.Product), uses)
	for _, h := range v.Holders {
		b.WriteString("\n")
		if h.Holder.IsAccountWide() {
			fmt.Fprintf(&b, "Account-wide PIN (holder %q): any contact may give it; the holder and sub-accounts may change it\n", model.AccountWide)
		} else if c, ok := acct.Contact(h.Holder.ContactID); ok {
			facts := []string{string(c.Role)}
			for _, f := range []string{c.Email, c.Phone} {
				if f != "" {
					facts = append(facts, f)
				}
			}
			if c.Federated {
				facts = append(facts, "federated sign-in")
			}
			fmt.Fprintf(&b, "%s (contact %s): %s\n", clean(c.Name), clean(c.ID), clean(strings.Join(facts, " · ")))
		}
		fmt.Fprintf(&b, "  %s\n", a.lockState(h))
		if len(h.PINs) == 0 {
			b.WriteString("  no PIN\n")
		}
		for _, p := range h.PINs {
			fmt.Fprintf(&b, "  %s PIN: %s\n", p.Kind, a.pinState(p))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (a *app) stamp(t time.Time) string { return t.In(a.loc).Format("2006-01-02 15:04 MST") }

func (a *app) lockState(h model.HolderState) string {
	count := fmt.Sprintf("%d of %d wrong PINs in a row", h.Failures, h.MaxFailures)
	switch {
	case h.Locked() && h.HardLocked:
		return fmt.Sprintf("HARD-LOCKED since %s (only an admin or the customer through the portal may unlock it); %s", a.stamp(*h.LockedSince), count)
	case h.Locked():
		return fmt.Sprintf("LOCKED since %s; %s", a.stamp(*h.LockedSince), count)
	}
	return "not locked; " + count
}

func (a *app) pinState(p model.PINState) string {
	parts := []string{"created " + a.stamp(p.CreatedAt)}
	now := a.now()
	switch {
	case p.ExpiresAt == nil:
		parts = append(parts, "never expires")
	case p.Expired(now):
		parts = append(parts, "EXPIRED "+a.stamp(*p.ExpiresAt))
	default:
		parts = append(parts, "expires "+a.stamp(*p.ExpiresAt)+" (in "+roundDuration(p.ExpiresAt.Sub(now))+")")
	}
	if p.SpentAt != nil {
		parts = append(parts, "SPENT "+a.stamp(*p.SpentAt))
	}
	if p.Active(now) {
		parts = append(parts, "can verify")
	} else {
		parts = append(parts, "cannot verify")
	}
	return strings.Join(parts, "; ")
}

package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pindesk/pindesk/model"
)

// pinFlags are the flags naming one PIN of one holder.
type pinFlags struct {
	account, holder, kind, onBehalfOf string
}

func (f *pinFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.account, "account", "", "account id or number")
	cmd.Flags().StringVar(&f.holder, "holder", "", `contact id, or "account" for the account-wide PIN`)
	cmd.Flags().StringVar(&f.kind, "kind", "", "master, one-time or temporary")
	cmd.Flags().StringVar(&f.onBehalfOf, "on-behalf-of", "", "the contact who asked for the change (recorded in the audit trail)")
}

// resolve opens the database and checks the flags name a PIN that can change: the account, the
// holder and the contact asking exist, and the kind is one.
func (f *pinFlags) resolve(ctx context.Context, a *app, cmd *cobra.Command) (*admin, func(), model.Account, model.PINChange, string, error) {
	fail := func(err error) (*admin, func(), model.Account, model.PINChange, string, error) {
		return nil, nil, model.Account{}, model.PINChange{}, "", err
	}
	if err := need(cmd, "account", "holder", "kind"); err != nil {
		return fail(err)
	}
	kind, err := model.ParseKind(strings.TrimSpace(f.kind))
	if err != nil {
		return fail(usageError{err})
	}
	ad, closeFn, err := a.openAdmin(ctx)
	if err != nil {
		return fail(err)
	}
	acct, err := ad.account(ctx, f.account)
	if err == nil {
		var who string
		if who, err = holder(acct, f.holder); err == nil {
			if f.onBehalfOf != "" {
				if _, ok := acct.Contact(f.onBehalfOf); !ok {
					_, err = holder(acct, f.onBehalfOf) // names the contacts
				}
			}
			if err == nil {
				req := model.PINChange{AccountID: acct.ID, Holder: f.holder, Kind: kind, OnBehalfOf: f.onBehalfOf}
				return ad, closeFn, acct, req, who, nil
			}
		}
	}
	closeFn()
	return fail(err)
}

func (a *app) pinCommand() *cobra.Command {
	cmd := group(&cobra.Command{
		Use:   "pin",
		Short: "Generate, set or clear a holder's PIN",
		Long: `pin changes one PIN of one holder: a contact of the account (--holder CONTACT_ID) or the
account as a whole (--holder account), of one kind (--kind master, one-time or temporary).
Say who asked with --on-behalf-of CONTACT_ID: for the account-wide PIN only the holder and
sub-accounts may change it.`,
	})
	cmd.AddCommand(a.pinGenerateCommand(), a.pinSetCommand(), a.pinClearCommand())
	return cmd
}

func (a *app) pinGenerateCommand() *cobra.Command {
	var f pinFlags
	cmd := &cobra.Command{
		Use:   "generate --account A --holder H --kind K [--on-behalf-of C]",
		Short: "Draw a new random PIN and print it once",
		Long: `generate draws a new PIN under the policy, replacing the holder's PIN of that kind, and prints
it once on standard output (the only line there, for a script to pass on); what it did goes to
standard error. It is not shown again: pindesk keeps it sealed.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			ad, closeFn, acct, req, who, err := f.resolve(ctx, a, cmd)
			if err != nil {
				return err
			}
			defer closeFn()
			g, err := ad.svc.Generate(ctx, ad.op, req)
			if err != nil {
				return err
			}
			fmt.Fprintln(a.out, g.PIN)
			fmt.Fprintf(a.errOut, "New %s PIN for %s on account %s; %s. Give it to the customer now: it is not shown again.\n",
				req.Kind, who, describe(acct), a.expiry(g.State))
			return nil
		},
	}
	f.add(cmd)
	return cmd
}

func (a *app) pinSetCommand() *cobra.Command {
	var f pinFlags
	cmd := &cobra.Command{
		Use:   "set --account A --holder H --kind K [--on-behalf-of C]",
		Short: "Set a PIN the customer chose (read from standard input, never a flag)",
		Long: `set stores a PIN the customer chose. The PIN is read from the terminal without echo (typed
twice), or as one line of standard input when that is not a terminal:
  pindesk admin pin set --account 12345678 --holder c1 --kind master < pin.txt
It is never taken from a flag, which would land in the shell history and the process list.
A PIN the policy refuses is refused with the rule it breaks.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			ad, closeFn, acct, req, who, err := f.resolve(ctx, a, cmd)
			if err != nil {
				return err
			}
			defer closeFn()
			pin, err := a.readPIN()
			if err != nil {
				return err
			}
			st, err := ad.svc.Set(ctx, ad.op, req, pin)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Set the %s PIN of %s on account %s; %s.\n", req.Kind, who, describe(acct), a.expiry(st))
			return nil
		},
	}
	f.add(cmd)
	return cmd
}

func (a *app) pinClearCommand() *cobra.Command {
	var f pinFlags
	cmd := &cobra.Command{
		Use:   "clear --account A --holder H --kind K [--on-behalf-of C]",
		Short: "Remove a holder's PIN of one kind",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			ad, closeFn, acct, req, who, err := f.resolve(ctx, a, cmd)
			if err != nil {
				return err
			}
			defer closeFn()
			if err := ad.svc.Clear(ctx, ad.op, req); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Cleared the %s PIN of %s on account %s.\n", req.Kind, who, describe(acct))
			return nil
		},
	}
	f.add(cmd)
	return cmd
}

// readPIN reads the PIN to set: twice without echo from a terminal, else one line of input.
// Neither the entry nor anything derived from it appears in an error.
func (a *app) readPIN() (string, error) {
	if !a.terminal(a.in) {
		pin, err := a.readLine()
		if err != nil {
			return "", fmt.Errorf("reading the PIN from standard input: %w", err)
		}
		pin = strings.TrimSpace(pin)
		if pin == "" {
			return "", errors.New("standard input held an empty line; give the PIN as its first line")
		}
		return pin, nil
	}
	fmt.Fprint(a.errOut, "PIN: ")
	pin, err := a.readNoEcho(a.in)
	fmt.Fprintln(a.errOut)
	if err != nil {
		return "", fmt.Errorf("reading the PIN: %w", err)
	}
	fmt.Fprint(a.errOut, "PIN again: ")
	again, err := a.readNoEcho(a.in)
	fmt.Fprintln(a.errOut)
	if err != nil {
		return "", fmt.Errorf("reading the PIN: %w", err)
	}
	if pin != again {
		return "", errors.New("the two entries differ; nothing changed")
	}
	if strings.TrimSpace(pin) == "" {
		return "", errors.New("no PIN entered; nothing changed")
	}
	return strings.TrimSpace(pin), nil
}

// expiry says when a PIN expires, in the local time zone.
func (a *app) expiry(st model.PINState) string {
	if st.ExpiresAt == nil {
		return "it never expires"
	}
	return "it expires " + st.ExpiresAt.In(a.loc).Format("2006-01-02 15:04 MST") + " (in " + roundDuration(st.ExpiresAt.Sub(a.now())) + ")"
}

func roundDuration(d time.Duration) string {
	switch {
	case d >= time.Hour:
		d = d.Round(time.Minute)
	default:
		d = d.Round(time.Second)
	}
	s := d.String()
	s = strings.TrimSuffix(s, "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

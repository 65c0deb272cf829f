package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pindesk/pindesk/model"
)

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
	var t target
	cmd := &cobra.Command{
		Use:   "generate --account A --holder H --kind K [--on-behalf-of C]",
		Short: "Draw a new random PIN and print it once",
		Long: `generate draws a new PIN under the policy, replacing the holder's PIN of that kind, and prints
it once on standard output (the only line there, for a script to pass on); what it did goes to
standard error. It is not shown again: pindesk keeps it sealed.`,
		Args: noArgs,
		RunE: t.run(a, func(ctx context.Context, r *resolved) error {
			req := r.pinChange(&t)
			g, err := r.svc.Generate(ctx, r.op, req)
			if err != nil {
				return err
			}
			fmt.Fprintln(a.out, g.PIN)
			fmt.Fprintf(a.errOut, "New %s on account %s; %s. Give it to the customer now: it is not shown again.\n",
				r.pinName("for", r.who), describe(r.acct), a.expiry(g.State))
			return nil
		}),
	}
	t.bind(cmd, "account", "holder", "kind", "on-behalf-of")
	return cmd
}

func (a *app) pinSetCommand() *cobra.Command {
	var t target
	cmd := &cobra.Command{
		Use:   "set --account A --holder H --kind K [--on-behalf-of C]",
		Short: "Set a PIN the customer chose (read from standard input, never a flag)",
		Long: `set stores a PIN the customer chose. The PIN is read from the terminal without echo (typed
twice), or as one line of standard input when that is not a terminal:
  pindesk admin pin set --account 12345678 --holder c1 --kind master < pin.txt
It is never taken from a flag, which would land in the shell history and the process list.
A PIN the policy refuses is refused with the rule it breaks.`,
		Args: noArgs,
		RunE: t.run(a, func(ctx context.Context, r *resolved) error {
			req := r.pinChange(&t)
			pin, err := a.readPIN(r.prompt())
			if err != nil {
				return err
			}
			st, err := r.svc.Set(ctx, r.op, req, pin)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Set the %s on account %s; %s.\n", r.pinName("of", r.who), describe(r.acct), a.expiry(st))
			return nil
		}),
	}
	t.bind(cmd, "account", "holder", "kind", "on-behalf-of")
	return cmd
}

func (a *app) pinClearCommand() *cobra.Command {
	var t target
	cmd := &cobra.Command{
		Use:   "clear --account A --holder H --kind K [--on-behalf-of C]",
		Short: "Remove a holder's PIN of one kind",
		Args:  noArgs,
		RunE: t.run(a, func(ctx context.Context, r *resolved) error {
			req := r.pinChange(&t)
			if err := r.svc.Clear(ctx, r.op, req); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Cleared the %s on account %s.\n", r.pinName("of", r.who), describe(r.acct))
			return nil
		}),
	}
	t.bind(cmd, "account", "holder", "kind", "on-behalf-of")
	return cmd
}

// readPIN reads the PIN to set: twice without echo from a terminal, after prompt, else one line
// of input. Neither the entry nor anything derived from it appears in an error.
func (a *app) readPIN(prompt string) (string, error) {
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
	fmt.Fprint(a.errOut, prompt+": ")
	pin, err := a.readNoEcho(a.in)
	fmt.Fprintln(a.errOut)
	if err != nil {
		return "", fmt.Errorf("reading the PIN: %w", err)
	}
	fmt.Fprint(a.errOut, "Again, to confirm: ")
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

// pinName names the PIN the target changes in a sentence: "master PIN of Olivia Smith (c1)" (prep
// "of") or "for …", and for the account-wide holder "account-wide master PIN", which is already
// the holder's name ("the master PIN of the account-wide PIN" would name it twice).
func (r *resolved) pinName(prep, who string) string {
	if r.holderID == model.AccountWide {
		return "account-wide " + string(r.kind) + " PIN"
	}
	return string(r.kind) + " PIN " + prep + " " + who
}

// prompt asks for the PIN naming whose and which: "New master PIN for Ada Lovelace (account
// 64522236)", so the admin types the PIN the customer chose for this holder, not another.
func (r *resolved) prompt() string {
	name := r.holderID
	if c, ok := r.acct.Contact(r.holderID); ok {
		name = c.Name
	}
	return "New " + r.pinName("for", clean(name)) + " (account " + clean(r.acct.Number) + ")"
}

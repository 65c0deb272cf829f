package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/model"
)

// Dual control on the command line (model/approval.go): the admin's own unlocks and resets are
// under it as everyone's are, and `admin approvals` lists, approves and refuses requests as the
// operator named by --operator. The core refuses an operator their own request, by name.

// pendingHint adds to an unlock or reset that opened an approval request instead how it is
// approved; any other error is returned as it is.
func pendingHint(err error) error {
	var ar *model.ApprovalRequiredError
	if !errors.As(err, &ar) {
		return err
	}
	return fmt.Errorf("%w. Nothing was changed: another supervisor approves it in the app (on the lock board, ctrl+o, or approvals, ctrl+a) or with `pindesk admin approvals approve %d --operator THEIR-NAME`", err, ar.Request.ID)
}

func (a *app) approvalsCommand() *cobra.Command {
	cmd := group(&cobra.Command{
		Use:   "approvals",
		Short: "List, approve and refuse the unlocks and resets waiting for a second supervisor",
		Long: `Dual control: an account reset, and an unlock of a holder unlocked once already in the last 24
hours, wait for a second person's approval (settings approval.reset, approval.repeat_unlock,
approval.unlock; a request expires after approval.ttl, 15 minutes by default). approvals acts as
the operator named by --operator: nobody approves or refuses their own request.`,
	})
	cmd.AddCommand(a.approvalsListCommand(), a.approvalsApproveCommand(), a.approvalsRefuseCommand())
	return cmd
}

func (a *app) approvalsListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the pending approval requests, oldest first",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			ad, closeFn, err := a.openAdmin(ctx, existing)
			if err != nil {
				return err
			}
			defer closeFn()
			list, err := ad.svc.ListApprovals(ctx, ad.op)
			if err != nil {
				return err
			}
			if len(list) == 0 {
				fmt.Fprintln(a.out, "No approval requests are pending.")
				return nil
			}
			tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tACTION\tACCOUNT\tHOLDER\tASKED BY\tEXPIRES\tREASON")
			for _, ap := range list {
				holder := ap.Holder
				if holder == "" {
					holder = "-"
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", ap.ID, ap.Action, clean(ap.AccountNumber+" "+ap.AccountName), clean(holder),
					clean(ap.RequestedBy), ap.Expires.In(a.loc).Format(time.TimeOnly), clean(ap.Reason))
			}
			return tw.Flush()
		},
	}
}

func approvalArg(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return usagef("%s takes one request number (see pindesk admin approvals list)", cmd.CommandPath())
	}
	if id, err := strconv.ParseInt(strings.TrimPrefix(args[0], "#"), 10, 64); err != nil || id < 1 {
		return usagef("%q is not a request number (see pindesk admin approvals list)", args[0])
	}
	return nil
}

func requestID(arg string) int64 {
	id, _ := strconv.ParseInt(strings.TrimPrefix(arg, "#"), 10, 64)
	return id
}

func (a *app) approvalsApproveCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "approve ID",
		Short: "Approve another operator's request: its unlock or reset is done at once",
		Args:  approvalArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ad, closeFn, err := a.openAdmin(ctx, existing)
			if err != nil {
				return err
			}
			defer closeFn()
			res, err := ad.svc.Approve(ctx, ad.op, requestID(args[0]))
			if err != nil {
				return err
			}
			ap := res.Approval
			fmt.Fprintf(a.out, "Approved request #%d: %s, asked by %s.", ap.ID, clean(ap.Target()), clean(ap.RequestedBy))
			if res.Reset != nil {
				fmt.Fprintf(a.out, " Revoked %d %s, unlocked %d %s.", res.Reset.RevokedPINs, plural(res.Reset.RevokedPINs, "PIN", "PINs"),
					res.Reset.UnlockedHolders, plural(res.Reset.UnlockedHolders, "holder", "holders"))
			}
			fmt.Fprintln(a.out)
			return nil
		},
	}
}

func (a *app) approvalsRefuseCommand() *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "refuse ID --reason R",
		Short: "Refuse another operator's request, with a reason; nothing else changes",
		Args:  approvalArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(reason) == "" {
				return usagef("refuse needs --reason: say why, for the audit trail")
			}
			ctx := cmd.Context()
			ad, closeFn, err := a.openAdmin(ctx, existing)
			if err != nil {
				return err
			}
			defer closeFn()
			ap, err := ad.svc.Refuse(ctx, ad.op, requestID(args[0]), reason)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Refused request #%d: %s, asked by %s.\n", ap.ID, clean(ap.Target()), clean(ap.RequestedBy))
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why the request is refused (required)")
	return cmd
}

// approvalSweepEvery is how often `pindesk serve` expires approval requests nobody read: the core
// expires them as it reads them anyway, so this only bounds how late an expiry is audited.
const approvalSweepEvery = 30 * time.Second

// sweepApprovals expires, and audits, the approval requests past their expiry until ctx ends.
func sweepApprovals(ctx context.Context, svc *core.Service, logger *slog.Logger) {
	tick := time.NewTicker(approvalSweepEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if n, err := svc.ExpireApprovals(ctx); err != nil && ctx.Err() == nil {
			logger.Error("expire approval requests", "err", err)
		} else if n > 0 {
			logger.Info("approval requests expired", "count", n)
		}
	}
}

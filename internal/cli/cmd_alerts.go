package cli

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pindesk/pindesk/internal/termsafe"
	"github.com/pindesk/pindesk/model"
)

func (a *app) alertsCommand() *cobra.Command {
	cmd := group(&cobra.Command{
		Use:   "alerts",
		Short: "Anomaly alerts: desks slowed after failing PINs across many accounts; clear one",
		Long: `alerts lists the open anomaly alerts: a desk (an API token, token:<id>; or the app's local
operator, local:<name>) whose wrong PINs reached anomaly.failures across anomaly.accounts accounts
within anomaly.window. Until the alert is cleared, that desk verifies at most once per
anomaly.slow_interval. clear lifts it, with a reason kept in the audit trail.`,
	})
	list := &cobra.Command{
		Use:   "list",
		Short: "List the open alerts, oldest first",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ad, closeFn, err := a.openAdmin(cmd.Context(), existing)
			if err != nil {
				return err
			}
			defer closeFn()
			alerts, err := ad.svc.OpenAlerts(cmd.Context(), ad.op)
			if err != nil {
				return err
			}
			if len(alerts) == 0 {
				fmt.Fprintln(a.errOut, "No open alerts.")
				return nil
			}
			w := tabwriter.NewWriter(a.out, 0, 2, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tDESK\tOPERATOR\tRAISED\tFAILURES\tACCOUNTS\tNEXT VERIFY")
			for _, al := range alerts {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%d\t%s\n", al.ID, termsafe.String(al.Desk), termsafe.String(al.Operator),
					al.RaisedAt.Local().Format(time.DateTime), al.Failures, al.Accounts, al.NextVerifyAt.Local().Format(time.DateTime))
			}
			return w.Flush()
		},
	}
	var reason string
	clear := &cobra.Command{
		Use:   "clear ID --reason R",
		Short: "Clear an open alert: its desk verifies at full pace again",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ad, closeFn, err := a.openAdmin(cmd.Context(), existing)
			if err != nil {
				return err
			}
			defer closeFn()
			if err := ad.svc.ClearAlert(cmd.Context(), ad.op, model.ClearAlertRequest{ID: args[0], Reason: reason}); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Cleared %s; the reason is in the audit trail.\n", termsafe.String(args[0]))
			return nil
		},
	}
	clear.Flags().StringVar(&reason, "reason", "", "why the alert is cleared (kept in the audit trail)")
	cmd.AddCommand(list, clear)
	return cmd
}

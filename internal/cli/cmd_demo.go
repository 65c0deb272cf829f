package cli

import (
	"github.com/spf13/cobra"

	"github.com/pindesk/pindesk/demo"
	"github.com/pindesk/pindesk/ui"
)

func (a *app) demoCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Train on a throwaway database of sample customers",
		Long: `demo opens the terminal app on a fresh database in a temporary folder, never the real one,
holding 400 sample customers and the trainer's scenarios (search "demo" to list them: a healthy
PIN, one about to expire, an expired one, a locked holder, one a wrong PIN from lock, a spent
one-time PIN, no PIN, a product without PINs, an account-wide PIN). You act as a trainer; the
trainer panel moves the clock and restores the scenarios. Everything is removed on exit.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			s, err := a.settings()
			if err != nil {
				return err
			}
			b, err := demo.Open(ctx, demo.Options{Trainer: s.Operator.Name, TempDir: a.tempDir})
			if err != nil {
				return err
			}
			defer b.Close()
			var scenarios []ui.Scenario
			for _, sc := range b.Scenarios() {
				scenarios = append(scenarios, ui.Scenario{Title: sc.Title, AccountNumber: sc.AccountNumber,
					Note: sc.Demonstrates, Caller: sc.CallerName, PIN: sc.PIN})
			}
			return a.runUI(ctx, b, ui.Options{Demo: true, IdleTimeout: s.IdleTimeout, Channel: s.Channel, Scenarios: scenarios})
		},
	}
}

package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/config"
	"github.com/pindesk/pindesk/internal/termsafe"
	"github.com/pindesk/pindesk/ui"
)

// Run is the pindesk command as its main function runs it, on the process's arguments and
// streams, and returns the exit code. A closed terminal window (SIGHUP) ends the app like ctrl+c
// does, so `pindesk demo` still removes its throwaway database and the app closes its store
// cleanly.
func Run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	return Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
}

// Main runs the command line with args (without the program's name) on the process's streams,
// and returns the exit code: 0, 1 for a failure, 2 for a usage mistake.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return run(ctx, args, newApp(stdin, stdout, stderr))
}

// run executes the command line and returns the exit code: 0, 1 for a failure, 2 for a usage
// mistake. Errors are printed as "pindesk: …" lines on stderr, never as a Go stack.
func run(ctx context.Context, args []string, a *app) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(a.errOut, "pindesk: internal error: %v\n", r)
			code = 1
		}
	}()
	root := a.rootCommand()
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintln(a.errOut, "pindesk: "+termsafe.Lines(strings.TrimRight(err.Error(), "\n"))) // errors may quote stored data
	var ue usageError
	if errors.As(err, &ue) {
		path := "pindesk"
		if cmd != nil {
			path = cmd.CommandPath()
		}
		fmt.Fprintf(a.errOut, "Run '%s --help' for usage.\n", path)
		return 2
	}
	return 1
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "pindesk",
		Short: "Verify support callers by their PIN",
		Long: `pindesk verifies support callers by the PIN they read out.

Run without a command, it opens the terminal app on this machine's database (or on a pindesk
server with --server). Settings come from, each overriding the one before: built-in defaults,
the config file (DATA_DIR/config.json, or --config), PINDESK_* environment variables, and flags.
See 'pindesk config --help'.`,
		Args:          noArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE:          a.runApp,
	}
	root.CompletionOptions.HiddenDefaultCmd = true
	root.SetIn(a.in)
	root.SetOut(a.out)
	root.SetErr(a.errOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&a.configFile, "config", "", "config file (default DATA_DIR/config.json)")
	a.addSettingFlags(pf, "")
	root.AddCommand(a.demoCommand(), a.adminCommand(), a.configCommand(), a.serveCommand())
	return root
}

// noArgs refuses stray arguments, which on the root are most likely a misspelt command.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.HasSubCommands() {
		return usagef("unknown command %q for %q", args[0], cmd.CommandPath())
	}
	return usagef("%s takes no arguments (got %q)", cmd.CommandPath(), strings.Join(args, " "))
}

// group makes cmd a command that only holds others: bare, it shows its help.
func group(cmd *cobra.Command) *cobra.Command {
	cmd.Args = noArgs
	cmd.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	return cmd
}

// runApp opens the terminal app: on the database, or on a server in remote mode.
func (a *app) runApp(cmd *cobra.Command, _ []string) error {
	ctx := cmd.Context()
	s, err := a.settings()
	if err != nil {
		return err
	}
	b, err := a.backend(ctx, s)
	if err != nil {
		return err
	}
	defer b.Close()
	return a.runUI(ctx, b, ui.Options{IdleTimeout: s.IdleTimeout, Channel: s.Channel})
}

// backend is the app's backend for the settings: the core in process, acting as the configured
// operator, or a server.
func (a *app) backend(ctx context.Context, s config.Settings) (client.Backend, error) {
	if s.Remote() {
		return a.openRemote(s)
	}
	svc, st, err := openCore(ctx, s, existing)
	if err != nil {
		return nil, err
	}
	return client.NewLocal(svc, s.Operator, st.Close), nil
}

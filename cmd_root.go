package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/config"
	"github.com/pindesk/pindesk/internal/termsafe"
	"github.com/pindesk/pindesk/ui"
)

// globalFlags are the flags every command takes, each naming a config key.
var globalFlags = []struct{ name, key, usage string }{
	{"data-dir", "data_dir", "folder of the database, key file and config file"},
	{"database", "database", "SQLite database file, or a postgres:// URL"},
	{"key-file", "key_file", "file of the key that seals PINs (kept apart from the database)"},
	{"operator", "operator", "your name in the audit trail (default: your OS user name)"},
	{"role", "role", "your role in the app: agent, supervisor, trainer or admin"},
	{"server", "server", "URL of a pindesk server; run against it instead of a database"},
	{"token-file", "token_file", "file holding your API token for --server"},
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
	a.flagKeys = map[string]string{}
	for _, f := range globalFlags {
		pf.String(f.name, "", f.usage)
		a.flagKeys[f.name] = f.key
	}
	a.root = root

	root.AddCommand(a.demoCommand(), a.adminCommand(), a.configCommand())
	for _, f := range topCommands {
		root.AddCommand(f(a))
	}
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
		return openRemote(ctx, s)
	}
	svc, st, err := openCore(ctx, s)
	if err != nil {
		return nil, err
	}
	return client.NewLocal(svc, s.Operator, st.Close), nil
}

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/config"
	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/store"
	"github.com/pindesk/pindesk/store/postgres"
	"github.com/pindesk/pindesk/store/secret"
	"github.com/pindesk/pindesk/store/sqlite"
	"github.com/pindesk/pindesk/ui"
)

// app is one run of the command line: its streams, its global flags, and the seams tests replace
// (environment, terminal UI, clock). Commands reach everything through it.
type app struct {
	in          io.Reader
	out, errOut io.Writer

	configFile string            // --config
	flagKeys   map[string]string // global flag name → config key
	root       *cobra.Command

	// Seams. newApp fills them from the process; tests replace them.
	lookupEnv  func(string) (string, bool)
	homeDir    func() (string, error)
	userName   func() string
	runUI      func(ctx context.Context, b client.Backend, opts ui.Options) error
	now        func() time.Time
	loc        *time.Location
	tempDir    string // where `pindesk demo` makes its folder; "" for the system's
	terminal   func(r io.Reader) bool
	readNoEcho func(r io.Reader) (string, error)
}

// Extension points for the other files of package main: serve.go and cmd_token.go register their
// commands from init(), so this file need not know them.
var (
	topCommands   []func(*app) *cobra.Command
	adminCommands []func(*app) *cobra.Command
)

// addCommand adds a top-level command (`pindesk serve`).
func addCommand(f func(*app) *cobra.Command) { topCommands = append(topCommands, f) }

// addAdminCommand adds a command under `pindesk admin` (`pindesk admin token`).
func addAdminCommand(f func(*app) *cobra.Command) { adminCommands = append(adminCommands, f) }

// openRemote connects the app to a pindesk server (remote mode: the server setting is set). It
// is a variable so the server's side of the command line may replace it (with more options).
var openRemote = func(ctx context.Context, s config.Settings) (client.Backend, error) {
	token, err := client.ReadTokenFile(s.TokenFile)
	if err != nil {
		return nil, err
	}
	var opts []client.RemoteOption
	if s.ServerCAFile != "" {
		opts = append(opts, client.WithCAFile(s.ServerCAFile))
	}
	return client.NewRemote(s.Server, token, opts...)
}

func newApp(in io.Reader, out, errOut io.Writer) *app {
	return &app{
		in: in, out: out, errOut: errOut,
		lookupEnv:  os.LookupEnv,
		homeDir:    os.UserHomeDir,
		userName:   config.FromOS("", nil).UserName,
		runUI:      ui.Run,
		now:        time.Now,
		loc:        time.Local,
		terminal:   isTerminal,
		readNoEcho: readNoEcho,
	}
}

// settings resolves the configuration with the global flags the user gave.
func (a *app) settings() (config.Settings, error) {
	flags := map[string]string{}
	for name, key := range a.flagKeys {
		if f := a.root.PersistentFlags().Lookup(name); f != nil && f.Changed {
			flags[key] = f.Value.String()
		}
	}
	return config.Load(config.Source{
		ConfigFile: a.configFile, Flags: flags,
		LookupEnv: a.lookupEnv, HomeDir: a.homeDir, UserName: a.userName,
	})
}

// ErrNoKey: the key file is missing though the database it belongs to exists.
var ErrNoKey = errors.New("the key file is missing")

// ErrNoDatabase: the SQLite database is missing though the key file made with it exists.
var ErrNoDatabase = errors.New("the database is missing")

// openCore opens the database and key the settings name and returns the core over them; the
// caller closes the store. It is what every command that works on the database shares: the
// terminal app, `pindesk admin …`, and `pindesk serve`.
//
// A key is created only together with a new SQLite database, and a new SQLite database only
// together with a new key. A missing key beside an existing database is refused: a fresh key would not open any PIN in it, so every customer's right PIN
// would count as a wrong one and lock them out. A PostgreSQL database is shared by several
// servers that must hold the same key, so its key is never made here (see `pindesk admin key init`).
// Then the key must be the database's (checkKey): another key is refused before anything is changed.
func openCore(ctx context.Context, s config.Settings, opts ...core.Option) (*core.Service, store.Store, error) {
	_, err := os.Stat(s.KeyFile)
	keyExists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("key file: %w", err)
	}
	if !keyExists {
		if s.UsesPostgres() {
			return nil, nil, fmt.Errorf("%w: %s does not exist. Every server of a PostgreSQL database needs the same key: copy it from the server that made it, or make the first one with `pindesk admin key init`", ErrNoKey, s.KeyFile)
		}
		if sqliteExists(s.Database) {
			return nil, nil, fmt.Errorf("%w: %s does not exist, but the database %s does. Without its key no PIN in it can be checked, and every right PIN would count as wrong. Restore the key file from your backup, or point --key-file at it", ErrNoKey, s.KeyFile, s.Database)
		}
	} else if !s.UsesPostgres() && !sqliteExists(s.Database) {
		return nil, nil, fmt.Errorf("%w: the key file %s exists, but its database %s does not. pindesk makes a new database only with a new key, so that a moved or deleted database is noticed rather than silently replaced by an empty one. Restore the database from your backup or point --database at it; to start afresh on purpose, move the key file away first", ErrNoDatabase, s.KeyFile, s.Database)
	}
	st, err := openStore(ctx, s)
	if err != nil {
		return nil, nil, err
	}
	key, err := secret.LoadOrCreateKey(s.KeyFile)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	sealer, err := secret.New(key)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	svc, err := core.New(st, sealer, append([]core.Option{core.WithPolicy(s.Policy), core.WithIdempotencyTTL(s.IdempotencyTTL)}, opts...)...)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	if err := checkKey(ctx, svc, key, s); err != nil {
		st.Close()
		return nil, nil, err
	}
	return svc, st, nil
}

func openStore(ctx context.Context, s config.Settings) (store.Store, error) {
	if s.UsesPostgres() {
		return postgres.Open(ctx, s.Database, postgres.WithSearchRegion(s.SearchRegion))
	}
	if err := os.MkdirAll(filepath.Dir(s.Database), 0o700); err != nil {
		return nil, fmt.Errorf("create the data folder: %w", err)
	}
	return sqlite.Open(ctx, s.Database, sqlite.WithSearchRegion(s.SearchRegion))
}

// usageError is a mistake in how pindesk was called: it exits 2 and points at --help.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// need refuses a command run without one of its required flags.
func need(cmd *cobra.Command, names ...string) error {
	var missing []string
	for _, n := range names {
		if f := cmd.Flags().Lookup(n); f == nil || !f.Changed || strings.TrimSpace(f.Value.String()) == "" {
			missing = append(missing, "--"+n)
		}
	}
	if len(missing) > 0 {
		return usagef("%s needs %s", cmd.CommandPath(), strings.Join(missing, " and "))
	}
	return nil
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// readNoEcho reads a line from a terminal without showing it.
func readNoEcho(r io.Reader) (string, error) {
	f := r.(*os.File)
	b, err := term.ReadPassword(f.Fd())
	return string(b), err
}

// readLine reads one line (without its end) from a.in.
func (a *app) readLine() (string, error) {
	line, err := bufio.NewReader(a.in).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		if errors.Is(err, io.EOF) {
			return "", errors.New("standard input ended before a line was read")
		}
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

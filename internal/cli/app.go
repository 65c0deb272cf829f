package cli

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
	"github.com/spf13/pflag"

	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/config"
	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/model"
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

	configFile   string        // --config
	settingFlags []settingFlag // the flags that set a config key, on every command

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

// openRemote connects the app to a pindesk server (remote mode: the server setting is set).
func (a *app) openRemote(s config.Settings) (client.Backend, error) {
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

// settingFlag is a command-line flag bound to the config key it sets.
type settingFlag struct {
	flag *pflag.Flag
	key  string
}

// addSettingFlags defines on fs the flags config.Flags(command) declares, typed as their keys.
// They hold no value of their own: settings hands what the user gave to config.Load, which
// parses, layers and validates it like every other source.
func (a *app) addSettingFlags(fs *pflag.FlagSet, command string) {
	for _, f := range config.Flags(command) {
		switch f.Type {
		case config.FlagInt:
			fs.Int(f.Name, 0, f.Usage)
		case config.FlagFloat:
			fs.Float64(f.Name, 0, f.Usage)
		case config.FlagBool:
			fs.Bool(f.Name, false, f.Usage)
		default:
			fs.String(f.Name, "", f.Usage)
		}
		a.settingFlags = append(a.settingFlags, settingFlag{fs.Lookup(f.Name), f.Key})
	}
}

// settings resolves the configuration with the flags the user gave.
func (a *app) settings() (config.Settings, error) {
	flags := map[string]string{}
	for _, f := range a.settingFlags {
		if f.flag.Changed {
			flags[f.key] = f.flag.Value.String()
		}
	}
	return config.Load(config.Source{
		ConfigFile: a.configFile, Flags: flags,
		LookupEnv: a.lookupEnv, HomeDir: a.homeDir, UserName: a.userName,
	})
}

// ErrNoKey: the key file is missing though the database it belongs to exists.
var ErrNoKey = errors.New("the key file is missing")

// ErrNoDatabase: there is no SQLite database where the settings point, so there is nothing to
// open; or the key file made with one exists without it.
var ErrNoDatabase = errors.New("the database is missing")

// opening says whether openCore may create a SQLite database where there is none.
type opening int

const (
	// existing refuses a missing database: the terminal app, serve and most admin commands
	// would otherwise work on a new empty one, where every search answers "No account matches".
	existing opening = iota
	// orCreate makes a new database (with its key) where there is neither: `pindesk admin init`
	// and `pindesk admin import`, the explicit first steps of an installation.
	orCreate
)

// openCore opens the database and key the settings name and returns the core over them; the
// caller closes the store. It is what every command that works on the database shares: the
// terminal app, `pindesk admin …`, and `pindesk serve`.
//
// A key is created only together with a new SQLite database, and a new SQLite database only
// together with a new key, and only when how is orCreate. A missing key beside an existing
// database is refused: a fresh key would not open any PIN in it, so every customer's right PIN
// would count as a wrong one and lock them out. A PostgreSQL database is shared by several
// servers that must hold the same key, so its key is never made here (see `pindesk admin key init`).
// Then the key must be the database's (checkKey): another key is refused before anything is changed.
func openCore(ctx context.Context, s config.Settings, how opening, opts ...core.Option) (*core.Service, store.Store, error) {
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
		if how != orCreate {
			return nil, nil, fmt.Errorf("%w: there is no pindesk database in %s (no %s). Create one with `pindesk admin init`, or import accounts with `pindesk admin import FILE`, which creates it; or point --data-dir (or --database) at the folder of an existing one", ErrNoDatabase, filepath.Dir(s.Database), filepath.Base(s.Database))
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
	svc, err := core.New(st, sealer, append([]core.Option{core.WithPolicy(s.Policy), core.WithIdempotencyTTL(s.IdempotencyTTL), core.WithSessionTTL(s.SessionTTL),
		core.WithDisputeRevokes(model.DisputeRevokes(s.Notify.DisputeRevokes)),
		// Codes are emailed only where serve delivers them: serve adds Deliverable (serve.go).
		core.WithEmailCodes(core.CodeSettings{TTL: s.Codes.TTL, PerHolder: s.Codes.PerContact, PerToken: s.Codes.PerToken}),
		core.WithApprovals(s.Approval.Policy()), core.WithAnomaly(s.Anomaly)}, opts...)...)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	if err := checkKey(ctx, svc, key, s); err != nil {
		st.Close()
		return nil, nil, err
	}
	// The key is the database's: chain the audit events written before the chain existed (once,
	// after an upgrade; a no-op after that).
	if _, err := svc.ChainAuditHistory(ctx); err != nil {
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

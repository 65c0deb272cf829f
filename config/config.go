// Package config resolves pindesk's settings from four layers, each overriding the one before:
//
//	built-in defaults < config file < environment (PINDESK_*) < command-line flags
//
// Every setting has one key, spelt the same way in every layer: "idle_timeout" is the JSON key
// idle_timeout (nested keys such as "policy.length" are nested objects in the file), the variable
// PINDESK_IDLE_TIMEOUT, and the flag the command line maps to it. One table of keys (see keys.go)
// drives all four layers, so a setting cannot be readable in one layer and forgotten in another.
//
// The file is JSON: the standard library reads it (no dependency), unknown keys are refused (a
// misspelt "idle_timout" would otherwise be silently ignored) and a syntax error is reported with
// its line. Durations are written as Go durations ("2m", "48h").
//
// The file is DataDir/config.json unless --config or PINDESK_CONFIG names another; a named file
// that is missing is an error, the default one may be absent. Relative paths in the file are taken
// relative to the file's folder, so a config can travel with its database.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store/searchterm"
)

// ErrInvalid marks every configuration error; errors.Is(err, config.ErrInvalid) tells a usage
// problem the user can fix from an operational failure.
var ErrInvalid = errors.New("invalid configuration")

// Settings are pindesk's resolved settings.
type Settings struct {
	// DataDir holds the database, key file and config file by default.
	DataDir string
	// Database is a SQLite file path, or a postgres:// URL.
	Database string
	// KeyFile holds the key that seals PINs at rest. It lives beside the database, never inside
	// it, so a copy of the database alone does not reveal a PIN.
	KeyFile string
	// Operator is who acts in embedded mode: the desk agent at this terminal.
	Operator model.Operator
	// Channel is the channel a verification is recorded under unless the agent picks another.
	Channel model.Channel
	// IdleTimeout clears the screen of an account left open without a keystroke.
	IdleTimeout time.Duration
	// Policy is the PIN policy.
	Policy model.Policy
	// Server is the URL of a pindesk server; when set the app runs in remote mode.
	Server string
	// TokenFile holds the API token for remote mode.
	TokenFile string
	// ServerCAFile holds PEM certificates to trust for the server's TLS certificate (a private
	// CA); empty for the system's roots.
	ServerCAFile string
	// Serve configures `pindesk serve`.
	Serve Serve
	// Notify configures the customer notices `pindesk serve` delivers.
	Notify Notify
	// Codes configures the codes emailed to a calling contact (code.go).
	Codes Codes
	// Approval configures dual control (approval.go).
	Approval Approval
	// IdempotencyTTL is how long a verification's idempotency key answers a retry of the same
	// request (verify.idempotency_ttl).
	IdempotencyTTL time.Duration
	// SearchRegion is the region a phone number without a country code is read in, when it is
	// imported and when it is searched for (search.default_region).
	SearchRegion string
	// SessionTTL is how long a verification session lasts (verify.session_ttl); whether a call
	// needs a ticket is Policy.TicketRequired (call.ticket_required).
	SessionTTL time.Duration
	// Anomaly is when a desk failing PINs across many accounts raises an alert, and how it is
	// slowed (anomaly.*).
	Anomaly model.AnomalyPolicy

	// ConfigFile is the file that was read, empty when none was.
	ConfigFile string
	// Origin tells, for each key, which layer set it: "default", "file", "env PINDESK_X", "flag".
	Origin map[string]string
}

// Serve holds the REST server's settings.
type Serve struct {
	Listen        string // host:port
	TLSCert       string // PEM certificate file; with TLSKey
	TLSKey        string // PEM private key file
	AllowInsecure bool   // allow plain HTTP on a non-loopback address (behind a TLS proxy)
	// MetricsListen, when set, serves /metrics (plain HTTP: it holds no PIN, token or id) on this
	// host:port instead of on Listen.
	MetricsListen string

	// Verification rate limits, token buckets as server.Limit: a sustained rate and a burst.
	// Per token: one desk seat's pace. Per account: guesses at one customer from anywhere.
	TokenVerifyPerSecond   float64
	TokenVerifyBurst       int
	AccountVerifyPerSecond float64
	AccountVerifyBurst     int
	// TokenUnlocksPerHour bounds unlocks per token (server.Config.TokenUnlockLimit).
	TokenUnlocksPerHour int
	// AuditCheckpointEvery, when positive, appends an audit checkpoint to AuditCheckpointFile this
	// often (the two go together).
	AuditCheckpointEvery time.Duration
	AuditCheckpointFile  string
	// AuditCheckpointNotice also writes each scheduled checkpoint to the outbox as an
	// audit.checkpoint notice, which the webhooks deliver (the file is then optional).
	AuditCheckpointNotice bool
}

// UsesPostgres reports whether the database is a PostgreSQL URL rather than a SQLite file.
func (s Settings) UsesPostgres() bool { return isPostgresURL(s.Database) }

// Remote reports whether the app talks to a server instead of its own database.
func (s Settings) Remote() bool { return s.Server != "" }

// Defaults.
const (
	DefaultListen      = "127.0.0.1:7420"
	DefaultIdleTimeout = 2 * time.Minute
	// The server's defaults (server.DefaultTokenVerifyLimit, DefaultAccountVerifyLimit).
	DefaultTokenVerifyPerSecond   = 2
	DefaultTokenVerifyBurst       = 20
	DefaultAccountVerifyPerSecond = 0.2
	DefaultAccountVerifyBurst     = 12
	DefaultTokenUnlocksPerHour    = 10 // server.DefaultTokenUnlockLimit
	DatabaseFileName              = "pindesk.db"
	KeyFileName                   = "pindesk.key"
	TokenFileName                 = "token"
	ConfigFileName                = "config.json"
	EnvPrefix                     = "PINDESK_"
)

// Validate reports every setting that is unusable, joined, each naming its key.
func (s Settings) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &Error{Key: key, Source: s.Origin[key], Err: fmt.Errorf(format, args...)})
	}
	if s.DataDir == "" {
		bad("data_dir", "is empty and no user data folder is known; set PINDESK_DATA_DIR or --data-dir")
	}
	switch {
	case s.Database == "":
		bad("database", "is empty")
	case strings.Contains(s.Database, "://") && !isPostgresURL(s.Database):
		bad("database", "%q is neither a file path nor a postgres:// URL", RedactDatabase(s.Database))
	case isPostgresURL(s.Database):
		if u, err := url.Parse(s.Database); err != nil || u.Host == "" {
			bad("database", "%q is not a usable postgres:// URL (want postgres://user@host/dbname)", RedactDatabase(s.Database))
		}
	}
	switch {
	case s.KeyFile == "":
		bad("key_file", "is empty")
	case !isPostgresURL(s.Database) && s.Database != "" && filepath.Clean(s.KeyFile) == filepath.Clean(s.Database):
		bad("key_file", "is the database file itself; the key must be kept apart from the database")
	}
	if err := checkName(s.Operator.Name); err != nil {
		bad("operator", "%v", err)
	}
	switch s.Operator.Role {
	case model.OpAgent, model.OpSupervisor, model.OpTrainer, model.OpAdmin:
	case model.OpPortal:
		bad("role", "portal is the customers' portal's role, for its API token; a desk operator is agent, supervisor, trainer or admin")
	default:
		bad("role", "%q (want agent, supervisor, trainer or admin)", s.Operator.Role)
	}
	switch s.Channel {
	case model.ChannelPhone, model.ChannelChat, model.ChannelOther:
	default:
		bad("channel", "%q (want phone, chat or other)", s.Channel)
	}
	if s.IdleTimeout < MinIdleTimeout || s.IdleTimeout > MaxIdleTimeout {
		bad("idle_timeout", "%v must lie within %v..%v", s.IdleTimeout, MinIdleTimeout, MaxIdleTimeout)
	}
	if err := s.Policy.Validate(); err != nil {
		bad("policy", "%v", strings.TrimPrefix(err.Error(), model.ErrInvalidInput.Error()+": "))
	}
	if s.Server != "" {
		if err := checkServerURL(s.Server); err != nil {
			bad("server", "%v", err)
		}
		if s.TokenFile == "" {
			bad("token_file", "is empty; remote mode needs the file holding the API token")
		}
	}
	if s.IdempotencyTTL < time.Second || s.IdempotencyTTL > MaxIdempotencyTTL {
		bad("verify.idempotency_ttl", "%v must lie within 1s..%v", s.IdempotencyTTL, MaxIdempotencyTTL)
	}
	if s.SessionTTL < time.Minute || s.SessionTTL > MaxSessionTTL {
		bad("verify.session_ttl", "%v must lie within 1m..%v", s.SessionTTL, MaxSessionTTL)
	}
	if !searchterm.ValidRegion(s.SearchRegion) {
		bad("search.default_region", "%q is not a region code phone numbers are read in (want one such as GB, US or IE, in capitals)", s.SearchRegion)
	}
	errs = append(errs, s.Serve.validate(s.Origin)...)
	errs = append(errs, s.Notify.validate(s.Origin)...)
	errs = append(errs, s.Codes.validate(s.Origin)...)
	errs = append(errs, s.Approval.validate(s.Origin)...)
	errs = append(errs, validateAnomaly(s.Anomaly, s.Origin)...)
	errs = append(errs, validateCheckpointNotice(s)...) // checkpoint_notice.go
	if len(errs) == 0 {
		return nil
	}
	return errors.Join(errs...)
}

// DefaultIdempotencyTTL is core.DefaultIdempotencyTTL: a retry comes within seconds, and a key must
// not answer long after its call. MaxIdempotencyTTL bounds it at a day.
const (
	DefaultIdempotencyTTL = 10 * time.Minute
	MaxIdempotencyTTL     = 24 * time.Hour
)

// DefaultSessionTTL is core.DefaultSessionTTL; a verification session outliving a working shift
// (MaxSessionTTL) would outlive its call.
const (
	DefaultSessionTTL = 30 * time.Minute
	MaxSessionTTL     = 12 * time.Hour
)

// Bounds of the idle timeout: below a few seconds an agent cannot read an account; above a working
// day the timeout protects nothing.
const (
	MinIdleTimeout = 10 * time.Second
	MaxIdleTimeout = 8 * time.Hour
)

func (v Serve) validate(origin map[string]string) []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &Error{Key: key, Source: origin[key], Err: fmt.Errorf(format, args...)})
	}
	host, port, err := net.SplitHostPort(v.Listen)
	if err != nil || port == "" {
		bad("serve.listen", "%q is not host:port (e.g. 127.0.0.1:7420)", v.Listen)
	}
	if (v.TLSCert == "") != (v.TLSKey == "") {
		bad("serve.tls_cert", "TLS needs both serve.tls_cert and serve.tls_key, or neither")
	}
	if err == nil && v.TLSCert == "" && !v.AllowInsecure && !isLoopback(host) {
		bad("serve.listen", "%s is reachable from other machines without TLS; set serve.tls_cert and serve.tls_key, or serve.allow_insecure behind a TLS proxy", v.Listen)
	}
	if v.MetricsListen != "" {
		if _, mport, err := net.SplitHostPort(v.MetricsListen); err != nil || mport == "" {
			bad("serve.metrics_listen", "%q is not host:port (e.g. 127.0.0.1:9420)", v.MetricsListen)
		} else if v.MetricsListen == v.Listen && mport != "0" {
			bad("serve.metrics_listen", "is serve.listen itself; give another port, or leave it empty to serve /metrics on the API's port")
		}
	}
	// A limit cannot be turned off here: it is what stands between a stolen token and a
	// customer's PIN.
	for _, r := range []struct {
		key   string
		rate  float64
		burst int
	}{
		{"serve.token_verify", v.TokenVerifyPerSecond, v.TokenVerifyBurst},
		{"serve.account_verify", v.AccountVerifyPerSecond, v.AccountVerifyBurst},
	} {
		if r.rate <= 0 || r.rate > 1000 {
			bad(r.key+"_per_second", "%v must lie within (0, 1000]", r.rate)
		}
		if r.burst < 1 || r.burst > 10000 {
			bad(r.key+"_burst", "%d must lie within 1..10000", r.burst)
		}
	}
	if v.TokenUnlocksPerHour < 1 || v.TokenUnlocksPerHour > 10000 {
		bad("serve.token_unlocks_per_hour", "%d must lie within 1..10000", v.TokenUnlocksPerHour)
	}
	switch {
	case v.AuditCheckpointEvery < 0:
		bad("serve.audit_checkpoint_every", "%v must not be negative (0: no checkpoints)", v.AuditCheckpointEvery)
	case v.AuditCheckpointEvery > 0 && v.AuditCheckpointFile == "" && !v.AuditCheckpointNotice:
		bad("serve.audit_checkpoint_every", "needs serve.audit_checkpoint_file, the file the checkpoints go to (or serve.audit_checkpoint_notice, to send them by webhook)")
	case v.AuditCheckpointEvery == 0 && v.AuditCheckpointFile != "":
		bad("serve.audit_checkpoint_file", "needs serve.audit_checkpoint_every, how often a checkpoint is appended")
	}
	return errs
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func isPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// RedactDatabase hides the password of a database URL before it reaches a message, a log or
// `pindesk config`; a file path is returned as it is.
func RedactDatabase(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	// An "@" the parser did not take as the end of the user info (a password holding "/" or "#")
	// means it cannot be trusted to find the password: then everything before the host is hidden.
	if u, err := url.Parse(s); err == nil && (u.User != nil || !strings.Contains(s, "@")) {
		return u.Redacted()
	}
	if i, j := strings.Index(s, "://"), strings.LastIndex(s, "@"); j > i {
		return s[:i+3] + "…" + s[j:]
	}
	return s
}

func checkServerURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Errorf("%q is not a URL", s)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%q must start with https:// (or http:// for a server on this machine)", s)
	case u.Host == "":
		return fmt.Errorf("%q names no host", s)
	case u.User != nil:
		return fmt.Errorf("%q must not carry credentials; put the token in the token file", u.Redacted())
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return fmt.Errorf("%q is plain HTTP to another machine; PINs would cross the network in clear (use https://)", s)
	}
	return nil
}

func checkName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return errors.New("is empty; set PINDESK_OPERATOR or --operator")
	case !utf8.ValidString(name):
		return errors.New("is not valid UTF-8")
	case utf8.RuneCountInString(name) > model.MaxIDLength:
		return fmt.Errorf("is longer than %d characters", model.MaxIDLength)
	}
	for _, r := range name {
		if unicode.IsControl(r) || model.IsControl(r) { // bidi controls too: the name is in the audit
			return errors.New("contains a control character")
		}
	}
	return nil
}

// Error is one unusable setting.
type Error struct {
	Key    string // e.g. "policy.length"
	Source string // the layer that set it, e.g. "env PINDESK_POLICY_LENGTH"; empty for a default
	File   string // the config file, when the setting came from it
	Line   int    // its line there
	Err    error
}

func (e *Error) Error() string {
	switch {
	case e.File != "" && e.Line > 0:
		return fmt.Sprintf("%s:%d: %s: %v", e.File, e.Line, e.Key, e.Err)
	case e.File != "":
		return fmt.Sprintf("%s: %s: %v", e.File, e.Key, e.Err)
	case e.Source == "" || e.Source == "default":
		return e.Key + ": " + e.Err.Error()
	}
	return e.Key + " (" + e.Source + "): " + e.Err.Error()
}

func (e *Error) Unwrap() []error { return []error{ErrInvalid, e.Err} }

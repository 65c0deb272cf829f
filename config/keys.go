package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// valueType is how a setting is written, in the file and as text.
type valueType int

const (
	typeString   valueType = iota
	typePath               // a file or folder: "~/" expands; relative to the config file's folder when read from it
	typeDatabase           // a path, or a postgres:// URL taken as is
	typeInt
	typeFloat
	typeBool
	typeDuration
)

func (t valueType) String() string {
	switch t {
	case typeInt:
		return "a whole number"
	case typeFloat:
		return "a number"
	case typeBool:
		return "true or false"
	case typeDuration:
		return `a duration such as "90s", "2m" or "48h"`
	case typePath, typeDatabase:
		return "a path"
	}
	return "text"
}

// setting is one key of the configuration, with how to set it from text and show it.
type setting struct {
	Key  string
	Help string
	typ  valueType
	set  func(s *Settings, v value)
	get  func(s Settings) string
	fl   *Flag // the command-line flag that sets it, if any
}

// onFlag gives the setting a command-line flag: on every command (command ""), or on one
// (command "serve"). Its usage line is its own: --help shows it beside the flag's name.
func (k setting) onFlag(command, name, usage string) setting {
	k.fl = &Flag{Command: command, Name: name, Key: k.Key, Usage: usage, Type: flagType(k.typ)}
	return k
}

// value is a setting's text parsed by its type.
type value struct {
	s string
	i int
	f float64
	b bool
	d time.Duration
}

// EnvName is the environment variable of a key: PINDESK_ and the key upper-cased, dots as
// underscores (policy.length → PINDESK_POLICY_LENGTH).
func EnvName(key string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

func parse(t valueType, text string) (value, error) {
	switch t {
	case typeInt:
		i, err := strconv.Atoi(strings.TrimSpace(text))
		if err != nil {
			return value{}, fmt.Errorf("%q is not %s", text, t)
		}
		return value{i: i}, nil
	case typeFloat:
		f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil {
			return value{}, fmt.Errorf("%q is not %s", text, t)
		}
		return value{f: f}, nil
	case typeBool:
		b, err := strconv.ParseBool(strings.TrimSpace(text))
		if err != nil {
			return value{}, fmt.Errorf("%q is not %s", text, t)
		}
		return value{b: b}, nil
	case typeDuration:
		d, err := time.ParseDuration(strings.TrimSpace(text))
		if err != nil {
			return value{}, fmt.Errorf("%q is not %s", text, t)
		}
		return value{d: d}, nil
	}
	return value{s: text}, nil
}

func str(key, help string, t valueType, p func(*Settings) *string) setting {
	return setting{Key: key, Help: help, typ: t,
		set: func(s *Settings, v value) { *p(s) = v.s },
		get: func(s Settings) string { return *p(&s) }}
}

func integer(key, help string, p func(*Settings) *int) setting {
	return setting{Key: key, Help: help, typ: typeInt,
		set: func(s *Settings, v value) { *p(s) = v.i },
		get: func(s Settings) string { return strconv.Itoa(*p(&s)) }}
}

func float(key, help string, p func(*Settings) *float64) setting {
	return setting{Key: key, Help: help, typ: typeFloat,
		set: func(s *Settings, v value) { *p(s) = v.f },
		get: func(s Settings) string { return strconv.FormatFloat(*p(&s), 'g', -1, 64) }}
}

func boolean(key, help string, p func(*Settings) *bool) setting {
	return setting{Key: key, Help: help, typ: typeBool,
		set: func(s *Settings, v value) { *p(s) = v.b },
		get: func(s Settings) string { return strconv.FormatBool(*p(&s)) }}
}

func duration(key, help string, p func(*Settings) *time.Duration) setting {
	return setting{Key: key, Help: help, typ: typeDuration,
		set: func(s *Settings, v value) { *p(s) = v.d },
		get: func(s Settings) string { return p(&s).String() }}
}

// settings is every key, in the order `pindesk config` shows them.
var settings = []setting{
	str("data_dir", "folder of the database, key file and config file", typePath, func(s *Settings) *string { return &s.DataDir }).onFlag("", "data-dir", "folder of the database, key file and config file"),
	str("database", "SQLite database file, or a postgres:// URL", typeDatabase, func(s *Settings) *string { return &s.Database }).onFlag("", "database", "SQLite database file, or a postgres:// URL"),
	str("key_file", "file of the key that seals PINs, kept apart from the database", typePath, func(s *Settings) *string { return &s.KeyFile }).onFlag("", "key-file", "file of the key that seals PINs (kept apart from the database)"),
	str("operator", "your name in the audit trail (embedded mode)", typeString, func(s *Settings) *string { return &s.Operator.Name }).onFlag("", "operator", "your name in the audit trail (default: your OS user name)"),
	str("role", "your role: agent, supervisor, trainer or admin (embedded mode)", typeString, func(s *Settings) *string { return (*string)(&s.Operator.Role) }).onFlag("", "role", "your role in the app: agent, supervisor, trainer or admin"),
	str("channel", "channel a call is recorded under by default: phone, chat or other", typeString, func(s *Settings) *string { return (*string)(&s.Channel) }),
	duration("idle_timeout", "idle time after which an open account is cleared from the screen", func(s *Settings) *time.Duration { return &s.IdleTimeout }),
	integer("policy.length", "digits in a generated PIN", func(s *Settings) *int { return &s.Policy.Length }),
	integer("policy.min_length", "shortest PIN accepted (defaults to policy.length)", func(s *Settings) *int { return &s.Policy.MinLength }),
	integer("policy.max_length", "longest PIN accepted (defaults to policy.length)", func(s *Settings) *int { return &s.Policy.MaxLength }),
	integer("policy.max_repeat", "most times one digit may repeat in a row", func(s *Settings) *int { return &s.Policy.MaxRepeat }),
	integer("policy.max_sequence_steps", "most +1/-1 steps in a row (3 allows 1234, refuses 12345)", func(s *Settings) *int { return &s.Policy.MaxSequenceSteps }),
	integer("policy.max_failures", "consecutive wrong PINs that lock a holder", func(s *Settings) *int { return &s.Policy.MaxFailures }),
	integer("policy.hard_lock_failures", "wrong PINs within policy.hard_lock_window that hard-lock a holder, across unlocks", func(s *Settings) *int { return &s.Policy.HardLockFailures }),
	duration("policy.hard_lock_window", "the rolling window policy.hard_lock_failures counts in", func(s *Settings) *time.Duration { return &s.Policy.HardLockWindow }),
	duration("policy.one_time_ttl", "lifetime of a one-time PIN", func(s *Settings) *time.Duration { return &s.Policy.OneTimeTTL }),
	duration("policy.temporary_ttl", "lifetime of a temporary PIN", func(s *Settings) *time.Duration { return &s.Policy.TemporaryTTL }),
	str("server", "URL of a pindesk server; when set the app runs in remote mode", typeString, func(s *Settings) *string { return &s.Server }).onFlag("", "server", "URL of a pindesk server; run against it instead of a database"),
	str("token_file", "file holding the API token for remote mode", typePath, func(s *Settings) *string { return &s.TokenFile }).onFlag("", "token-file", "file holding your API token for --server"),
	str("server_ca_file", "PEM certificates to trust for the server (a private CA); empty for the system's", typePath, func(s *Settings) *string { return &s.ServerCAFile }),
	str("serve.listen", "address `pindesk serve` listens on", typeString, func(s *Settings) *string { return &s.Serve.Listen }).onFlag("serve", "listen", "host:port to listen on (default "+DefaultListen+")"),
	str("serve.tls_cert", "PEM certificate for HTTPS", typePath, func(s *Settings) *string { return &s.Serve.TLSCert }).onFlag("serve", "tls-cert", "PEM certificate file for HTTPS (with --tls-key)"),
	str("serve.tls_key", "PEM private key for HTTPS", typePath, func(s *Settings) *string { return &s.Serve.TLSKey }).onFlag("serve", "tls-key", "PEM private key file for HTTPS (with --tls-cert)"),
	str("serve.metrics_listen", "host:port serving /metrics on its own (plain HTTP); empty: /metrics on the API's port", typeString, func(s *Settings) *string { return &s.Serve.MetricsListen }).onFlag("serve", "metrics-listen", "host:port serving /metrics on its own, in plain HTTP (then the API's port does not serve it)"),
	boolean("serve.allow_insecure", "allow plain HTTP on a non-loopback address (only behind a TLS proxy)", func(s *Settings) *bool { return &s.Serve.AllowInsecure }).onFlag("serve", "insecure-allow-plaintext", "allow plain HTTP on a non-loopback address (only behind a TLS proxy on this host)"),
	float("serve.token_verify_per_second", "verifications per second one API token may sustain", func(s *Settings) *float64 { return &s.Serve.TokenVerifyPerSecond }).onFlag("serve", "token-verify-per-second", "verifications per second one API token may sustain"),
	integer("serve.token_verify_burst", "verifications one API token may make at once", func(s *Settings) *int { return &s.Serve.TokenVerifyBurst }).onFlag("serve", "token-verify-burst", "verifications one API token may make at once"),
	float("serve.account_verify_per_second", "verifications per second one account may receive, from all tokens", func(s *Settings) *float64 { return &s.Serve.AccountVerifyPerSecond }).onFlag("serve", "account-verify-per-second", "verifications per second one account may receive from all tokens"),
	integer("serve.account_verify_burst", "verifications one account may receive at once", func(s *Settings) *int { return &s.Serve.AccountVerifyBurst }).onFlag("serve", "account-verify-burst", "verifications one account may receive at once"),
	duration("verify.idempotency_ttl", "how long a verification's Idempotency-Key answers a retry of it", func(s *Settings) *time.Duration { return &s.IdempotencyTTL }),
	str("search.default_region", "region (GB, US, IE…) of phone numbers written without a country code, in imports and searches", typeString, func(s *Settings) *string { return &s.SearchRegion }),
	integer("serve.token_unlocks_per_hour", "unlocks one supervisor or trainer API token may make in an hour", func(s *Settings) *int { return &s.Serve.TokenUnlocksPerHour }),
	boolean("call.ticket_required", "every verification, unlock and reset of a call needs a ticket or call reference", func(s *Settings) *bool { return &s.Policy.TicketRequired }),
	duration("verify.session_ttl", "how long a caller's successful verification stands for every desk (a verification session)", func(s *Settings) *time.Duration { return &s.SessionTTL }),
	duration("serve.audit_checkpoint_every", "how often `pindesk serve` appends an audit checkpoint to serve.audit_checkpoint_file; 0: never", func(s *Settings) *time.Duration { return &s.Serve.AuditCheckpointEvery }).onFlag("serve", "audit-checkpoint-every", "append an audit checkpoint to --audit-checkpoint-file this often (e.g. 1h)"),
	str("serve.audit_checkpoint_file", "the file `pindesk serve` appends audit checkpoints to (keep it off the database's machine); - for standard output", typePath, func(s *Settings) *string { return &s.Serve.AuditCheckpointFile }).onFlag("serve", "audit-checkpoint-file", "the file audit checkpoints are appended to (keep it off the database's machine; - for standard output)"),
	boolean("serve.audit_checkpoint_notice", "also write each scheduled audit checkpoint to the outbox as an audit.checkpoint event, which the webhooks deliver (serve.audit_checkpoint_file is then optional)", func(s *Settings) *bool { return &s.Serve.AuditCheckpointNotice }).onFlag("serve", "audit-checkpoint-notice", "also send each scheduled audit checkpoint as an audit.checkpoint webhook event"),
}

// sections are the nested objects of the file.
var sections = map[string]bool{"policy": true, "serve": true, "verify": true, "search": true, "call": true}

func lookup(key string) (setting, bool) {
	for _, s := range settings {
		if s.Key == key {
			return s, true
		}
	}
	return setting{}, false
}

// Keys lists every setting key, in display order.
func Keys() []string {
	out := make([]string, len(settings))
	for i, s := range settings {
		out[i] = s.Key
	}
	return out
}

// Entry is one resolved setting, for display.
type Entry struct {
	Key, Value, Origin, Help string
}

// Entries lists every setting with its value and the layer that set it. A database URL's password
// is redacted.
func (s Settings) Entries() []Entry {
	out := make([]Entry, 0, len(settings))
	for _, k := range settings {
		v := k.get(s)
		if k.Key == "database" {
			v = RedactDatabase(v)
		}
		origin := s.Origin[k.Key]
		if origin == "" {
			origin = "default"
		}
		out = append(out, Entry{Key: k.Key, Value: v, Origin: origin, Help: k.Help})
	}
	return out
}

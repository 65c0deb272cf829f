package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pindesk/pindesk/model"
)

// env is a fake environment.
type env map[string]string

func (e env) lookup(k string) (string, bool) { v, ok := e[k]; return v, ok }

// source is a Source over a fake home, user and environment, nothing from the real machine.
func source(t *testing.T, e env, flags map[string]string) Source {
	t.Helper()
	home := t.TempDir()
	return Source{
		Flags:     flags,
		LookupEnv: e.lookup,
		HomeDir:   func() (string, error) { return home, nil },
		UserName:  func() string { return "alice" },
		WorkDir:   "/work",
		GOOS:      "linux",
	}
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultsPutEverythingInTheUserDataFolder(t *testing.T) {
	src := source(t, env{}, nil)
	home, _ := src.HomeDir()
	s, err := Load(src)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(home, ".local", "share", "pindesk")
	want := map[string]string{
		"data_dir": dir, "database": filepath.Join(dir, "pindesk.db"), "key_file": filepath.Join(dir, "pindesk.key"),
		"token_file": filepath.Join(dir, "token"), "operator": "alice", "role": "agent", "channel": "phone",
		"idle_timeout": "2m0s", "serve.listen": "127.0.0.1:7420", "policy.length": "6", "policy.max_failures": "6",
		"policy.one_time_ttl": "24h0m0s", "policy.temporary_ttl": "48h0m0s", "verify.idempotency_ttl": "10m0s",
		"search.default_region": "GB",
	}
	got := map[string]Entry{}
	for _, e := range s.Entries() {
		got[e.Key] = e
	}
	for k, v := range want {
		if got[k].Value != v || got[k].Origin != "default" {
			t.Errorf("%s = %q from %q, want %q from default", k, got[k].Value, got[k].Origin, v)
		}
	}
	if s.Policy != model.DefaultPolicy() {
		t.Errorf("policy = %+v, want the model's default", s.Policy)
	}
	if s.Remote() || s.UsesPostgres() {
		t.Error("defaults must be embedded SQLite")
	}
}

func TestTheDataFolderFollowsThePlatform(t *testing.T) {
	tests := []struct {
		name string
		env  env
		goos string
		want string // relative to home, or absolute
	}{
		{"XDG_DATA_HOME wins on Linux", env{"XDG_DATA_HOME": "/xdg"}, "linux", "/xdg/pindesk"},
		{"a relative XDG_DATA_HOME is ignored, as the spec says", env{"XDG_DATA_HOME": "rel"}, "linux", ".local/share/pindesk"},
		{"Linux without XDG uses ~/.local/share", env{}, "linux", ".local/share/pindesk"},
		{"macOS uses Application Support", env{}, "darwin", "Library/Application Support/pindesk"},
		{"Windows uses LocalAppData", env{"LocalAppData": `/c/Users/a/AppData/Local`}, "windows", "/c/Users/a/AppData/Local/pindesk"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := source(t, tt.env, nil)
			src.GOOS = tt.goos
			home, _ := src.HomeDir()
			want := tt.want
			if !filepath.IsAbs(want) {
				want = filepath.Join(home, want)
			}
			if got := Defaults(src).DataDir; got != want {
				t.Errorf("data dir = %q, want %q", got, want)
			}
		})
	}
}

func TestEachLayerOverridesTheOneBefore(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "config.json", `{
  "operator": "from-file",
  "role": "supervisor",
  "channel": "chat",
  "idle_timeout": "5m",
  "policy": {"max_failures": 5}
}`)
	e := env{"PINDESK_CONFIG": file, "PINDESK_ROLE": "trainer", "PINDESK_IDLE_TIMEOUT": "3m"}
	s, err := Load(source(t, e, map[string]string{"role": "admin"}))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		what       string
		got, want  any
		origin     string
		wantOrigin string
	}{
		{"the file overrides the default operator", s.Operator.Name, "from-file", s.Origin["operator"], "file " + file + ":2"},
		{"the file overrides the default channel", s.Channel, model.ChannelChat, s.Origin["channel"], "file " + file + ":4"},
		{"the environment overrides the file", s.IdleTimeout, 3 * time.Minute, s.Origin["idle_timeout"], "env PINDESK_IDLE_TIMEOUT"},
		{"a flag overrides the environment and the file", s.Operator.Role, model.OpAdmin, s.Origin["role"], "flag --role"},
		{"a nested file key sets the policy", s.Policy.MaxFailures, 5, s.Origin["policy.max_failures"], "file " + file + ":6"},
	}
	for _, tt := range tests {
		if tt.got != tt.want || tt.origin != tt.wantOrigin {
			t.Errorf("%s: got %v from %q, want %v from %q", tt.what, tt.got, tt.origin, tt.want, tt.wantOrigin)
		}
	}
	if s.ConfigFile != file {
		t.Errorf("config file = %q, want %q", s.ConfigFile, file)
	}
}

func TestTheConfigFileIsFoundInTheDataFolderTheFlagsName(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "config.json", `{"operator": "bob"}`)
	s, err := Load(source(t, env{}, map[string]string{"data_dir": dir}))
	if err != nil {
		t.Fatal(err)
	}
	if s.Operator.Name != "bob" {
		t.Errorf("operator = %q: the config file in --data-dir was not read", s.Operator.Name)
	}
	if s.Database != filepath.Join(dir, "pindesk.db") || s.KeyFile != filepath.Join(dir, "pindesk.key") {
		t.Errorf("database %q and key %q must follow --data-dir", s.Database, s.KeyFile)
	}
}

func TestAMissingDefaultConfigFileIsFineButANamedOneIsNot(t *testing.T) {
	if _, err := Load(source(t, env{}, map[string]string{"data_dir": t.TempDir()})); err != nil {
		t.Errorf("no config.json in the data folder: %v", err)
	}
	src := source(t, env{}, nil)
	src.ConfigFile = filepath.Join(t.TempDir(), "nope.json")
	_, err := Load(src)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "nope.json") {
		t.Errorf("named missing file: err = %v, want ErrInvalid naming the file", err)
	}
}

func TestRelativePathsInTheFileAreRelativeToIt(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, filepath.Join(dir, "etc"), "pindesk.json", `{"database": "../var/desk.db", "key_file": "keys/desk.key", "serve": {"tls_cert": "/abs/cert.pem", "tls_key": "tls.key"}}`)
	src := source(t, env{"PINDESK_TOKEN_FILE": "tok"}, nil)
	src.ConfigFile = file
	s, err := Load(src)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"database":       filepath.Join(dir, "var", "desk.db"),
		"key_file":       filepath.Join(dir, "etc", "keys", "desk.key"),
		"serve.tls_cert": "/abs/cert.pem",
		"serve.tls_key":  filepath.Join(dir, "etc", "tls.key"),
		"token_file":     "/work/tok", // from the environment: relative to the working folder
	}
	for _, e := range s.Entries() {
		if w, ok := want[e.Key]; ok && e.Value != w {
			t.Errorf("%s = %q, want %q", e.Key, e.Value, w)
		}
	}
}

func TestATildeMeansTheHomeFolder(t *testing.T) {
	src := source(t, env{"PINDESK_KEY_FILE": "~/secrets/pindesk.key"}, nil)
	home, _ := src.HomeDir()
	s, err := Load(src)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(home, "secrets", "pindesk.key"); s.KeyFile != want {
		t.Errorf("key file = %q, want %q", s.KeyFile, want)
	}
}

func TestAPostgresURLIsTakenAsIs(t *testing.T) {
	s, err := Load(source(t, env{"PINDESK_DATABASE": "postgres://desk:secret@db.internal/pindesk?sslmode=require"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if !s.UsesPostgres() || s.Database != "postgres://desk:secret@db.internal/pindesk?sslmode=require" {
		t.Errorf("database = %q", s.Database)
	}
	for _, e := range s.Entries() {
		if strings.Contains(e.Value, "secret") {
			t.Errorf("%s shows the database password: %q", e.Key, e.Value)
		}
	}
}

func TestSettingOnlyTheLengthSetsTheAcceptedLengthsToo(t *testing.T) {
	s, err := Load(source(t, env{"PINDESK_POLICY_LENGTH": "8"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if s.Policy.Length != 8 || s.Policy.MinLength != 8 || s.Policy.MaxLength != 8 {
		t.Errorf("policy = %+v, want 8 digits accepted and generated", s.Policy)
	}
	s, err = Load(source(t, env{"PINDESK_POLICY_LENGTH": "8", "PINDESK_POLICY_MIN_LENGTH": "4"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if s.Policy.MinLength != 4 || s.Policy.MaxLength != 8 {
		t.Errorf("policy = %+v, want 4..8 accepted", s.Policy)
	}
}

func TestAnEmptyEnvironmentVariableCountsAsUnset(t *testing.T) {
	s, err := Load(source(t, env{"PINDESK_ROLE": ""}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if s.Operator.Role != model.OpAgent {
		t.Errorf("role = %q, want the default agent", s.Operator.Role)
	}
}

func TestJSONCommentKeysAndNullsAreIgnored(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "config.json", `{"_comment": "desk 3", "//": {"nested": [1,2]}, "operator": null, "role": "supervisor"}`)
	s, err := Load(source(t, env{}, map[string]string{"data_dir": dir}))
	if err != nil {
		t.Fatal(err)
	}
	if s.Operator.Name != "alice" || s.Operator.Role != model.OpSupervisor {
		t.Errorf("operator = %+v", s.Operator)
	}
}

func TestBadSettingsAreRefusedNamingKeyAndLayer(t *testing.T) {
	tests := []struct {
		name  string
		file  string // config.json in the data folder, when not empty
		env   env
		flags map[string]string
		want  []string // every one must appear in the error
	}{
		{"an unknown role", "", env{"PINDESK_ROLE": "boss"}, nil,
			[]string{`role (env PINDESK_ROLE): "boss" (want agent, supervisor, trainer or admin)`}},
		{"the portal role, which belongs to the portal's token", "", nil, map[string]string{"role": "portal"},
			[]string{"role (flag --role): portal is the customers' portal's role"}},
		{"a channel a desk does not take calls on", "", env{"PINDESK_CHANNEL": "fax"}, nil,
			[]string{`channel (env PINDESK_CHANNEL): "fax"`}},
		{"a duration without a unit", "", env{"PINDESK_IDLE_TIMEOUT": "120"}, nil,
			[]string{`idle_timeout (env PINDESK_IDLE_TIMEOUT): "120" is not a duration`}},
		{"an idle timeout too short to read an account", "", env{"PINDESK_IDLE_TIMEOUT": "1s"}, nil,
			[]string{"idle_timeout (env PINDESK_IDLE_TIMEOUT): 1s must lie within 10s..8h0m0s"}},
		{"an idempotency key that would answer for days", "", env{"PINDESK_VERIFY_IDEMPOTENCY_TTL": "72h"}, nil,
			[]string{"verify.idempotency_ttl (env PINDESK_VERIFY_IDEMPOTENCY_TTL): 72h0m0s must lie within 1s..24h0m0s"}},
		{"a policy the model refuses", "", env{"PINDESK_POLICY_LENGTH": "3"}, nil,
			[]string{"policy: PIN lengths 3..3 must lie within 4..12"}},
		{"zero failures before lock", "", env{"PINDESK_POLICY_MAX_FAILURES": "0"}, nil,
			[]string{"policy: max failures must be 1..100"}},
		{"a word where a number goes", "", env{"PINDESK_POLICY_MAX_REPEAT": "three"}, nil,
			[]string{`policy.max_repeat (env PINDESK_POLICY_MAX_REPEAT): "three" is not a whole number`}},
		{"a key file that is the database", "", nil, map[string]string{"database": "/d/x.db", "key_file": "/d/x.db"},
			[]string{"key_file (flag --key-file): is the database file itself"}},
		{"a database URL of another kind", "", env{"PINDESK_DATABASE": "mysql://u:pw@h/db"}, nil,
			[]string{"database (env PINDESK_DATABASE): ", "neither a file path nor a postgres:// URL"}},
		{"a server over plain HTTP to another machine", "", env{"PINDESK_SERVER": "http://desk.example.com"}, nil,
			[]string{"server (env PINDESK_SERVER): ", "plain HTTP to another machine"}},
		{"a server URL with a password in it", "", env{"PINDESK_SERVER": "https://u:pw@desk.example.com"}, nil,
			[]string{"must not carry credentials"}},
		{"a listen address open to the network without TLS", "", env{"PINDESK_SERVE_LISTEN": "0.0.0.0:7420"}, nil,
			[]string{"serve.listen (env PINDESK_SERVE_LISTEN): 0.0.0.0:7420 is reachable from other machines without TLS"}},
		{"a TLS certificate without its key", "", env{"PINDESK_SERVE_TLS_CERT": "/c.pem"}, nil,
			[]string{"TLS needs both serve.tls_cert and serve.tls_key"}},
		{"a verification rate limit turned off", "", env{"PINDESK_SERVE_ACCOUNT_VERIFY_PER_SECOND": "0"}, nil,
			[]string{"serve.account_verify_per_second (env PINDESK_SERVE_ACCOUNT_VERIFY_PER_SECOND): 0 must lie within (0, 1000]"}},
		{"a listen address without a port", "", env{"PINDESK_SERVE_LISTEN": "localhost"}, nil,
			[]string{`serve.listen (env PINDESK_SERVE_LISTEN): "localhost" is not host:port`}},
		{"a metrics address without a port", "", env{"PINDESK_SERVE_METRICS_LISTEN": "localhost"}, nil,
			[]string{`serve.metrics_listen (env PINDESK_SERVE_METRICS_LISTEN): "localhost" is not host:port`}},
		{"a metrics address that is the API's", "", env{"PINDESK_SERVE_METRICS_LISTEN": "127.0.0.1:7420"}, nil,
			[]string{`serve.metrics_listen (env PINDESK_SERVE_METRICS_LISTEN): is serve.listen itself`}},
		{"an audit checkpoint schedule without its file", "", env{"PINDESK_SERVE_AUDIT_CHECKPOINT_EVERY": "1h"}, nil,
			[]string{"serve.audit_checkpoint_every (env PINDESK_SERVE_AUDIT_CHECKPOINT_EVERY): needs serve.audit_checkpoint_file"}},
		{"an audit checkpoint file without its schedule", "", nil, map[string]string{"serve.audit_checkpoint_file": "/srv/cp.jsonl"},
			[]string{"serve.audit_checkpoint_file (flag --audit-checkpoint-file): needs serve.audit_checkpoint_every"}},
		{"a negative audit checkpoint schedule", "", env{"PINDESK_SERVE_AUDIT_CHECKPOINT_EVERY": "-1h", "PINDESK_SERVE_AUDIT_CHECKPOINT_FILE": "/srv/cp.jsonl"}, nil,
			[]string{"serve.audit_checkpoint_every (env PINDESK_SERVE_AUDIT_CHECKPOINT_EVERY): -1h0m0s must not be negative"}},
		{"a misspelt key in the file, with its line", "{\n  \"idle_timout\": \"5m\"\n}", nil, nil,
			[]string{"config.json:2: idle_timout: is not a setting"}},
		{"a number written as text in the file", "{\"policy\": {\n\"length\": \"8\"}}", nil, nil,
			[]string{`config.json:2: policy.length: is a JSON string; want a whole number`}},
		{"a file that is not JSON, with the line of the fault", "{\n\"role\": \"agent\",\n\"channel\" \"chat\"\n}", nil, nil,
			[]string{"config.json:3: config: not valid JSON"}},
		{"a file cut short", "{\"role\": \"agent\"", nil, nil,
			[]string{"config.json:1: config: not valid JSON"}},
		{"a key given twice in the file", "{\"role\": \"agent\",\n\"role\": \"admin\"}", nil, nil,
			[]string{"config.json:2: role: appears twice"}},
		{"a file that is a list", `["role"]`, nil, nil,
			[]string{"a config file is one JSON object"}},
		{"an unknown section in the file", `{"polcy": {"length": 8}}`, nil, nil,
			[]string{"polcy: is not a section"}},
		{"several faults at once, all reported", "", env{"PINDESK_ROLE": "boss", "PINDESK_CHANNEL": "fax", "PINDESK_POLICY_MAX_FAILURES": "0"}, nil,
			[]string{"role (env PINDESK_ROLE)", "channel (env PINDESK_CHANNEL)", "policy: max failures"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.file != "" {
				writeFile(t, dir, "config.json", tt.file)
			}
			flags := map[string]string{"data_dir": dir}
			for k, v := range tt.flags {
				flags[k] = v
			}
			_, err := Load(source(t, tt.env, flags))
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "pw@") {
				t.Errorf("error %q shows a password", err)
			}
		})
	}
}

func TestInsecureListeningIsAllowedWhenAskedForOrOnLoopback(t *testing.T) {
	tests := []struct {
		name string
		env  env
	}{
		{"loopback without TLS", env{"PINDESK_SERVE_LISTEN": "[::1]:9000"}},
		{"localhost without TLS", env{"PINDESK_SERVE_LISTEN": "localhost:9000"}},
		{"any address with TLS", env{"PINDESK_SERVE_LISTEN": ":443", "PINDESK_SERVE_TLS_CERT": "/c", "PINDESK_SERVE_TLS_KEY": "/k"}},
		{"any address behind a TLS proxy", env{"PINDESK_SERVE_LISTEN": ":8080", "PINDESK_SERVE_ALLOW_INSECURE": "true"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Load(source(t, tt.env, nil)); err != nil {
				t.Errorf("refused: %v", err)
			}
		})
	}
}

func TestAnUnknownFlagKeyIsAProgrammingErrorReportedClearly(t *testing.T) {
	_, err := Load(source(t, env{}, map[string]string{"colour": "blue"}))
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "colour: is not a setting") {
		t.Errorf("err = %v", err)
	}
}

func TestEveryKeyHasAnEnvironmentVariable(t *testing.T) {
	for _, k := range Keys() {
		name := EnvName(k)
		if !strings.HasPrefix(name, "PINDESK_") || strings.ContainsAny(name, ".- ") {
			t.Errorf("%s → %s", k, name)
		}
	}
	if EnvName("policy.one_time_ttl") != "PINDESK_POLICY_ONE_TIME_TTL" {
		t.Error(EnvName("policy.one_time_ttl"))
	}
}

func TestEveryKeyCanBeSetFromTheEnvironment(t *testing.T) {
	// A value for each key that differs from its default and is valid with the others.
	values := map[string]string{
		"data_dir": "/srv/pindesk", "database": "/srv/db/p.db", "key_file": "/srv/keys/p.key",
		"operator": "carol", "role": "supervisor", "channel": "chat", "idle_timeout": "90s",
		"policy.length": "8", "policy.min_length": "5", "policy.max_length": "10", "policy.max_repeat": "2",
		"policy.max_sequence_steps": "2", "policy.max_failures": "4", "policy.one_time_ttl": "12h",
		"policy.temporary_ttl": "72h", "server": "https://desk.example.com", "token_file": "/srv/tok", "server_ca_file": "/srv/ca.pem",
		"serve.listen": "127.0.0.1:9999", "serve.tls_cert": "/c.pem", "serve.tls_key": "/k.pem", "serve.metrics_listen": "127.0.0.1:9420",
		"serve.allow_insecure": "true", "serve.token_verify_per_second": "2.5", "serve.token_verify_burst": "7",
		"serve.account_verify_per_second": "0.5", "serve.account_verify_burst": "3", "verify.idempotency_ttl": "2m",
		"policy.hard_lock_failures": "12", "policy.hard_lock_window": "12h0m0s", "serve.token_unlocks_per_hour": "4",
		"search.default_region": "IE",
		"call.ticket_required":  "true", "verify.session_ttl": "15m0s",
		"serve.audit_checkpoint_every": "1h0m0s", "serve.audit_checkpoint_file": "/srv/audit/checkpoints.jsonl",
		"notify.webhook_urls": "https://hooks.example/pindesk", "notify.webhook_secret_file": "/srv/keys/hook.secret",
		"notify.timeout": "5s", "notify.lease": "1m0s", "notify.retry_for": "12h0m0s", "notify.smtp_host": "smtp.example",
		"notify.smtp_port": "465", "notify.smtp_tls": "tls", "notify.smtp_username": "desk", "notify.smtp_password_file": "/srv/keys/smtp", "notify.smtp_ca_file": "/srv/keys/smtp-ca.pem",
		"notify.email_from": "desk@example.com", "notify.email_events": "holder.locked,pin.set",
		"notify.report_url": "https://portal.example/report", "notify.desk_name": "Example Support", "notify.dispute_revokes": "all",
		"code.ttl": "5m0s", "code.per_contact_hour": "2", "code.per_token_hour": "40",
		"approval.reset": "off", "approval.unlock": "required", "approval.repeat_unlock": "off", "approval.ttl": "30m0s",
		"anomaly.failures": "20", "anomaly.accounts": "8", "anomaly.window": "30m0s", "anomaly.slow_interval": "1m0s",
		"serve.audit_checkpoint_notice": "true",
	}
	e := env{}
	for k, v := range values {
		e[EnvName(k)] = v
	}
	s, err := Load(source(t, e, nil))
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, entry := range s.Entries() {
		want, ok := values[entry.Key]
		if !ok {
			t.Errorf("key %s has no test value", entry.Key)
			continue
		}
		seen++
		if d, err := time.ParseDuration(want); err == nil && strings.HasSuffix(entry.Key, "ttl") || entry.Key == "idle_timeout" {
			want = d.String()
		}
		if entry.Value != want || entry.Origin != "env "+EnvName(entry.Key) {
			t.Errorf("%s = %q from %q, want %q from the environment", entry.Key, entry.Value, entry.Origin, want)
		}
	}
	if seen != len(values) {
		t.Errorf("%d keys shown, %d set", seen, len(values))
	}
}

func TestASearchRegionPhoneNumbersCannotBeReadInIsRefused(t *testing.T) {
	for _, region := range []string{"UK", "gb", "Britain"} {
		_, err := Load(source(t, env{EnvName("search.default_region"): region}, nil))
		if err == nil || !strings.Contains(err.Error(), "search.default_region") {
			t.Errorf("region %q: error %v, want one naming search.default_region", region, err)
		}
	}
}

func TestRedactDatabaseHidesAPasswordAndLeavesAPathAlone(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"/home/ada@corp/pindesk.db", "/home/ada@corp/pindesk.db"},
		{"postgres://desk:secret@db.internal/pindesk?sslmode=require", "postgres://desk:xxxxx@db.internal/pindesk?sslmode=require"},
		{"postgres://db.internal/pindesk", "postgres://db.internal/pindesk"},
		{"postgres://desk:se/cret@db.internal/pindesk", "postgres://…@db.internal/pindesk"}, // a "/" in the password
		{"postgres://desk:se#cret@db.internal/pindesk", "postgres://…@db.internal/pindesk"},
	} {
		if got := RedactDatabase(c.in); got != c.want {
			t.Errorf("RedactDatabase(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

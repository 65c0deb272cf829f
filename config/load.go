package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store/searchterm"
)

// Source is where Load finds the layers above the defaults. The zero value reads nothing but the
// default config file; FromOS fills in the process's environment.
type Source struct {
	// ConfigFile is the file named by --config; empty for PINDESK_CONFIG or the default.
	ConfigFile string
	// Flags are the command-line values the user set, by setting key ("data_dir", "role").
	Flags map[string]string
	// LookupEnv reads an environment variable (os.LookupEnv); nil reads none.
	LookupEnv func(string) (string, bool)
	// HomeDir is the user's home folder (os.UserHomeDir); nil for none.
	HomeDir func() (string, error)
	// UserName is the OS user's login name, the default operator name; nil for none.
	UserName func() string
	// WorkDir is the folder relative flag and environment paths are taken from; empty for the
	// process's working folder.
	WorkDir string
	// GOOS selects the platform's data folder; empty for runtime.GOOS.
	GOOS string
}

// FromOS returns a Source reading the process's environment, home folder and user, with the
// given --config file and flags.
func FromOS(configFile string, flags map[string]string) Source {
	return Source{ConfigFile: configFile, Flags: flags, LookupEnv: os.LookupEnv, HomeDir: os.UserHomeDir, UserName: osUserName}
}

func osUserName() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		name := u.Username
		if i := strings.LastIndex(name, `\`); i >= 0 { // Windows: DOMAIN\user
			name = name[i+1:]
		}
		return name
	}
	for _, v := range []string{"USER", "LOGNAME", "USERNAME"} {
		if name := os.Getenv(v); name != "" {
			return name
		}
	}
	return ""
}

// Load resolves the settings from the defaults, the config file, the environment and the flags,
// and validates them. Every error wraps ErrInvalid and names the key and the layer at fault; all
// unusable settings are reported at once.
func Load(src Source) (Settings, error) {
	l := loader{src: src, s: Defaults(src), explicit: map[string]bool{}}
	l.s.Origin = map[string]string{}

	// The config file is looked for in the data folder, which only the environment and flags
	// can move before the file is read.
	dataDir := l.s.DataDir
	if v, ok := l.env("data_dir"); ok {
		dataDir = l.absPath(v, "")
	}
	if v, ok := src.Flags["data_dir"]; ok {
		dataDir = l.absPath(v, "")
	}
	path, required := src.ConfigFile, true
	if path == "" {
		if v, ok := l.lookupEnv(EnvPrefix + "CONFIG"); ok && v != "" {
			path = v
		} else if dataDir != "" {
			path, required = filepath.Join(dataDir, ConfigFileName), false
		}
	}
	if path != "" {
		if err := l.file(l.absPath(path, ""), required); err != nil {
			return Settings{}, err
		}
	}
	for _, k := range settings {
		if v, ok := l.env(k.Key); ok {
			l.apply(k, v, "env "+EnvName(k.Key), "", 0)
		}
	}
	flagKeys := make([]string, 0, len(src.Flags))
	for k := range src.Flags {
		flagKeys = append(flagKeys, k)
	}
	sort.Strings(flagKeys)
	for _, key := range flagKeys {
		k, ok := lookup(key)
		if !ok {
			l.errs = append(l.errs, &Error{Key: key, Err: errors.New("is not a setting")})
			continue
		}
		origin := flagOrigin(key)
		if origin == "" {
			origin = "flag --" + strings.ReplaceAll(key, "_", "-")
		}
		l.apply(k, src.Flags[key], origin, "", 0)
	}
	if len(l.errs) > 0 {
		return Settings{}, errors.Join(l.errs...)
	}
	l.derive()
	if err := l.s.Validate(); err != nil {
		return Settings{}, err
	}
	return l.s, nil
}

// Defaults returns the built-in settings, with the paths that follow the data folder filled in.
func Defaults(src Source) Settings {
	s := Settings{
		DataDir:        defaultDataDir(src),
		Operator:       model.Operator{Role: model.OpAgent},
		Channel:        model.ChannelPhone,
		IdleTimeout:    DefaultIdleTimeout,
		Policy:         model.DefaultPolicy(),
		IdempotencyTTL: DefaultIdempotencyTTL,
		SessionTTL:     DefaultSessionTTL,
		SearchRegion:   searchterm.DefaultRegion,
		Serve: Serve{Listen: DefaultListen,
			TokenVerifyPerSecond: DefaultTokenVerifyPerSecond, TokenVerifyBurst: DefaultTokenVerifyBurst,
			AccountVerifyPerSecond: DefaultAccountVerifyPerSecond, AccountVerifyBurst: DefaultAccountVerifyBurst,
			TokenUnlocksPerHour: DefaultTokenUnlocksPerHour},
		Notify:   defaultNotify(),
		Codes:    defaultCodes(),
		Approval: defaultApproval(),
		Anomaly:  model.DefaultAnomalyPolicy(),
	}
	if src.UserName != nil {
		s.Operator.Name = src.UserName()
	}
	return s
}

// defaultDataDir is $XDG_DATA_HOME/pindesk, else the platform's per-user data folder.
func defaultDataDir(src Source) string {
	lookup := func(k string) string {
		if src.LookupEnv == nil {
			return ""
		}
		v, _ := src.LookupEnv(k)
		return v
	}
	if x := lookup("XDG_DATA_HOME"); filepath.IsAbs(x) {
		return filepath.Join(x, "pindesk")
	}
	goos := src.GOOS
	if goos == "" {
		goos = runtime.GOOS
	}
	if goos == "windows" {
		if x := lookup("LocalAppData"); x != "" {
			return filepath.Join(x, "pindesk")
		}
	}
	if src.HomeDir == nil {
		return ""
	}
	home, err := src.HomeDir()
	if err != nil || home == "" {
		return ""
	}
	if goos == "darwin" {
		return filepath.Join(home, "Library", "Application Support", "pindesk")
	}
	return filepath.Join(home, ".local", "share", "pindesk")
}

type loader struct {
	src      Source
	s        Settings
	explicit map[string]bool
	errs     []error
}

func (l *loader) lookupEnv(name string) (string, bool) {
	if l.src.LookupEnv == nil {
		return "", false
	}
	return l.src.LookupEnv(name)
}

// env reads a key's variable; an empty variable counts as unset, as shells make it easy to leave
// one set to nothing.
func (l *loader) env(key string) (string, bool) {
	v, ok := l.lookupEnv(EnvName(key))
	return v, ok && v != ""
}

// apply sets one key from text. origin names the layer; file and line locate it in the config file.
func (l *loader) apply(k setting, text, origin, file string, line int) {
	v, err := parse(k.typ, text)
	if err != nil {
		l.errs = append(l.errs, &Error{Key: k.Key, Source: origin, File: file, Line: line, Err: err})
		return
	}
	switch k.typ {
	case typePath:
		v.s = l.absPath(v.s, dirOf(file))
	case typeDatabase:
		if !strings.Contains(v.s, "://") {
			v.s = l.absPath(v.s, dirOf(file))
		}
	}
	k.set(&l.s, v)
	l.explicit[k.Key] = true
	if file != "" {
		origin = fmt.Sprintf("file %s:%d", file, line)
	}
	l.s.Origin[k.Key] = origin
}

func dirOf(file string) string {
	if file == "" {
		return ""
	}
	return filepath.Dir(file)
}

// absPath expands a leading ~ and makes a relative path absolute: relative to base (the config
// file's folder) when given, else to the working folder.
func (l *loader) absPath(p, base string) string {
	if p == "" || p == "-" { // "-" is standard output where a setting takes it (serve.audit_checkpoint_file)
		return p
	}
	if p == "~" || strings.HasPrefix(p, "~/") || strings.HasPrefix(p, `~\`) {
		if l.src.HomeDir != nil {
			if home, err := l.src.HomeDir(); err == nil && home != "" {
				p = filepath.Join(home, p[1:])
			}
		}
	}
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	if base == "" {
		base = l.src.WorkDir
	}
	if base == "" {
		if abs, err := filepath.Abs(p); err == nil {
			return abs
		}
		return p
	}
	return filepath.Join(base, p)
}

// derive fills in what follows other settings: paths beside the data folder, and PIN length
// bounds that follow the generated length unless set themselves.
func (l *loader) derive() {
	s := &l.s
	inDataDir := func(key string, p *string, name string) {
		if *p == "" && s.DataDir != "" {
			*p = filepath.Join(s.DataDir, name)
			if l.explicit["data_dir"] {
				s.Origin[key] = "default, in data_dir"
			}
		}
	}
	inDataDir("database", &s.Database, DatabaseFileName)
	inDataDir("key_file", &s.KeyFile, KeyFileName)
	inDataDir("token_file", &s.TokenFile, TokenFileName)
	// "policy.length": 8 alone means PINs of 8 digits, not a contradiction with the default 6..6.
	if l.explicit["policy.length"] {
		if !l.explicit["policy.min_length"] {
			s.Policy.MinLength = min(s.Policy.Length, s.Policy.MinLength)
		}
		if !l.explicit["policy.max_length"] {
			s.Policy.MaxLength = max(s.Policy.Length, s.Policy.MaxLength)
		}
		if !l.explicit["policy.min_length"] && !l.explicit["policy.max_length"] {
			s.Policy.MinLength, s.Policy.MaxLength = s.Policy.Length, s.Policy.Length
		}
	}
}

// file reads the JSON config file; a missing file is an error only when it was named.
func (l *loader) file(path string, required bool) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !required {
		return nil
	}
	if err != nil {
		return &Error{Key: "config", Source: "--config or " + EnvPrefix + "CONFIG", Err: fmt.Errorf("cannot read %s: %w", path, unwrapPathError(err))}
	}
	l.s.ConfigFile = path
	entries, err := flatten(data)
	if err != nil {
		var pe *parseError
		if errors.As(err, &pe) {
			return &Error{Key: pe.key, File: path, Line: pe.line, Err: errors.New(pe.msg)}
		}
		return &Error{Key: "config", File: path, Err: err}
	}
	for _, e := range entries {
		k, ok := lookup(e.key)
		if !ok {
			l.errs = append(l.errs, &Error{Key: e.key, File: path, Line: e.line, Err: fmt.Errorf("is not a setting (known: %s)", strings.Join(Keys(), ", "))})
			continue
		}
		if err := jsonTypeFits(k.typ, e.jsonType); err != nil {
			l.errs = append(l.errs, &Error{Key: e.key, File: path, Line: e.line, Err: err})
			continue
		}
		l.apply(k, e.text, "file", path, e.line)
	}
	return nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func jsonTypeFits(t valueType, jt string) error {
	want := "string"
	switch t {
	case typeInt, typeFloat:
		want = "number"
	case typeBool:
		want = "bool"
	}
	if jt != want {
		return fmt.Errorf("is a JSON %s; want %s", jt, t)
	}
	return nil
}

// fileEntry is one leaf of the config file.
type fileEntry struct {
	key      string // dotted: "policy.length"
	text     string
	jsonType string // string, number, bool
	line     int
}

type parseError struct {
	key  string
	line int
	msg  string
}

func (e *parseError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// flatten walks the JSON object token by token, so each key is reported with its line. Keys that
// start with "_" or "//" are comments and are skipped, as JSON has none of its own.
func flatten(data []byte) ([]fileEntry, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	line := func() int { return 1 + bytes.Count(data[:min(int(dec.InputOffset()), len(data))], []byte("\n")) }
	fail := func(key string, err error) error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return &parseError{key: "config", line: 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n")), msg: "not valid JSON: " + se.Error()}
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return &parseError{key: "config", line: line(), msg: "not valid JSON: the file ends too soon"}
		}
		return &parseError{key: key, line: line(), msg: err.Error()}
	}
	tok, err := dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil // an empty file sets nothing
		}
		return nil, fail("config", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, &parseError{key: "config", line: line(), msg: "a config file is one JSON object: { \"key\": value, … }"}
	}
	var out []fileEntry
	seen := map[string]bool{}
	var object func(prefix string) error
	object = func(prefix string) error {
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return fail(prefix, err)
			}
			name, _ := tok.(string)
			key := prefix + name
			at := line()
			tok, err = dec.Token()
			if err != nil {
				return fail(key, err)
			}
			if strings.HasPrefix(name, "_") || strings.HasPrefix(name, "//") {
				if err := skip(dec, tok); err != nil {
					return fail(key, err)
				}
				continue
			}
			if seen[key] {
				return &parseError{key: key, line: at, msg: "appears twice"}
			}
			seen[key] = true
			switch v := tok.(type) {
			case json.Delim:
				if v == '{' && prefix == "" && sections[name] {
					if err := object(key + "."); err != nil {
						return err
					}
					continue
				}
				if v == '{' && prefix == "" {
					return &parseError{key: key, line: at, msg: "is not a section (sections: policy, serve, verify)"}
				}
				return &parseError{key: key, line: at, msg: "must be a single value, not a list or object"}
			case string:
				out = append(out, fileEntry{key: key, text: v, jsonType: "string", line: at})
			case json.Number:
				out = append(out, fileEntry{key: key, text: v.String(), jsonType: "number", line: at})
			case bool:
				out = append(out, fileEntry{key: key, text: fmt.Sprint(v), jsonType: "bool", line: at})
			case nil: // null: leave the default
			}
		}
		if _, err := dec.Token(); err != nil { // the closing brace
			return fail(prefix, err)
		}
		return nil
	}
	if err := object(""); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &parseError{key: "config", line: line(), msg: "text after the closing brace"}
	}
	return out, nil
}

// skip consumes the rest of a value whose first token was tok.
func skip(dec *json.Decoder, tok json.Token) error {
	d, ok := tok.(json.Delim)
	if !ok || (d != '{' && d != '[') {
		return nil
	}
	for depth := 1; depth > 0; {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := t.(json.Delim); ok {
			switch d {
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
		}
	}
	return nil
}

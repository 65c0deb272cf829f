package cli

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pindesk/pindesk/client"
	"github.com/pindesk/pindesk/config"
	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/internal/pgtest"
	"github.com/pindesk/pindesk/model"
	"github.com/pindesk/pindesk/store/sqlite"
	"github.com/pindesk/pindesk/ui"
)

// keyID is the key id a message names a key by: the first 8 bytes of HMAC-SHA256("pindesk key
// check v1") under the key, in hex. Computed here, not by the code under test, so that the format
// databases record can never change unnoticed.
func keyID(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("pindesk key check v1"))
	return hex.EncodeToString(m.Sum(nil))[:16]
}

// otherKeyFile writes a valid key file holding a fresh key: what a server given another
// installation's key holds.
func otherKeyFile(t *testing.T) string {
	t.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	path := filepath.Join(t.TempDir(), "other.key")
	if err := os.WriteFile(path, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// keyDesk is a desk on SQLite (in its data folder) or on a PostgreSQL schema of its own.
type keyDesk struct {
	*desk
	db, key string // the database (path or URL) and the key file
	pg      bool
}

func newKeyDesk(t *testing.T, pg bool) *keyDesk {
	d := &keyDesk{desk: newDesk(t), pg: pg}
	if pg {
		d.db, d.key = pgTestURL(t), filepath.Join(t.TempDir(), "shared.key")
		d.env["PINDESK_DATABASE"], d.env["PINDESK_KEY_FILE"] = d.db, d.key
		d.ok("", "admin", "key", "init")
	} else {
		d.db, d.key = filepath.Join(d.dataDir, "pindesk.db"), filepath.Join(d.dataDir, "pindesk.key")
	}
	return d
}

func (d *keyDesk) settings(keyFile string) config.Settings {
	d.t.Helper()
	s, err := config.Load(config.Source{Flags: map[string]string{"data_dir": d.dataDir, "database": d.db, "key_file": keyFile}, UserName: func() string { return "test" }})
	if err != nil {
		d.t.Fatal(err)
	}
	return s
}

// open opens a core on keyFile, as every command does.
func (d *keyDesk) open(keyFile string) (*core.Service, error) {
	svc, st, err := openCore(context.Background(), d.settings(keyFile), existing)
	if err == nil {
		d.t.Cleanup(func() { st.Close() })
	}
	return svc, err
}

func (d *keyDesk) mustOpen() *core.Service {
	d.t.Helper()
	svc, err := d.open(d.key)
	if err != nil {
		d.t.Fatal(err)
	}
	return svc
}

// snapshot is what a refused start must leave as it was: the SQLite file's bytes, or on
// PostgreSQL the audit trail and the holders' counts.
func (d *keyDesk) snapshot() string {
	d.t.Helper()
	if !d.pg {
		b, err := os.ReadFile(d.db)
		if err != nil {
			d.t.Fatal(err)
		}
		wal, _ := os.ReadFile(d.db + "-wal") // what an open store wrote is here until it closes
		return string(b) + string(wal)
	}
	st, err := openStore(context.Background(), d.settings(d.key))
	if err != nil {
		d.t.Fatal(err)
	}
	defer st.Close()
	evs, err := st.Audit(context.Background(), model.AuditQuery{Limit: 10000})
	if err != nil {
		d.t.Fatal(err)
	}
	hs, err := st.Holders(context.Background(), "A-1")
	if err != nil {
		d.t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range evs {
		b.WriteString(string(e.Action) + e.Outcome + e.Holder + ";")
	}
	for _, h := range hs {
		b.WriteString(h.Ref.String() + ":" + strings.Repeat("x", h.Failures) + ";")
	}
	return b.String()
}

// runFor runs pindesk with a deadline, for a command (serve) that would otherwise run on.
func (d *keyDesk) runFor(timeout time.Duration, args ...string) (int, string) {
	d.t.Helper()
	var out, errOut lockedBuffer
	a := newApp(strings.NewReader(""), &out, &errOut)
	a.lookupEnv = func(k string) (string, bool) { v, ok := d.env[k]; return v, ok }
	a.homeDir = func() (string, error) { return d.tmp, nil }
	a.userName = func() string { return "ada" }
	a.runUI = func(_ context.Context, b client.Backend, opts ui.Options) error {
		d.uiBackend, d.uiOpts = b, opts
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	code := run(ctx, append([]string{"--data-dir", d.dataDir}, args...), a)
	return code, errOut.String()
}

func stores(t *testing.T, f func(t *testing.T, pg bool)) {
	t.Run("SQLite", func(t *testing.T) { f(t, false) })
	t.Run("PostgreSQL", func(t *testing.T) { f(t, true) })
}

// pgTestURL is a schema of its own for the test (internal/pgtest).
func pgTestURL(t *testing.T) string { return pgtest.SchemaURL(t, "pindesk_main") }

func TestAnotherKeyIsRefusedEverywhereAndChangesNothing(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, pg bool) {
		d := newKeyDesk(t, pg)
		d.ok("", "admin", "import", goodCSV)
		d.ok("482915\n", "admin", "pin", "set", "--account", "A-1", "--holder", "c1", "--kind", "master")
		wrong := otherKeyFile(t)
		before := d.snapshot()

		wants := []string{"wrong key", wrong, keyID(t, wrong), keyID(t, d.key), "Nothing was changed"}
		for _, args := range [][]string{
			{"admin", "audit"},
			{"--operator", "Grace"}, // the terminal app
			{"serve", "--listen", "127.0.0.1:0", "--log-level", "error"},
		} {
			code, errOut := d.runFor(5*time.Second, append([]string{"--key-file", wrong}, args...)...)
			for _, w := range wants {
				if code != 1 || !strings.Contains(errOut, w) {
					t.Errorf("pindesk %s with another key: exit %d, stderr lacks %q:\n%s", strings.Join(args, " "), code, w, errOut)
					break
				}
			}
		}
		if d.uiBackend != nil {
			t.Error("the app opened on another key")
		}
		if svc, err := d.open(wrong); err == nil {
			// Today's behaviour: the core opens and a right PIN counts as a wrong one.
			res, _ := svc.Verify(context.Background(), agent, model.VerifyRequest{AccountID: "A-1", Holder: "c1", PIN: "482915", Channel: model.ChannelPhone})
			t.Errorf("a core opened on another key; the right PIN answered %s with %d attempts left", res.Outcome, res.AttemptsLeft)
		}
		if after := d.snapshot(); after != before {
			t.Error("a refused start changed the database")
		}
		res, err := d.mustOpen().Verify(context.Background(), agent, model.VerifyRequest{AccountID: "A-1", Holder: "c1", PIN: "482915", Channel: model.ChannelPhone})
		if err != nil || res.Outcome != model.OutcomeVerified || res.AttemptsLeft != 6 {
			t.Errorf("with the right key: %+v, %v; want verified with 6 attempts left", res, err)
		}
	})
}

// deleteKeyCheck makes the SQLite database look like one made before pindesk recorded its key.
func deleteKeyCheck(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`DELETE FROM meta WHERE name = 'key_check'`); err != nil {
		t.Fatal(err)
	}
}

func recordedKeyCheck(t *testing.T, path string) (string, bool) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	v, ok, err := st.Meta(context.Background(), "key_check")
	if err != nil {
		t.Fatal(err)
	}
	return v, ok
}

func TestAnUpgradedDatabaseRecordsOnlyAKeyThatOpensItsPINs(t *testing.T) {
	t.Parallel()
	d := newKeyDesk(t, false)
	d.ok("", "admin", "import", goodCSV)
	d.ok("482915\n", "admin", "pin", "set", "--account", "A-1", "--holder", "c1", "--kind", "master")
	deleteKeyCheck(t, d.db)
	wrong := otherKeyFile(t)

	code, _, errOut := d.run("", "--key-file", wrong, "admin", "audit")
	if code != 1 || !strings.Contains(errOut, "does not open the PINs stored in the database") || !strings.Contains(errOut, keyID(t, wrong)) || !strings.Contains(errOut, wrong) {
		t.Errorf("upgrade with another key: exit %d, %q", code, errOut)
	}
	if _, ok := recordedKeyCheck(t, d.db); ok {
		t.Fatal("the upgrade recorded another key as the database's")
	}
	d.ok("", "admin", "audit")
	if v, ok := recordedKeyCheck(t, d.db); !ok || v[:16] != keyID(t, d.key) {
		t.Fatalf("the upgrade with the right key recorded %q, %v; want key id %s", v, ok, keyID(t, d.key))
	}
	code, _, errOut = d.run("", "--key-file", wrong, "admin", "audit")
	if code != 1 || !strings.Contains(errOut, keyID(t, d.key)) {
		t.Errorf("after the upgrade, another key: exit %d, %q", code, errOut)
	}
}

func TestKeyRotateResealsEveryPINAndKeepsTheOldKey(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, pg bool) {
		d := newKeyDesk(t, pg)
		d.ok("", "admin", "import", goodCSV)
		d.ok("482915\n", "admin", "pin", "set", "--account", "A-1", "--holder", "c1", "--kind", "master")
		d.ok("739164\n", "admin", "pin", "set", "--account", "A-1", "--holder", "c1", "--kind", "master") // 482915 becomes previous
		d.ok("615283\n", "admin", "pin", "set", "--account", "A-1", "--holder", "account", "--kind", "temporary", "--on-behalf-of", "c1")
		oldKey, _ := os.ReadFile(d.key)
		oldID := keyID(t, d.key)
		running := d.mustOpen() // a process that keeps the old key while the key is rotated

		out, _ := d.ok("", "admin", "key", "rotate")
		newID := keyID(t, d.key)
		if newID == oldID || !strings.Contains(out, "Re-sealed 2 PIN rows under a new key: key id "+newID+" (it was key id "+oldID+")") ||
			!strings.Contains(out, d.key+".old") {
			t.Errorf("stdout = %q", out)
		}
		for path, want := range map[string][]byte{d.key + ".old": oldKey} {
			got, err := os.ReadFile(path)
			info, _ := os.Stat(path)
			if err != nil || !bytes.Equal(got, want) || info.Mode().Perm() != 0o600 {
				t.Errorf("%s: %v, holds the old key: %v, mode %v", path, err, bytes.Equal(got, want), info.Mode().Perm())
			}
		}
		if info, err := os.Stat(d.key); err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("the new key file: %v", err)
		}
		if _, err := os.Stat(d.key + ".new"); !errors.Is(err, os.ErrNotExist) {
			t.Error("the rotation left " + d.key + ".new")
		}

		svc := d.mustOpen()
		ctx := context.Background()
		for _, c := range [][2]string{{"c1", "739164"}, {model.AccountWide, "615283"}} {
			res, err := svc.Verify(ctx, agent, model.VerifyRequest{AccountID: "A-1", Holder: c[0], Caller: "c1", PIN: c[1], Channel: model.ChannelPhone})
			if err != nil || res.Outcome != model.OutcomeVerified {
				t.Errorf("after rotation %s's PIN: %+v, %v", c[0], res, err)
			}
		}
		_, err := svc.Set(ctx, model.Operator{Name: "p", Role: model.OpPortal}, model.PINChange{AccountID: "A-1", Holder: "c1", Kind: model.KindMaster, OnBehalfOf: "c1"}, "482915")
		var pe *model.PolicyError
		if !errors.As(err, &pe) || pe.Rule != model.RuleReuse {
			t.Errorf("the previous PIN after rotation: %v, want refused for reuse (it must still open)", err)
		}
		audit, _ := d.ok("", "admin", "audit", "--json")
		if !strings.Contains(audit, `"operator":"ada","role":"admin","channel":"admin","account_id":"","action":"rekey"`) {
			t.Errorf("the rotation is not audited:\n%s", audit)
		}

		// The process still on the old key answers an error and counts nothing.
		if _, err := running.Verify(ctx, agent, model.VerifyRequest{AccountID: "A-1", Holder: "c1", PIN: "739164", Channel: model.ChannelPhone}); err == nil {
			t.Error("a core on the old key verified after the rotation")
		}
		if v, _ := svc.Account(ctx, agent, "A-1"); v.Holders[1].Failures != 0 {
			t.Errorf("the old key's verification counted: %+v", v.Holders[1])
		}
		// And a start on the old key is refused, saying why.
		stale := filepath.Join(t.TempDir(), "stale.key")
		os.WriteFile(stale, oldKey, 0o600)
		for _, args := range [][]string{{"admin", "audit"}, {"serve", "--listen", "127.0.0.1:0", "--log-level", "error"}} {
			code, errOut := d.runFor(5*time.Second, append([]string{"--key-file", stale}, args...)...)
			if code != 1 || !strings.Contains(errOut, "was re-keyed") || !strings.Contains(errOut, "key id "+newID) || !strings.Contains(errOut, oldID) {
				t.Errorf("%s on the old key: exit %d, %q", args[0], code, errOut)
			}
		}

		// A second rotation does not overwrite the key kept from the first.
		before, _ := os.ReadFile(d.key)
		code, _, errOut := d.run("", "admin", "key", "rotate")
		after, _ := os.ReadFile(d.key)
		if code != 1 || !strings.Contains(errOut, d.key+".old holds the key of an earlier rotation") || !bytes.Equal(before, after) {
			t.Errorf("rotating with a kept .old: exit %d, %q, key changed %v", code, errOut, !bytes.Equal(before, after))
		}
	})
}

func TestAnInterruptedRotationSaysHowToFinishIt(t *testing.T) {
	t.Parallel()
	d := newKeyDesk(t, false)
	d.ok("", "admin", "import", goodCSV)
	d.ok("482915\n", "admin", "pin", "set", "--account", "A-1", "--holder", "c1", "--kind", "master")
	d.ok("", "admin", "key", "rotate")
	// The state of a crash after the commit, before the rename: the key file still holds the old
	// key, the new one is in .new.
	os.Rename(d.key, d.key+".new")
	old, _ := os.ReadFile(d.key + ".old")
	os.WriteFile(d.key, old, 0o600)

	code, _, errOut := d.run("", "admin", "audit")
	finish := "mv " + d.key + ".new " + d.key
	if code != 1 || !strings.Contains(errOut, "a key rotation was interrupted") || !strings.Contains(errOut, finish) {
		t.Fatalf("exit %d, %q", code, errOut)
	}
	os.Rename(d.key+".new", d.key)
	if got := d.verify("A-1", "c1", "482915").Outcome; got != model.OutcomeVerified {
		t.Errorf("after finishing the rotation: %s", got)
	}
}

func TestTheAdminNeverCreatesADatabaseBesideAnExistingKey(t *testing.T) {
	t.Parallel()
	d := newKeyDesk(t, false)
	d.ok("", "admin", "import", goodCSV)
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(d.db + suffix)
	}
	code, _, errOut := d.run("", "admin", "import", goodCSV)
	if code != 1 || !strings.Contains(errOut, "the key file "+d.key+" exists, but its database "+d.db+" does not") {
		t.Errorf("exit %d, %q", code, errOut)
	}
	if _, err := os.Stat(d.db); !errors.Is(err, os.ErrNotExist) {
		t.Error("a fresh database was created beside the existing key")
	}
}

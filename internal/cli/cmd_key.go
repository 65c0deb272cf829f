package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/pindesk/pindesk/config"
	"github.com/pindesk/pindesk/core"
	"github.com/pindesk/pindesk/store/secret"
)

// sqliteExists reports whether a SQLite database is at path: a file with content, or an empty file
// whose write-ahead log has content (a database another process just made, not yet checkpointed).
func sqliteExists(path string) bool {
	for _, p := range []string{path, path + "-wal"} {
		if info, err := os.Stat(p); err == nil && info.Size() > 0 {
			return true
		}
	}
	return false
}

// loadKey reads a key file that must exist (never creating one); ok is false when it does not.
func loadKey(path string) (key []byte, ok bool, err error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	key, err = secret.LoadOrCreateKey(path)
	return key, err == nil, err
}

// ErrWrongKey: the key file is not the key of the database; pindesk does not start on it.
var ErrWrongKey = errors.New("wrong key")

// checkKey refuses to go on with a key that is not the database's (core.CheckKey), with a message
// that names both keys, the key file and the database, and says what to do.
func checkKey(ctx context.Context, svc *core.Service, key []byte, s config.Settings) error {
	err := svc.CheckKey(ctx, secret.CheckValue(key))
	var km *core.KeyMismatchError
	if !errors.As(err, &km) {
		return err
	}
	db := config.RedactDatabase(s.Database)
	if km.Recorded == "" {
		return fmt.Errorf("%w: the key file %s (key id %s) does not open the PINs stored in the database %s, which records no key id yet (it was made by an older pindesk). Nothing was changed. Point --key-file at the key file the database was made with", ErrWrongKey, s.KeyFile, km.Held, db)
	}
	// An interrupted rotation (see rotateKeyFiles) leaves the database on the key in .new.
	next := s.KeyFile + ".new"
	if nk, ok, _ := loadKey(next); ok && secret.KeyID(secret.CheckValue(nk)) == km.Recorded {
		return fmt.Errorf("%w: a key rotation was interrupted after the database %s was re-keyed: its key is now key id %s, held in %s, while the key file %s still holds the old key id %s (also kept in %s). Nothing was changed. Finish the rotation with:\n  mv %s %s",
			ErrWrongKey, db, km.Recorded, next, s.KeyFile, km.Held, s.KeyFile+".old", next, s.KeyFile)
	}
	if km.Rekeyed {
		return fmt.Errorf("%w: the database %s was re-keyed (pindesk admin key rotate): its key is now key id %s, but the key file %s holds the key it replaced, key id %s. Nothing was changed. Put the new key file the rotation wrote (key id %s) at %s — on PostgreSQL, copy it from the machine that rotated the key — then start again", ErrWrongKey, db, km.Recorded, s.KeyFile, km.Held, km.Recorded, s.KeyFile)
	}
	return fmt.Errorf("%w: the key file %s holds key id %s, but the PINs of the database %s are sealed with key id %s. Nothing was changed: with another key every right PIN would count as wrong. Point --key-file at the database's key file (key id %s), or restore it from your backup", ErrWrongKey, s.KeyFile, km.Held, db, km.Recorded, km.Recorded)
}

func (a *app) keyRotateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "rotate",
		Short: "Re-seal every PIN under a new key, keeping the old key file as KEY_FILE.old",
		Long: `rotate makes a new key and re-seals every PIN of the database under it (current and previous
PINs), in one transaction that also records the new key's check value and the audit event. The new
key replaces the key file; the old one is kept beside it as KEY_FILE.old (mode 600): backups of the
database made before the rotation open only with it, so delete it only when they are gone.

Every other process using the database must then hold the new key: a server or app still on the old
one refuses to start, and one that is running answers an error to every verification (counting
nothing) until it is restarted with the new key. On PostgreSQL, copy the new key file to every server.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			ad, closeFn, err := a.openAdmin(ctx, existing)
			if err != nil {
				return err
			}
			defer closeFn()
			s := ad.s
			oldKey, _, err := loadKey(s.KeyFile)
			if err != nil {
				return err
			}
			newKey, err := secret.NewKey()
			if err != nil {
				return err
			}
			n, err := rotateKeyFiles(s.KeyFile, oldKey, newKey, func(next *secret.Sealer) (int, error) {
				return ad.svc.RotateKey(ctx, ad.op, secret.CheckValue(oldKey), next, secret.CheckValue(newKey))
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Re-sealed %d %s under a new key: key id %s (it was key id %s).\n", n, plural(n, "PIN row", "PIN rows"),
				secret.KeyID(secret.CheckValue(newKey)), secret.KeyID(secret.CheckValue(oldKey)))
			fmt.Fprintf(a.out, "The new key is in %s: back it up apart from the database. The old key is kept in %s: delete it once no backup of the database made before now is needed (they open only with it).\n", s.KeyFile, s.KeyFile+".old")
			if s.UsesPostgres() {
				fmt.Fprintf(a.out, "Copy %s to every other server of the database and restart them: a server still on the old key refuses to start.\n", s.KeyFile)
			} else {
				fmt.Fprintln(a.out, "Restart any pindesk app or server running on this database: one still on the old key answers an error to every verification.")
			}
			return nil
		},
	}
}

// rotateKeyFiles replaces the key file at path (holding oldKey) with newKey around rekey, which
// re-seals the database under a sealer of newKey and commits. The order makes every crash
// recoverable, with no moment when the file at path is missing or the key the database needs is
// nowhere on disk:
//
//  1. path.old gets a copy of the old key (written atomically: temp file, fsync, rename, fsync of
//     the folder). An existing path.old is refused unless it already holds this very key (left by
//     an interrupted rotation): it may be the only key of older backups.
//  2. path.new gets the new key, the same way. A crash before 3 leaves the database on the old
//     key, which path still holds; a stray path.new is overwritten by the next rotation.
//  3. rekey commits: the database is on the new key. A crash now leaves path on the old key and
//     path.new matching the database: every start refuses with the `mv` that finishes it.
//  4. path.new is renamed over path (one atomic rename) and the folder fsync'd.
//
// If rekey fails the database is unchanged, and path.new (and a path.old made here) are removed.
func rotateKeyFiles(path string, oldKey, newKey []byte, rekey func(next *secret.Sealer) (int, error)) (int, error) {
	oldPath, newPath := path+".old", path+".new"
	madeOld := false
	switch kept, ok, err := loadKey(oldPath); {
	case err != nil:
		return 0, fmt.Errorf("%s exists but cannot be read (%w); move it away before rotating the key", oldPath, err)
	case ok && !bytes.Equal(kept, oldKey):
		return 0, fmt.Errorf("%s holds the key of an earlier rotation (key id %s); backups made before that rotation open only with it. Move it to where those backups are kept, or delete it if none is needed, then rotate again", oldPath, secret.KeyID(secret.CheckValue(kept)))
	case !ok:
		madeOld = true
	}
	next, err := secret.New(newKey)
	if err != nil {
		return 0, err
	}
	if err := secret.WriteKeyFile(oldPath, oldKey); err != nil {
		return 0, err
	}
	if err := secret.WriteKeyFile(newPath, newKey); err != nil {
		return 0, err
	}
	n, err := rekey(next)
	if err != nil {
		os.Remove(newPath)
		if madeOld {
			os.Remove(oldPath)
		}
		return 0, fmt.Errorf("%w; the database and the key file %s are unchanged", err, path)
	}
	if err := os.Rename(newPath, path); err != nil {
		return 0, fmt.Errorf("the database was re-keyed, but the new key could not replace the key file (%w). Finish by hand: mv %s %s", err, newPath, path)
	}
	if err := secret.SyncDir(filepath.Dir(path)); err != nil {
		return 0, fmt.Errorf("the database was re-keyed and %s holds the new key, but its folder could not be synced: %w", path, err)
	}
	return n, nil
}

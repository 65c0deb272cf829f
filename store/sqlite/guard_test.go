package sqlite

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pindesk/pindesk/model"
)

// TestAFileDeletedOrReplacedUnderTheStoreIsRefused: once the database file is deleted, or another
// file is renamed into its place, every read and write answers model.ErrUnavailable (saying to
// restart) instead of carrying on with an inode nobody will open again — and keeps doing so even if
// the old file comes back.
func TestAFileDeletedOrReplacedUnderTheStoreIsRefused(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		act  func(t *testing.T, path string)
	}{
		{"deleted", func(t *testing.T, path string) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}},
		{"replaced by a copy renamed into place", func(t *testing.T, path string) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path+".new", data, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(path+".new", path); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "p.db")
			st, err := Open(t.Context(), path)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			ctx := context.Background()
			if err := st.CheckWritable(ctx); err != nil {
				t.Fatalf("CheckWritable on a healthy file: %v", err)
			}
			c.act(t, path)
			if err := st.CheckWritable(ctx); !errors.Is(err, model.ErrUnavailable) {
				t.Fatalf("CheckWritable after the file was %s: %v, want ErrUnavailable", c.name, err)
			}
			if err := st.PutMeta(ctx, "x", "y"); !errors.Is(err, model.ErrUnavailable) {
				t.Fatalf("a write after the file was %s: %v, want ErrUnavailable", c.name, err)
			}
			_, _, err = st.Meta(ctx, "x")
			if !errors.Is(err, model.ErrUnavailable) {
				t.Fatalf("a read after the file was %s: %v, want ErrUnavailable", c.name, err)
			}
			if !strings.Contains(err.Error(), "restart") {
				t.Errorf("the error does not say to restart: %v", err)
			}
		})
	}
	t.Run("reads notice within the guard's interval without any write", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "p.db")
		st, err := Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(guardInterval + 2*time.Second)
		for {
			_, err := st.Tokens(context.Background())
			if errors.Is(err, model.ErrUnavailable) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("reads still answer (%v) %v after the file was deleted", err, guardInterval+2*time.Second)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

// TestCheckWritableFailsWhenTheFileCannotBeWritten makes the database's files immutable under the
// open store (chattr +i: even root's writes to the open descriptors then fail, as on a disk that
// went read-only): reads still work, but CheckWritable reports the failure.
func TestCheckWritableFailsWhenTheFileCannotBeWritten(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "p.db")
	st, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	if err := st.CheckWritable(ctx); err != nil {
		t.Fatalf("CheckWritable on a healthy file: %v", err)
	}
	makeImmutable(t, path, path+"-wal")
	if _, _, err := st.Meta(ctx, readyCheckName); err != nil {
		t.Fatalf("a read of a read-only file: %v (reads should still work)", err)
	}
	if err := st.CheckWritable(ctx); err == nil {
		t.Fatal("CheckWritable passed on a file that cannot be written")
	} else if !errors.Is(err, model.ErrUnavailable) {
		t.Errorf("CheckWritable on a read-only file: %v, want ErrUnavailable", err)
	}
}

// makeImmutable sets the immutable attribute on the files for the rest of the test, or skips the
// test where that is not possible (not root, a file system without it).
func makeImmutable(t *testing.T, files ...string) {
	t.Helper()
	for _, f := range files {
		if out, err := exec.Command("chattr", "+i", f).CombinedOutput(); err != nil {
			t.Skipf("cannot make %s immutable (needs root and a file system with the attribute): %v %s", f, err, out)
		}
		t.Cleanup(func() { exec.Command("chattr", "-i", f).Run() })
	}
}

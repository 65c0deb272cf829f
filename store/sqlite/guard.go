package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pindesk/pindesk/model"
)

// guardInterval is how often the file's identity is checked for reads. Writes check it before
// every batch, so no write commits to a file that is no longer the database.
const guardInterval = time.Second

// fileGuard notices the database file being deleted or replaced under a running process. SQLite
// keeps writing to the inode it opened: after an `rm` or a restore that renames another file into
// place, every answer would come from, and every commit go to, a file nobody will ever open again.
// Once the path no longer names the file opened, the store refuses every read and write with
// model.ErrUnavailable until it is opened again (a restart): going back would not undo the writes
// already lost to the old inode.
type fileGuard struct {
	path   string
	opened os.FileInfo
	broken atomic.Pointer[error]
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
}

// newFileGuard records the identity of the file at path and checks it every interval until stop.
func newFileGuard(path string, interval time.Duration) (*fileGuard, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	g := &fileGuard{path: path, opened: info, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(g.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-g.stop:
				return
			case <-t.C:
				_ = g.check()
			}
		}
	}()
	return g, nil
}

// err is the cheap test every read makes: the verdict of the last check, nil while the file stands.
// A nil guard (an in-memory database) never fails.
func (g *fileGuard) err() error {
	if g == nil {
		return nil
	}
	if p := g.broken.Load(); p != nil {
		return *p
	}
	return nil
}

// check looks at the path again (one stat) and reports whether it still names the file opened.
func (g *fileGuard) check() error {
	if g == nil {
		return nil
	}
	if err := g.err(); err != nil {
		return err
	}
	info, err := os.Stat(g.path)
	var what string
	switch {
	case err == nil && os.SameFile(info, g.opened):
		return nil
	case err == nil:
		what = "was replaced by another file"
	case errors.Is(err, fs.ErrNotExist):
		what = "was deleted"
	default:
		// Not proof that the file is gone (a passing I/O error): refuse this time, decide later.
		return fmt.Errorf("%w: the database file %s cannot be checked: %w", model.ErrUnavailable, g.path, err)
	}
	broken := fmt.Errorf("%w: the database file %s %s while pindesk had it open; every request is refused until pindesk is restarted (writes since then went to the old file and are lost with it)",
		model.ErrUnavailable, g.path, what)
	g.broken.CompareAndSwap(nil, &broken)
	return g.err()
}

// close stops the periodic check.
func (g *fileGuard) close() {
	if g == nil {
		return
	}
	g.once.Do(func() { close(g.stop) })
	<-g.done
}

// readyCheckName is the meta row CheckWritable rewrites.
const readyCheckName = "ready_check"

// CheckWritable proves the database can be written now: the file is still the one opened, and a
// small write (a meta row) goes through the writer's queue and commits, fsync'd. A read-only,
// full or vanished file fails here while reads may still succeed.
func (s *Store) CheckWritable(ctx context.Context) error {
	if err := s.guard.check(); err != nil {
		return err
	}
	return s.PutMeta(ctx, readyCheckName, strconv.FormatInt(time.Now().UnixNano(), 10))
}

package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Lock is the workspace lock, held while files move between drafts/,
// drafts/rejected/ and entries/, while a draft is rewritten, and while the
// archive index is updated, so that two digest processes (or two goroutines)
// never interleave those steps. It is an exclusive lock on .digest/lock:
// flock where the system has it, LockFileEx on Windows; the kernel drops
// it when the process dies, so a crash never leaves the workspace locked.
type Lock struct {
	f    *os.File
	path string
}

// lockPoll is how often a busy lock is tried again.
const lockPoll = 20 * time.Millisecond

// held marks the lock files this process holds: an OS lock does not
// always exclude another file handle of the same process, this does.
var held sync.Map // path → struct{}

// errBusy is returned by tryLock when another holder has the lock.
var errBusy = errors.New("lock busy")

// LockPath is the lock file's path.
func (w *Workspace) LockPath() string { return filepath.Join(w.StateDir(), "lock") }

// Lock takes the workspace lock, waiting for another holder to let go
// until ctx ends. The error then names the lock file and, when known, the
// process holding it.
func (w *Workspace) Lock(ctx context.Context) (*Lock, error) {
	path := w.LockPath()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("lock the workspace: %w", err)
	}
	ignoreStateDir(filepath.Dir(path))
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	for {
		if _, busy := held.LoadOrStore(abs, struct{}{}); !busy {
			f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
			if err != nil {
				held.Delete(abs)
				return nil, fmt.Errorf("lock the workspace: %w", err)
			}
			switch err := tryLock(f); {
			case err == nil:
				// The holder's pid, for the message another process shows.
				_ = f.Truncate(0)
				_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
				return &Lock{f: f, path: abs}, nil
			case errors.Is(err, errBusy):
				f.Close()
				held.Delete(abs)
			default:
				f.Close()
				held.Delete(abs)
				return nil, fmt.Errorf("lock the workspace (%s): %w", path, err)
			}
		}
		select {
		case <-ctx.Done():
			who := ""
			if b, err := os.ReadFile(path); err == nil {
				if pid := strings.TrimSpace(string(b)); pid != "" {
					who = " (process " + pid + ")"
				}
			}
			return nil, fmt.Errorf("the workspace is busy: another digest%s holds %s: %w", who, path, ctx.Err())
		case <-time.After(lockPoll):
		}
	}
}

// Unlock lets the lock go. It may be called more than once.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = l.f.Truncate(0)
	err := unlockFile(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	held.Delete(l.path)
	return err
}

// ignoreStateDir keeps git out of the state folder (cache, index, lock),
// as tools with a cache folder do, unless it already has a .gitignore.
func ignoreStateDir(dir string) {
	p := filepath.Join(dir, ".gitignore")
	if _, err := os.Stat(p); err == nil {
		return
	}
	_ = WriteFileAtomic(p, []byte("# digest's cache, index and lock: not for git\n*\n"), 0o644)
}

package lifecycle

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrBusy means another `up` or `watch` of the same project is running.
var ErrBusy = errors.New("the project is busy")

// Locker keeps two `up` runs of one project from creating two sets of
// intercepts.
type Locker interface {
	// Lock takes the project's lock or fails with ErrBusy at once.
	Lock(project string) (unlock func(), err error)
}

// FileLocker locks <Dir>/<project>.lock with an advisory lock, which the
// kernel releases when the process dies, so a crash never leaves the
// project locked. The directory and files are readable by the user only.
type FileLocker struct {
	Dir string
}

// DefaultLockDir is $XDG_RUNTIME_DIR/docker-telepresence, or the user's
// cache directory when there is no runtime directory.
func DefaultLockDir() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "docker-telepresence")
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "docker-telepresence", "locks")
	}
	return filepath.Join(os.TempDir(), "docker-telepresence-"+strconv.Itoa(os.Getuid()))
}

// Lock takes the lock of the project.
func (l FileLocker) Lock(project string) (func(), error) {
	if err := os.MkdirAll(l.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the lock directory: %w", err)
	}
	path := filepath.Join(l.Dir, project+".lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the project lock: %w", err)
	}
	if err := tryLock(f); err != nil {
		holder, _ := os.ReadFile(path)
		_ = f.Close()
		pid := strings.TrimSpace(string(holder))
		if pid == "" {
			pid = "unknown"
		}
		return nil, fmt.Errorf("%w: another docker telepresence command holds project %q (pid %s): an `up` or `watch` that runs, or a `down`; wait for it, or stop it with Ctrl-C",
			ErrBusy, project, pid)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() {
		_ = f.Truncate(0)
		unlock(f)
		_ = f.Close()
	}, nil
}

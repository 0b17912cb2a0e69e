// Package lock keeps two runs of one project, or two changes of one
// daemon's DNS mappings, from happening at once, with advisory file locks
// the kernel releases when the process dies (docs/records-and-undo.md#project-lock).
package lock

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrBusy means another `up` or `watch` of the same project is running.
var ErrBusy = errors.New("the project is busy")

// BusyError says who holds a lock: the pid the holder wrote, "unknown" when
// it wrote none. It is ErrBusy.
type BusyError struct {
	Name string
	PID  string
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("%v: another docker telepresence command holds project %q (pid %s): an `up` or `watch` that runs, or a `down`; wait for it, or stop it with Ctrl-C",
		ErrBusy, e.Name, e.PID)
}

func (e *BusyError) Unwrap() error { return ErrBusy }

// Locker keeps two `up` runs of one project from creating two sets of
// attachments.
type Locker interface {
	// Lock takes the project's lock or fails with ErrBusy at once.
	Lock(project string) (unlock func(), err error)
}

// FileLocker locks <Dir>/<project>.lock with an advisory lock, which the
// kernel releases when the process dies, so a crash never leaves the
// project locked. The directory and files are readable by the user only.
//
// A lock file lives only while its lock is held: the holder removes it
// before it lets go, so the directory does not fill up with the files of
// every project and daemon ever run. Removing a file others may have open
// is safe because each taker checks, once it holds the lock, that the path
// still names the file it locked; if not (the holder removed it meanwhile)
// it tries again on the path's new file.
type FileLocker struct {
	Dir string
}

// DefaultDir is $XDG_RUNTIME_DIR/docker-telepresence, or the user's
// cache directory when there is no runtime directory.
func DefaultDir() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "docker-telepresence")
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "docker-telepresence", "locks")
	}
	return filepath.Join(os.TempDir(), "docker-telepresence-"+strconv.Itoa(os.Getuid()))
}

// Stamp changes whenever a lock of the directory is taken or released: it
// is the directory's modification time, which a taker's new file and a
// holder's removal of it change, and the files there. Two equal stamps
// mean that no docker telepresence command took or let go of a lock in
// between. A directory that does not exist yet has the stamp ""; one that
// cannot be read has a stamp that equals no other.
func (l FileLocker) Stamp() string {
	fi, err := os.Stat(l.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return ""
	}
	entries, rerr := os.ReadDir(l.Dir)
	if err != nil || rerr != nil {
		return "unreadable at " + time.Now().Format(time.RFC3339Nano)
	}
	var stamp strings.Builder
	stamp.WriteString(fi.ModTime().Format(time.RFC3339Nano))
	for _, e := range entries {
		stamp.WriteString(" " + e.Name())
	}
	return stamp.String()
}

// lockAttempts bounds the retries when the file is removed under a taker;
// each retry means another run took and released the lock meanwhile.
const lockAttempts = 100

// Lock takes the lock of the project.
func (l FileLocker) Lock(project string) (func(), error) {
	if err := os.MkdirAll(l.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the lock directory: %w", err)
	}
	// A daemon's name comes from a kube context, which may hold a "/" (an
	// EKS ARN): escaped, every name is one file of the directory.
	path := filepath.Join(l.Dir, url.PathEscape(project)+".lock")
	for range lockAttempts {
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
			return nil, &BusyError{Name: project, PID: pid}
		}
		if !stillNamed(f, path) {
			// The holder before us removed the file between our open and
			// our lock: what we hold locks nothing anyone else will see.
			unlock(f)
			_ = f.Close()
			continue
		}
		_ = f.Truncate(0)
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
		return func() { release(f, path) }, nil
	}
	return nil, fmt.Errorf("%w: the lock %s kept being replaced while taking it", ErrBusy, path)
}

// stillNamed tells whether path names the open file f.
func stillNamed(f *os.File, path string) bool {
	held, err := f.Stat()
	if err != nil {
		return false
	}
	named, err := os.Stat(path)
	return err == nil && os.SameFile(held, named)
}

// Wait takes the lock of name, trying again while another holds it, for
// up to wait: for locks that others hold only briefly. It fails with the
// holder's *BusyError when the time is up, and with ctx's error when ctx
// ends first.
func Wait(ctx context.Context, l Locker, name string, wait time.Duration) (func(), error) {
	deadline := time.Now().Add(wait)
	for {
		unlock, err := l.Lock(name)
		if !errors.Is(err, ErrBusy) {
			return unlock, err
		}
		if time.Now().After(deadline) {
			var busy *BusyError
			if !errors.As(err, &busy) {
				busy = &BusyError{Name: name, PID: "unknown"}
			}
			return nil, busy
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

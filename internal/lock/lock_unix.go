//go:build !windows

package lock

import (
	"os"
	"syscall"
)

func tryLock(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}

func unlock(f *os.File) {
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}

// release removes the lock file while it still holds the lock, then lets
// go: a taker that opened the file before the removal finds, once it holds
// the lock, that the path no longer names it, and tries again.
func release(f *os.File, path string) {
	_ = os.Remove(path)
	unlock(f)
	_ = f.Close()
}

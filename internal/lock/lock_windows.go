//go:build windows

package lock

import "os"

// On Windows the lock file is only written: concurrent runs are not
// detected (a known limitation: docs/failures.md#files-the-plugin-writes).
func tryLock(*os.File) error { return nil }

func unlock(*os.File) {}

// release closes the file first: Windows cannot remove an open file.
func release(f *os.File, path string) {
	_ = f.Close()
	_ = os.Remove(path)
}

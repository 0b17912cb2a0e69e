package lock

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// A released lock leaves no file behind: the lock directory does not fill
// up with the files of every project and daemon ever run.
func TestReleasedLockLeavesNoFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "locks")
	l := FileLocker{Dir: dir}
	for _, name := range []string{"proj", "daemon@default-default"} {
		unlock, err := l.Lock(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dir, name+".lock")); err != nil {
			t.Errorf("%s: no lock file while held: %v", name, err)
		}
		unlock()
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("released locks left %v", left)
	}
}

// A file left by a process that was killed (the kernel released its lock)
// is taken over, and removed at release.
func TestALeftoverLockFileIsTakenOver(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "proj.lock")
	if err := os.WriteFile(path, []byte("999999\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	unlock, err := FileLocker{Dir: dir}.Lock("proj")
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the leftover file is still there: %v", err)
	}
}

// Lockers racing on one name, each taking and releasing the lock over and
// over (the release removes the file under the others), never hold it two
// at a time, and the lock stays takeable.
func TestRacingLockersNeverBothHoldIt(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no advisory locks on Windows: documented limitation")
	}
	dir := t.TempDir()
	const workers, rounds = 8, 300
	var holders, taken, most atomic.Int32
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each worker its own FileLocker, as separate processes have.
			l := FileLocker{Dir: dir}
			for i := range rounds {
				unlock, err := l.Lock("proj")
				if errors.Is(err, ErrBusy) {
					runtime.Gosched()
					continue
				}
				if err != nil {
					t.Errorf("worker %d round %d: %v", w, i, err)
					return
				}
				n := holders.Add(1)
				for {
					m := most.Load()
					if n <= m || most.CompareAndSwap(m, n) {
						break
					}
				}
				taken.Add(1)
				runtime.Gosched()
				holders.Add(-1)
				unlock()
			}
		}()
	}
	wg.Wait()
	if most.Load() > 1 {
		t.Errorf("%d lockers held the lock at once", most.Load())
	}
	if taken.Load() == 0 {
		t.Error("no locker ever took the lock")
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("the lockers left %v", left)
	}
	t.Logf("the lock was taken %d times out of %d tries", taken.Load(), workers*rounds)
}

// A daemon named after an EKS context (an ARN, with a "/") is locked like
// any other: its name is one file of the lock directory.
func TestALockNameWithASlash(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "locks")
	l := FileLocker{Dir: dir}
	name := "daemon@arn:aws:eks:eu-west-1:123456789012:cluster/dev-default"
	unlock, err := l.Lock(name)
	if err != nil {
		t.Fatalf("lock %q: %v", name, err)
	}
	defer unlock()
	if _, err := l.Lock(name); err == nil {
		t.Errorf("the lock of %q was taken twice", name)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].IsDir() {
		t.Errorf("lock directory holds %v, want one file", entries)
	}
}

// The stamp of the lock directory changes when a lock is taken and when it
// is released, and not when nothing happens; a directory not made yet has
// one stamp until it is.
func TestTheStampChangesWithEveryLockTakenOrReleased(t *testing.T) {
	l := FileLocker{Dir: filepath.Join(t.TempDir(), "locks")}
	before := l.Stamp()
	if again := l.Stamp(); again != before {
		t.Fatalf("the stamp changed with nothing done: %q, then %q", before, again)
	}
	unlock, err := l.Lock("proj")
	if err != nil {
		t.Fatal(err)
	}
	taken := l.Stamp()
	if taken == before {
		t.Errorf("the stamp %q did not change when a lock was taken", taken)
	}
	if again := l.Stamp(); again != taken {
		t.Errorf("the stamp changed while the lock was only held: %q, then %q", taken, again)
	}
	unlock()
	if released := l.Stamp(); released == taken {
		t.Errorf("the stamp %q did not change when the lock was released", released)
	}
}

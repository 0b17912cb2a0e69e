package lifecycle

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestFileLocker(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no advisory locks on Windows: documented limitation")
	}
	dir := filepath.Join(t.TempDir(), "locks")
	l := FileLocker{Dir: dir}
	unlock, err := l.Lock("proj")
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.Lock("proj")
	if !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("second lock: %v", err)
	}
	other, err := l.Lock("other")
	if err != nil {
		t.Fatalf("another project is not locked: %v", err)
	}
	other()
	unlock()
	again, err := l.Lock("proj")
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, "proj.lock"): 0o600} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", path, st.Mode().Perm(), want)
		}
	}
	again()
}

type busyLocker struct{}

func (busyLocker) Lock(string) (func(), error) { return nil, ErrBusy }

func TestUpRefusesABusyProject(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	f.runner.Locker = busyLocker{}
	if err := f.up(t.Context(), true); !errors.Is(err, ErrBusy) {
		t.Fatalf("err = %v", err)
	}
	assertSteps(t, f.j, nil)
}

// down takes the project's lock too: it must not remove what a running
// `up` is creating.
func TestDownRefusesABusyProject(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	f.runner.Locker = busyLocker{}
	if err := f.runner.Down(t.Context(), DownOptions{ProjectName: "proj"}); !errors.Is(err, ErrBusy) {
		t.Fatalf("err = %v", err)
	}
	assertSteps(t, f.j, nil)
}

// A run that waits in vain for another's change of the daemon's DNS
// mappings says that it waited for those, not that someone holds a
// project named daemon@test.
func TestDNSLockTimeoutSaysWhatItWaitedFor(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no advisory locks on Windows: documented limitation")
	}
	f := newFixture(t, projectYAML, v227)
	dir := t.TempDir()
	f.runner.Locker, f.runner.DNSLockWait = FileLocker{Dir: dir}, 300*time.Millisecond
	unlock, err := FileLocker{Dir: dir}.Lock("daemon@test") // another project's up, changing the set
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	err = f.up(t.Context(), true)
	want := "waited 300ms for the DNS mappings of the Telepresence daemon test, which another docker telepresence command (pid " +
		strconv.Itoa(os.Getpid()) + ") is changing"
	if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "project") {
		t.Errorf("err = %v\nwant it to say %q", err, want)
	}
}

package lifecycle

import (
	"errors"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/telepresenceio/docker-telepresence/internal/lock"
)

type busyLocker struct{}

func (busyLocker) Lock(string) (func(), error) { return nil, lock.ErrBusy }

func TestUpRefusesABusyProject(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	f.runner.Locker = busyLocker{}
	if err := f.up(t.Context(), true); !errors.Is(err, lock.ErrBusy) {
		t.Fatalf("err = %v", err)
	}
	assertSteps(t, f.j, nil)
}

// down takes the project's lock too: it must not remove what a running
// `up` is creating.
func TestDownRefusesABusyProject(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	f.runner.Locker = busyLocker{}
	if err := f.runner.Down(t.Context(), DownOptions{ProjectName: "proj"}); !errors.Is(err, lock.ErrBusy) {
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
	f.runner.Locker, f.runner.DNSLockWait = lock.FileLocker{Dir: dir}, 300*time.Millisecond
	unlock, err := lock.FileLocker{Dir: dir}.Lock("daemon@test") // another project's up, changing the set
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

package lifecycle

import (
	"errors"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
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

// journalLocker is a Locker that writes each lock and release on the
// journal, and is busy the first times a name in busy is asked for.
type journalLocker struct {
	j    *steps
	mu   sync.Mutex
	busy map[string]int
}

func (l *journalLocker) Lock(name string) (func(), error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.busy[name] > 0 {
		l.busy[name]--
		return nil, &lock.BusyError{Name: name, PID: "4242"}
	}
	l.j.add("lock %s", name)
	return func() { l.j.add("unlock %s", name) }, nil
}

// The subnets of a project's new networks are chosen under a lock that
// every run making networks takes, from the list of Docker's networks read
// then, and released once Compose has made them, before the containers
// start: two projects started at once never choose the same subnet.
func TestNewNetworksAreMadeUnderTheSubnetsLock(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	f.runner.Locker = &journalLocker{j: f.j, busy: map[string]int{"subnets@docker": 1}}
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	steps := f.j.all()
	at := func(step string) int {
		i := slices.Index(steps, step)
		if i < 0 {
			t.Fatalf("no step %q: %v", step, steps)
		}
		return i
	}
	order := []int{at("lock subnets@docker"), at("compose create api,echo,web"), at("unlock subnets@docker"), at("compose up attached=false watch=false")}
	if !slices.IsSorted(order) {
		t.Errorf("the networks are not made under the lock, before up: %v", steps)
	}
	if !strings.Contains(f.stderr.String(), "for another docker telepresence run to make its networks") {
		t.Errorf("the wait for the other run is not said:\n%s", f.stderr.String())
	}
	if got := f.lastProject().Networks["default"].Ipam.Config; len(got) != 1 {
		t.Errorf("the default network has no subnet of its own: %+v", got)
	}

	// Up again, the networks exist: no lock, one Compose up.
	f.handlersRunning()
	f.j.reset()
	again := f.newRunner()
	again.Locker = f.runner.Locker
	if err := again.Up(t.Context(), UpOptions{Project: f.project, Intent: f.intent, Mode: Detached}); err != nil {
		t.Fatal(err)
	}
	if steps := f.j.all(); slices.Contains(steps, "lock subnets@docker") || slices.ContainsFunc(steps, func(s string) bool { return strings.HasPrefix(s, "compose create") }) {
		t.Errorf("the re-up of a project whose networks exist: %v", steps)
	}
}

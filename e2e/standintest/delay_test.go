package standintest

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/telepresenceio/docker-telepresence/e2e/internal/harness"
	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// siStart starts the stand-in in the background, in its own process group
// (as the plugin's children are), once it has recorded its call.
func siStart(t *testing.T, e *Env, args ...string) (cmd *exec.Cmd, stdout *bytes.Buffer, done chan error) {
	t.Helper()
	calls := len(e.Calls())
	cmd = e.Command(t.Context(), e.StateDir, filepath.Join(harness.BinDir(), "telepresence"), args...)
	stdout = &bytes.Buffer{}
	cmd.Stdout = stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done = make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	eventually(t, patience, "the intercept call is recorded", func() bool { return len(e.Calls()) > calls })
	return cmd, stdout, done
}

// siAwaitExit waits for a background stand-in to end.
func siAwaitExit(t *testing.T, done chan error, what string) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(patience):
		t.Fatalf("after %s: %s", patience, what)
		return nil
	}
}

// A slow intercept (DelayMS) is made by a process of its own: SIGINT to the
// CLI cancels it; SIGKILL leaves it to finish. The test waits on what the
// creator process records (fixture.CreatorEvent), never on the clock.
func TestStandinInterceptDelay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const delay = 2 * time.Second
	e.WriteFixture(Fixture{Intercepts: map[string]InterceptFixture{
		"slow": {DelayMS: int(delay / time.Millisecond)},
		// stuck outlasts every deadline of the test: if it ends, something
		// ended it.
		"stuck": {DelayMS: int(time.Hour / time.Millisecond)},
	}})
	siTP(t, e, "connect", "--docker")
	intercept := func(name string) []string { return []string{"intercept", name, "--port", "8080", "--output", "json"} }

	// While an intercept is being made, the state is not locked: status
	// answers. (Were it locked, status would wait for the hour.)
	cmd, stdout, done := siStart(t, e, intercept("stuck")...)
	if ev := e.AwaitCreator(0, "the creator of stuck starts"); ev.Event != fixture.CreatorWaiting {
		t.Fatalf("creator event %+v, want %s", ev, fixture.CreatorWaiting)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := e.Command(ctx, e.StateDir, filepath.Join(harness.BinDir(), "telepresence"), "status").Run(); err != nil {
		t.Errorf("status while the slow intercept is made: %v; it must not wait for it", err)
	}

	// SIGINT (to the process group, as Ctrl-C does) cancels it: the CLI
	// ends long before the hour, and the creator made nothing.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
	err := siAwaitExit(t, done, "the interrupted intercept did not stop")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(stdout.String(), "canceled") {
		t.Errorf("interrupted intercept: %v, stdout %q; want exit 1 and an error", err, stdout)
	}
	if ev := e.AwaitCreator(1, "the creator of stuck ends"); ev.Event != fixture.CreatorCanceled {
		t.Errorf("the interrupted intercept's creator ended with %+v, want %s", ev, fixture.CreatorCanceled)
	}
	if got := e.ActiveIntercepts(); len(got) != 0 {
		t.Errorf("an interrupted intercept was made: %v", got)
	}

	// Uninterrupted, it takes the delay.
	start := time.Now()
	_, stdout, done = siStart(t, e, intercept("slow")...)
	err = siAwaitExit(t, done, "the slow intercept does not end")
	if err != nil || time.Since(start) < delay || !strings.Contains(stdout.String(), "Intercept name") {
		t.Fatalf("slow intercept: %v after %s: %q", err, time.Since(start), stdout)
	}
	if ev := e.AwaitCreator(3, "the creator of slow ends"); ev.Event != fixture.CreatorMade {
		t.Errorf("the slow intercept's creator ended with %+v, want %s", ev, fixture.CreatorMade)
	}
	siTP(t, e, "leave", "slow")

	// SIGKILL leaves the creator running: the intercept appears anyway. The
	// creator is stopped (SIGSTOP) while the CLI is killed, so that the
	// intercept provably does not exist before the CLI is gone, however
	// slow the machine.
	cmd, _, done = siStart(t, e, intercept("slow")...)
	creator := e.AwaitCreator(4, "the second creator of slow starts")
	if creator.Event != fixture.CreatorWaiting {
		t.Fatalf("creator event %+v, want %s", creator, fixture.CreatorWaiting)
	}
	if err := syscall.Kill(creator.PID, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(creator.PID, syscall.SIGCONT) })
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	if err := <-done; err == nil {
		t.Fatal("the killed intercept exited 0")
	}
	if got := e.ActiveIntercepts(); len(got) != 0 {
		t.Fatalf("the intercept exists before its creator could make it: %v", got)
	}
	if err := syscall.Kill(creator.PID, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if ev := e.AwaitCreator(5, "the killed CLI's creator ends"); ev.Event != fixture.CreatorMade {
		t.Errorf("the killed CLI's creator ended with %+v, want %s", ev, fixture.CreatorMade)
	}
	if got := e.ActiveIntercepts(); !reflect.DeepEqual(got, []string{"slow"}) {
		t.Errorf("after the killed CLI's creator ended: %v, want [slow]", got)
	}
	siTP(t, e, "leave", "slow")
}

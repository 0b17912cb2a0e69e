package e2e

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
)

// siStart starts the stand-in in the background, in its own process group
// (as the plugin's children are), once it has recorded its call.
func siStart(t *testing.T, e *Env, args ...string) (cmd *exec.Cmd, stdout *bytes.Buffer, done chan error) {
	t.Helper()
	calls := len(e.Calls())
	cmd = e.command(context.Background(), e.StateDir, filepath.Join(suite.binDir, "telepresence"), args...)
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

// A slow intercept (DelayMS) is made by a process of its own: SIGINT to the
// CLI cancels it; SIGKILL leaves it to finish.
func TestStandinInterceptDelay(t *testing.T) {
	e := newEnv(t)
	const delay = 2 * time.Second
	e.WriteFixture(Fixture{Intercepts: map[string]InterceptFixture{"slow": {DelayMS: int(delay / time.Millisecond)}}})
	siTP(t, e, "connect", "--docker")
	args := []string{"intercept", "slow", "--port", "8080", "--output", "json"}

	// Uninterrupted, it takes the delay, without holding the state lock.
	start := time.Now()
	_, stdout, done := siStart(t, e, args...)
	ctx, cancel := context.WithTimeout(context.Background(), delay/2)
	defer cancel()
	if err := e.command(ctx, e.StateDir, filepath.Join(suite.binDir, "telepresence"), "status").Run(); err != nil {
		t.Errorf("status while the slow intercept is made: %v; it must not wait for it", err)
	}
	select {
	case err := <-done:
		if err != nil || time.Since(start) < delay || !strings.Contains(stdout.String(), "Intercept name") {
			t.Fatalf("slow intercept: %v after %s: %q", err, time.Since(start), stdout)
		}
	case <-time.After(3 * delay):
		t.Fatal("the slow intercept does not end")
	}
	siTP(t, e, "leave", "slow")

	// SIGINT (to the process group, as Ctrl-C does) cancels it.
	cmd, stdout, done := siStart(t, e, args...)
	time.Sleep(300 * time.Millisecond)
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
	var exit *exec.ExitError
	select {
	case err := <-done:
		if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(stdout.String(), "canceled") {
			t.Errorf("interrupted intercept: %v, stdout %q; want exit 1 and an error", err, stdout)
		}
	case <-time.After(delay / 2):
		t.Fatal("the interrupted intercept did not stop at once")
	}
	time.Sleep(delay)
	if got := e.ActiveIntercepts(); len(got) != 0 {
		t.Errorf("an interrupted intercept was made: %v", got)
	}

	// SIGKILL leaves the creator running: the intercept appears anyway.
	cmd, _, done = siStart(t, e, args...)
	time.Sleep(300 * time.Millisecond)
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	<-done
	if got := e.ActiveIntercepts(); len(got) != 0 {
		t.Fatalf("the intercept exists before its delay: %v", got)
	}
	eventually(t, 2*delay, "the killed CLI's intercept is made", func() bool {
		return reflect.DeepEqual(e.ActiveIntercepts(), []string{"slow"})
	})
}

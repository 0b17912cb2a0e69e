package harness

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// DaemonName is the name of the daemon a plain `connect` gives the Env's
// stand-in: "<context>-default", where the context is the Env's own (see
// NewEnvAt), so that tests running side by side have daemons of their own.
func (e *Env) DaemonName() string {
	return e.kubeContext + "-default"
}

// DaemonContainer is the stand-in daemon's container when no fixture names it.
func (e *Env) DaemonContainer() string {
	return "tp-" + e.DaemonName()
}

// Inspect returns `docker inspect -f format name`, failing the test on error.
func (e *Env) Inspect(format, name string) string {
	e.T.Helper()
	out, err := Docker("inspect", "-f", format, name)
	if err != nil {
		e.T.Fatalf("docker inspect %s: %v", name, err)
	}
	return out
}

// HostPort returns the host port at which a container publishes a TCP
// port on 127.0.0.1 (or on every address), as the engine chose it: the
// tests never name a host port, which another program (or test) could
// hold; they publish on port 0 or an empty one and read the port back.
func (e *Env) HostPort(container string, port int) string {
	e.T.Helper()
	out, err := Docker("port", container, fmt.Sprintf("%d/tcp", port))
	if err != nil {
		e.T.Fatalf("the host port of %s's port %d: %v", container, port, err)
	}
	for _, line := range strings.Split(out, "\n") {
		for _, ip := range []string{"127.0.0.1:", "0.0.0.0:"} {
			if p, ok := strings.CutPrefix(strings.TrimSpace(line), ip); ok && p != "0" {
				return p
			}
		}
	}
	e.T.Fatalf("%s publishes its port %d on no IPv4 host port: %q", container, port, out)
	return ""
}

// Exec runs a shell command in a container and returns its output.
func (e *Env) Exec(container, script string) (string, error) {
	return Docker("exec", container, "sh", "-c", script)
}

// HTTPFrom asks a service, from inside container, over HTTP/1.0 with nc,
// until it answers (a container just started may not listen yet) or
// Patience runs out.
func (e *Env) HTTPFrom(container, host string, port int) (out string, err error) {
	script := fmt.Sprintf(`printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 %s %d`, host, port)
	for deadline := time.Now().Add(Patience); ; time.Sleep(250 * time.Millisecond) {
		out, err = e.Exec(container, script)
		if err == nil && out != "" || time.Now().After(deadline) {
			return out, err
		}
	}
}

// Running reports whether a container exists and runs.
func (e *Env) Running(name string) bool {
	out, err := Docker("inspect", "-f", "{{.State.Running}}", name)
	return err == nil && out == "true"
}

// Patience is the deadline of a condition that normally holds within a
// second or a few (a container starts, a port forward answers, a process
// ends after a signal): generous, so that a loaded 2-core machine cannot
// miss it. Only a broken run waits that long.
const Patience = 90 * time.Second

// Eventually polls cond until it returns true or the timeout passes, and
// then fails the test, saying what did not happen.
func Eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", timeout, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

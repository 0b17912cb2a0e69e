package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// daemonName is the name of the daemon a plain `connect` gives the Env's
// stand-in: "<context>-default", where the context is the Env's own (see
// newEnvAt), so that tests running side by side have daemons of their own.
func (e *Env) daemonName() string {
	return e.kubeContext + "-default"
}

// daemonContainer is the stand-in daemon's container when no fixture names it.
func (e *Env) daemonContainer() string {
	return "tp-" + e.daemonName()
}

// container is the name Compose gives the first container of a service.
func (e *Env) container(service string) string {
	return e.Project + "-" + service + "-1"
}

// inspect returns `docker inspect -f format name`, failing the test on error.
func (e *Env) inspect(format, name string) string {
	e.t.Helper()
	out, err := dockerCmd("inspect", "-f", format, name)
	if err != nil {
		e.t.Fatalf("docker inspect %s: %v", name, err)
	}
	return out
}

// hostPort returns the host port at which a container publishes a TCP
// port on 127.0.0.1 (or on every address), as the engine chose it: the
// tests never name a host port, which another program (or test) could
// hold; they publish on port 0 or an empty one and read the port back.
func (e *Env) hostPort(container string, port int) string {
	e.t.Helper()
	out, err := dockerCmd("port", container, fmt.Sprintf("%d/tcp", port))
	if err != nil {
		e.t.Fatalf("the host port of %s's port %d: %v", container, port, err)
	}
	for _, line := range strings.Split(out, "\n") {
		for _, ip := range []string{"127.0.0.1:", "0.0.0.0:"} {
			if p, ok := strings.CutPrefix(strings.TrimSpace(line), ip); ok && p != "0" {
				return p
			}
		}
	}
	e.t.Fatalf("%s publishes its port %d on no IPv4 host port: %q", container, port, out)
	return ""
}

// exec runs a shell command in a container and returns its output.
func (e *Env) exec(container, script string) (string, error) {
	return dockerCmd("exec", container, "sh", "-c", script)
}

// httpFrom asks a service, from inside container, over HTTP/1.0 with nc,
// until it answers (a container just started may not listen yet) or
// patience runs out.
func (e *Env) httpFrom(container, host string, port int) (out string, err error) {
	script := fmt.Sprintf(`printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 %s %d`, host, port)
	for deadline := time.Now().Add(patience); ; time.Sleep(250 * time.Millisecond) {
		out, err = e.exec(container, script)
		if err == nil && out != "" || time.Now().After(deadline) {
			return out, err
		}
	}
}

// patience is the deadline of a condition that normally holds within a
// second or a few (a container starts, a port forward answers, a process
// ends after a signal): generous, so that a loaded 2-core machine cannot
// miss it. Only a broken run waits that long.
const patience = 90 * time.Second

// eventually polls cond until it returns true or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", timeout, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// startRunning starts `docker telepresence args...` in the background and
// waits until the containers of the services run.
func (e *Env) startRunning(dir string, services []string, args ...string) *Proc {
	e.t.Helper()
	p := e.Start(dir, args...)
	eventually(e.t, patience, fmt.Sprintf("%v run", services), func() bool {
		for _, s := range services {
			if !e.running(e.container(s)) {
				return false
			}
		}
		return true
	})
	return p
}

// running reports whether a container exists and runs.
func (e *Env) running(name string) bool {
	out, err := dockerCmd("inspect", "-f", "{{.State.Running}}", name)
	return err == nil && out == "true"
}

// interceptCalls returns the recorded `intercept` calls.
func (e *Env) interceptCalls() [][]string {
	return e.callsOf("intercept")
}

func (e *Env) callsOf(cmd string) [][]string {
	var out [][]string
	for _, c := range e.Calls() {
		if len(c) > 0 && c[0] == cmd {
			out = append(out, c)
		}
	}
	return out
}

// left returns the names passed to `leave`.
func (e *Env) left() []string {
	var names []string
	for _, c := range e.callsOf("leave") {
		names = append(names, c[1])
	}
	slices.Sort(names)
	return names
}

func (e *Env) assertNoLeftovers() {
	e.t.Helper()
	if left := e.Leftovers(); len(left) > 0 {
		e.t.Errorf("left behind: %s", strings.Join(left, ", "))
	}
}

// ctx bounds one plugin command.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), 3*time.Minute) // also in cleanups, where t.Context has ended
	t.Cleanup(cancel)
	return c
}

// httpd is a handler command: it serves a page made of its environment.
const httpd = `["sh", "-c", "mkdir -p /www && printf 'mode=%s db=%s\\n' \"$$MODE\" \"$$DB_HOST\" > /www/index.html && exec httpd -f -p 8088 -h /www"]`

package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// container is the name Compose gives the first container of a service.
func (e *Env) container(service string) string {
	return e.Project + "-" + service + "-1"
}

// startRunning starts `docker telepresence args...` in the background and
// waits until the containers of the services run.
func (e *Env) startRunning(dir string, services []string, args ...string) *Proc {
	e.T.Helper()
	p := e.Start(dir, args...)
	eventually(e.T, patience, fmt.Sprintf("%v run", services), func() bool {
		for _, s := range services {
			if !e.Running(e.container(s)) {
				return false
			}
		}
		return true
	})
	return p
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

// commands are the telepresence commands called, in order, a status asked
// again right after another counted once: `up` asks for the status as it
// starts, and again once it holds the project's lock when a run took or
// released a lock meanwhile, which the suite's tests, run side by side
// and sharing the lock directory, often do.
func (e *Env) commands() []string {
	var cmds []string
	for _, c := range e.Calls() {
		if len(c) > 0 && (len(cmds) == 0 || c[0] != "status" || cmds[len(cmds)-1] != "status") {
			cmds = append(cmds, c[0])
		}
	}
	return cmds
}

// callsBeyondStatus are the telepresence calls after the first n but
// `status`, which `up` asks as it starts, before it knows whether it will
// run, and which changes nothing.
func (e *Env) callsBeyondStatus(n int) [][]string {
	var out [][]string
	for _, c := range e.Calls()[n:] {
		if len(c) == 0 || c[0] != "status" {
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
	e.T.Helper()
	if left := e.Leftovers(); len(left) > 0 {
		e.T.Errorf("left behind: %s", strings.Join(left, ", "))
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

// mustRunStderr runs `docker telepresence args...`, failing the test on
// error, and returns what it printed on stderr: Compose's progress rows.
func (e *Env) mustRunStderr(t *testing.T, dir string, args ...string) string {
	t.Helper()
	_, stderr, err := e.Run(ctx(t), dir, args...)
	if err != nil {
		t.Fatalf("docker telepresence %s: %v", strings.Join(args, " "), err)
	}
	return stderr
}

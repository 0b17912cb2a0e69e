package e2e

import (
	"slices"
	"strings"
	"testing"
)

// dayProject is a handler that logs its start and serves, a local service
// that depends on a remote postgres, and that remote postgres.
func dayProject(e *Env) string {
	e.WriteFixture(Fixture{
		Intercepts:      map[string]InterceptFixture{"echo-server": {Environment: map[string]string{"MODE": "cluster", "DB_HOST": "psql"}}},
		ClusterServices: []string{"postgres.default"},
	})
	return e.WriteProject(map[string]string{"compose.yaml": `
services:
  echo:
    image: ` + busyboxImage + `
    init: true
    command: ["sh", "-c", "echo handler started; mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8088 -h /www"]
    ports: ["127.0.0.1:0:8088"]
    x-telepresence:
      behavior: interceptHandler
      intercept: {workload: echo-server, port: "8088:http"}
  web:
    image: ` + busyboxImage + `
    init: true
    command: ["sleep", "3600"]
    depends_on: [postgres]
  postgres:
    image: no-such-image-is-ever-pulled:1
    x-telepresence: {behavior: remote}
`})
}

// A day of use, in each model: the Compose commands a user runs all day
// work on the project as up runs it, and say what a user would see.
func TestADayOfUse(t *testing.T) {
	eachModel(t, func(t *testing.T, e *Env) {
		dir := dayProject(e)
		e.MustRun(ctx(t), dir, "up", "-d")
		echo := e.container("echo")

		ps := e.MustRun(ctx(t), dir, "ps", "--format", "{{.Name}} {{.State}}")
		if !strings.Contains(ps, echo+" running") || strings.Contains(ps, "postgres") {
			t.Errorf("ps lists %q; want the running handler and no remote service", ps)
		}
		eventually(t, patience, "logs show the handler's output", func() bool {
			out, _, err := e.Run(ctx(t), dir, "logs", "echo")
			return err == nil && strings.Contains(out, "handler started")
		})
		if _, stderr, err := e.Run(ctx(t), dir, "logs", "postgres"); err == nil || !strings.Contains(stderr, "remote") {
			t.Errorf("logs of the remote service: %v, %q", err, stderr)
		}

		env := e.MustRun(ctx(t), dir, "exec", "-T", "echo", "env")
		assertHas(t, "exec echo env", env, "MODE=cluster", "DB_HOST=psql", "TELEPRESENCE_CONTAINER=echo-server")

		callsBefore := len(e.interceptCalls())
		env = e.MustRun(ctx(t), dir, "run", "--rm", "-T", "echo", "env")
		assertHas(t, "run --rm echo env", env, "MODE=cluster", "DB_HOST=psql", "TELEPRESENCE_CONTAINER=echo-server")
		if e.teleroute() {
			out := e.MustRun(ctx(t), dir, "run", "--rm", "-T", "--no-deps", "web", "sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc postgres 80")
			if !strings.Contains(out, ClusterReply) {
				t.Errorf("a one-off of web does not reach the remote postgres by its name: %q", out)
			}
		} else if mode := e.runNetworkMode(t, dir); mode != "container:"+e.Inspect("{{.Id}}", e.DaemonContainer()) {
			t.Errorf("a one-off of the handler is in network mode %q, not the daemon's namespace", mode)
		}
		if n := len(e.interceptCalls()); n != callsBefore {
			t.Errorf("run made %d attachments", n-callsBefore)
		}
		if left := e.oneOffs(); len(left) != 0 {
			t.Errorf("run --rm left %v", left)
		}

		e.MustRun(ctx(t), dir, "restart", "echo")
		if n := len(e.interceptCalls()); n != callsBefore || !slices.Equal(e.ActiveIntercepts(), []string{"echo-server"}) {
			t.Errorf("restart: %d new attachments, active %v", n-callsBefore, e.ActiveIntercepts())
		}
		if !e.Running(echo) {
			t.Error("restart left the handler stopped")
		}

		e.MustRun(ctx(t), dir, "stop")
		if active := e.ActiveIntercepts(); len(active) != 0 || e.Running(echo) {
			t.Errorf("stop: active %v, handler running %v", active, e.Running(echo))
		}
		e.MustRun(ctx(t), dir, "start")
		if n := len(e.interceptCalls()); n != callsBefore+1 || !slices.Equal(e.ActiveIntercepts(), []string{"echo-server"}) || !e.Running(echo) {
			t.Errorf("start: %d new attachments, active %v, handler running %v", n-callsBefore, e.ActiveIntercepts(), e.Running(echo))
		}
		assertHandlerEnv(t, e, echo, "MODE=cluster", "DB_HOST=psql")

		e.MustRun(ctx(t), dir, "down")
		if left := e.Leftovers(); len(left) != 0 {
			t.Errorf("down left %v", left)
		}
	})
}

// runNetworkMode runs a detached one-off of the handler and reads its
// network mode, then removes it.
func (e *Env) runNetworkMode(t *testing.T, dir string) string {
	t.Helper()
	id := strings.TrimSpace(e.MustRun(ctx(t), dir, "run", "-d", "-T", "--no-deps", "echo", "sleep", "60"))
	defer func() { _, _ = dockerCmd("rm", "-f", id) }()
	return e.Inspect("{{.HostConfig.NetworkMode}}", id)
}

// oneOffs are the one-off containers of the project.
func (e *Env) oneOffs() []string {
	out, _ := dockerCmd("ps", "-aq", "--filter", "label=com.docker.compose.project="+e.Project, "--filter", "label=com.docker.compose.oneoff=True")
	return strings.Fields(out)
}

func assertHas(t *testing.T, what, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !slices.Contains(strings.Fields(out), w) {
			t.Errorf("%s lacks %s:\n%s", what, w, out)
		}
	}
}

// Plain `docker compose` breaks a project docker telepresence runs
// (docs/commands.md says how); `docker telepresence up` afterwards repairs it: the
// handler runs again, with a live attachment that reaches it.
func TestUpRepairsWhatPlainComposeBroke(t *testing.T) {
	e := newEnvAt(t, models[1].release)
	dir := dayProject(e)
	e.MustRun(ctx(t), dir, "up", "-d")
	plain := e.Command(ctx(t), dir, "docker", "compose", "-p", e.Project, "up", "-d", "echo")
	out, err := plain.CombinedOutput()
	t.Logf("$ docker compose -p %s up -d echo -> %v\n%s", e.Project, err, out)
	if err == nil {
		t.Fatalf("plain docker compose up -d echo succeeded: docs/commands.md says it breaks the project")
	}
	e.MustRun(ctx(t), dir, "up", "-d")
	echo := e.container("echo")
	if !e.Running(echo) || !slices.Equal(e.ActiveIntercepts(), []string{"echo-server"}) {
		t.Fatalf("after up: handler running %v, attachments %v", e.Running(echo), e.ActiveIntercepts())
	}
	if got, err := e.sendTraffic("echo-server"); err != nil || got != "ok" {
		t.Errorf("traffic to the repaired handler: %q, %v", got, err)
	}
	e.MustRun(ctx(t), dir, "down")
}

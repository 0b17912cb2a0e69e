package e2e

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// Scenario 1: a handler, a local service and a remote one, `up -d`.
func TestHandlerLocalRemote(t *testing.T) {
	e := newEnv(t)
	e.WriteFixture(Fixture{Intercepts: map[string]InterceptFixture{
		"echo-server": {Environment: map[string]string{"MODE": "cluster", "DB_HOST": "psql"}},
	}})
	dir := e.WriteProject(map[string]string{"compose.yaml": `
services:
  echo:
    image: ` + busyboxImage + `
    init: true
    command: ` + httpd + `
    environment:
      MODE: local
    ports: ["127.0.0.1:18088:8088"]
    x-telepresence:
      behavior: interceptHandler
      intercept:
        workload: echo-server
        port: "8088:http"
        httpHeaders: ["x-dev=alice"]
  web:
    image: ` + busyboxImage + `
    init: true
    command: ["sleep", "3600"]
    depends_on:
      postgres: {condition: service_started}
  postgres:
    image: no-such-image-is-ever-pulled:1
    depends_on: [echo]
    x-telepresence: {behavior: remote}
`})
	e.MustRun(ctx(t), dir, "up", "-d")

	daemonID := e.inspect("{{.Id}}", daemonContainer)
	if mode := e.inspect("{{.HostConfig.NetworkMode}}", e.container("echo")); mode != "container:"+daemonID && mode != "container:"+daemonContainer {
		t.Errorf("handler network mode = %q, want the daemon container %s", mode, daemonContainer)
	}
	env, err := e.exec(e.container("echo"), "env")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"MODE=local", "DB_HOST=psql", "TELEPRESENCE_CONTAINER=echo-server"} {
		if !slices.Contains(strings.Fields(env), want) {
			t.Errorf("handler environment lacks %s:\n%s", want, env)
		}
	}
	if containers := e.ContainersOfProject(); slices.Contains(containers, e.container("postgres")) {
		t.Errorf("the remote service has a container: %v", containers)
	}
	if !e.running(e.container("web")) {
		t.Errorf("the local service that depended on the remote one is not running")
	}
	status, body, err := e.HTTPGet("127.0.0.1:18088", "/")
	if err != nil || status != 200 || body != "mode=local db=psql\n" {
		t.Errorf("GET 127.0.0.1:18088 through the daemon = %d %q, %v", status, body, err)
	}
	var byName string
	eventually(t, 10*time.Second, "web reaches echo by its service name", func() bool {
		byName, _ = e.httpFrom(e.container("web"), "echo", 8088)
		return strings.Contains(byName, "mode=local db=psql")
	})
	calls := e.interceptCalls()
	want := []string{"intercept", "echo-server", "--port", "8088:http", "--http-header", "x-dev=alice", "--detailed-output", "--output", "json"}
	if len(calls) != 1 || !slices.Equal(calls[0], want) {
		t.Errorf("intercept calls = %q, want one %q", calls, want)
	}
	connects := e.callsOf("connect")
	if len(connects) != 1 || !slices.Contains(connects[0], "127.0.0.1:18088:8088") {
		t.Errorf("connect calls = %q, want one exposing 127.0.0.1:18088:8088", connects)
	}
}

// Scenario 2: the pod's volumes through the Telemount driver.
func TestVolumes(t *testing.T) {
	e := newEnv(t)
	e.WriteFixture(Fixture{Intercepts: map[string]InterceptFixture{
		"echo":    {Mounts: []string{"/var/run/secrets/kubernetes.io", "/etc/podinfo"}, MountPort: 34439},
		"mapped":  {Environment: map[string]string{"TELEPRESENCE_CONTAINER": "app"}, Mounts: []string{"/config"}, MountsAsMap: true, MountPort: 4000},
		"nomount": {Mounts: []string{"/secrets"}},
	}})
	dir := e.WriteProject(map[string]string{"compose.yaml": `
services:
  echo:
    image: ` + busyboxImage + `
    init: true
    command: ["sleep", "3600"]
    volumes:
      - local-secrets:/var/run/secrets/kubernetes.io
      - data:/data
    x-telepresence:
      behavior: interceptHandler
      intercept: {port: "8088"}
  mapped:
    image: ` + busyboxImage + `
    init: true
    command: ["sleep", "3600"]
    x-telepresence:
      behavior: interceptHandler
      intercept: {port: "8089"}
  nomount:
    image: ` + busyboxImage + `
    init: true
    command: ["sleep", "3600"]
    x-telepresence:
      behavior: interceptHandler
      intercept: {port: "8090", mount: false}
volumes:
  local-secrets: {}
  data: {}
`})
	e.MustRun(ctx(t), dir, "up", "-d")

	daemonIP := e.inspect(`{{(index .NetworkSettings.Networks "telepresence").IPAddress}}`, daemonContainer)
	files := map[string]string{
		"/var/run/secrets/kubernetes.io/dir":       "/var/run/secrets/kubernetes.io",
		"/var/run/secrets/kubernetes.io/port":      "34439",
		"/var/run/secrets/kubernetes.io/container": "echo",
		"/var/run/secrets/kubernetes.io/host":      daemonIP,
		"/etc/podinfo/dir":                         "/etc/podinfo",
	}
	for path, want := range files {
		if got, err := e.exec(e.container("echo"), "cat "+path); err != nil || got != want {
			t.Errorf("handler %s = %q (%v), want %q", path, got, err, want)
		}
	}
	if got, err := e.exec(e.container("echo"), "echo kept > /data/f && cat /data/f"); err != nil || got != "kept" {
		t.Errorf("the other compose volume does not work: %q %v", got, err)
	}
	if got, err := e.exec(e.container("mapped"), "cat /config/container; echo; cat /config/port"); err != nil || got != "app\n4000" {
		t.Errorf("map-shaped mounts: %q %v", got, err)
	}
	mounts := e.inspect(`{{range .Mounts}}{{.Driver}}:{{.Destination}} {{end}}`, e.container("nomount"))
	if strings.Contains(mounts, telemountDriver) {
		t.Errorf("mount: false still mounted Telemount volumes: %s", mounts)
	}
	telemount, err := dockerCmd("volume", "ls", "-q", "--filter", "driver="+telemountDriver, "--filter", "label=com.docker.compose.project="+e.Project)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Fields(telemount)
	slices.Sort(got)
	want := []string{e.Project + "_app-0", e.Project + "_echo-0", e.Project + "_echo-1"}
	if !slices.Equal(got, want) {
		t.Errorf("Telemount volumes = %v, want %v", got, want)
	}
}

// Scenario 3: a handler on a custom network.
func TestHandlerOnCustomNetwork(t *testing.T) {
	e := newEnv(t)
	dir := e.WriteProject(map[string]string{"compose.yaml": `
services:
  echo:
    image: ` + busyboxImage + `
    init: true
    command: ` + httpd + `
    networks:
      green:
        aliases: [echo-green]
    x-telepresence:
      behavior: interceptHandler
      intercept: {port: "8088", mount: false}
  client:
    image: ` + busyboxImage + `
    init: true
    command: ["sleep", "3600"]
    networks: [green]
networks:
  green: {}
`})
	e.MustRun(ctx(t), dir, "up", "-d")

	network := e.Project + "_green"
	attached := e.inspect(`{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}`, daemonContainer)
	if !slices.Contains(strings.Fields(attached), network) {
		t.Fatalf("the daemon is not attached to %s: %s", network, attached)
	}
	for _, name := range []string{"echo", "echo-green"} {
		out, err := e.httpFrom(e.container("client"), name, 8088)
		if err != nil || !strings.Contains(out, "mode=") {
			t.Errorf("client reaches the handler as %q: %q %v", name, out, err)
		}
	}
}

// Scenario 4: remote services with a DNS mapping, from the file and a flag.
func TestRemoteMapping(t *testing.T) {
	e := newEnv(t)
	dir := e.WriteProject(map[string]string{"compose.yaml": `
x-telepresence: {namespace: default}
services:
  web:
    image: ` + busyboxImage + `
    init: true
    command: ["sleep", "3600"]
    depends_on: [postgres, cache]
  postgres:
    image: never-pulled:1
    x-telepresence:
      behavior: remote
      mapping: {name: psql, namespace: big-data}
  cache:
    image: never-pulled:1
`})
	e.MustRun(ctx(t), dir, "up", "-d", "--remote", "cache=redis")
	got := e.DNSMappings()
	slices.SortFunc(got, func(a, b Mapping) int { return strings.Compare(a.Name, b.Name) })
	want := []Mapping{{Name: "cache", AliasFor: "redis.default"}, {Name: "postgres", AliasFor: "psql.big-data"}}
	if !slices.Equal(got, want) {
		t.Errorf("DNS mappings = %v, want %v", got, want)
	}
	if containers := e.ContainersOfProject(); !slices.Equal(containers, []string{e.container("web")}) {
		t.Errorf("containers = %v, want only web", containers)
	}
}

// handlerProject is a project with one handler and one local service.
func handlerProject(e *Env) string {
	return e.WriteProject(map[string]string{"compose.yaml": `
services:
  echo:
    image: ` + busyboxImage + `
    init: true
    command: ` + httpd + `
    ports: ["127.0.0.1:18089:8088"]
    volumes: [data:/data]
    x-telepresence:
      behavior: interceptHandler
      intercept: {workload: echo-server}
  web:
    image: ` + busyboxImage + `
    init: true
    command: ["sleep", "3600"]
    networks: [default, back]
networks:
  back: {}
volumes:
  data: {}
`})
}

func writeMountFixture(e *Env) {
	e.WriteFixture(Fixture{Intercepts: map[string]InterceptFixture{
		"echo-server": {Mounts: []string{"/var/run/secrets/kubernetes.io"}},
	}})
}

// Scenario 5: `down` in a new process after `up -d`.
func TestDownAfterDetachedUp(t *testing.T) {
	e := newEnv(t)
	writeMountFixture(e)
	dir := handlerProject(e)
	e.MustRun(ctx(t), dir, "up", "-d")
	if len(e.Leftovers()) == 0 {
		t.Fatal("up -d created nothing")
	}
	e.MustRun(ctx(t), dir, "down")
	assertDownLeftOnlyNamedVolume(e)
	if left := e.left(); !slices.Equal(left, []string{"echo-server"}) {
		t.Errorf("left intercepts = %v, want [echo-server]", left)
	}
}

// assertDownLeftOnlyNamedVolume checks what `down` (without -v) leaves: like
// `docker compose down`, only the named volume the compose file declares.
func assertDownLeftOnlyNamedVolume(e *Env) {
	e.t.Helper()
	want := []string{"volume " + e.Project + "_data"}
	if left := e.Leftovers(); !slices.Equal(left, want) {
		e.t.Errorf("after down: %v, want only %v", left, want)
	}
}

// Scenario 5, continued: `down` after the attached `up` was killed.
func TestDownAfterKilledUp(t *testing.T) {
	e := newEnv(t)
	writeMountFixture(e)
	dir := handlerProject(e)
	p := e.startRunning(dir, []string{"echo"}, "up")
	if err := syscall.Kill(-p.Cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.Wait(10 * time.Second)
	if !slices.Equal(e.ActiveIntercepts(), []string{"echo-server"}) {
		t.Fatalf("the killed up should have left its intercept active: %v", e.ActiveIntercepts())
	}
	e.MustRun(ctx(t), dir, "down")
	assertDownLeftOnlyNamedVolume(e)
	if left := e.left(); !slices.Equal(left, []string{"echo-server"}) {
		t.Errorf("left intercepts = %v, want [echo-server]", left)
	}
}

// Scenario 6: attached `up` stopped with Ctrl-C.
func TestAttachedUpInterrupted(t *testing.T) {
	e := newEnv(t)
	writeMountFixture(e)
	dir := handlerProject(e)
	p := e.startRunning(dir, []string{"echo", "web"}, "up")
	start := time.Now()
	if err := p.CtrlC(); err != nil {
		t.Fatal(err)
	}
	err := p.Wait(15 * time.Second)
	var exit *exec.ExitError
	if err != nil && (!errors.As(err, &exit) || exit.ExitCode() != 130) {
		t.Fatalf("attached up after Ctrl-C: %v (want exit 0 or 130)\n%s", err, p.Stderr.String())
	}
	t.Logf("stopped %s after Ctrl-C", time.Since(start).Round(time.Millisecond))
	for _, s := range []string{"echo", "web"} {
		if e.running(e.container(s)) {
			t.Errorf("%s still runs after Ctrl-C", s)
		}
	}
	if active := e.ActiveIntercepts(); len(active) > 0 {
		t.Errorf("intercepts still active after Ctrl-C: %v", active)
	}
}

// watchProject is a handler built from a Dockerfile with a develop.watch sync.
func watchProject(e *Env) string {
	return e.WriteProject(map[string]string{
		"compose.yaml": `
services:
  echo:
    build: ./echo
    init: true
    develop:
      watch:
        - {action: sync, path: ./echo/www, target: /www}
    x-telepresence:
      behavior: interceptHandler
      intercept: {port: "8088", mount: false}
`,
		"echo/Dockerfile":     "FROM " + busyboxImage + "\nCOPY www /www\nCMD [\"httpd\", \"-f\", \"-p\", \"8088\", \"-h\", \"/www\"]\n",
		"echo/www/index.html": "v1\n",
	})
}

// editAndExpect edits the watched file and reports whether the container
// sees the new content within the timeout.
func editAndExpect(t *testing.T, e *Env, dir string, timeout time.Duration) bool {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "echo/www/index.html"), []byte("v2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if out, err := e.exec(e.container("echo"), "cat /www/index.html"); err == nil && out == "v2" {
			return true
		}
		time.Sleep(200 * time.Millisecond)
	}
	return false
}

// Scenario 7: develop.watch syncs an edit into the running handler.
func TestWatch(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		sync bool
	}{
		{"watch command", []string{"watch"}, true},
		{"attached up", []string{"up"}, true},
		{"attached up --no-watch", []string{"up", "--no-watch"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			dir := watchProject(e)
			p := e.startRunning(dir, []string{"echo"}, tc.args...)
			if tc.sync && !p.WaitForOutput("Watch enabled", 30*time.Second) {
				t.Fatalf("watch did not start:\n%s\n%s", p.Stdout.String(), p.Stderr.String())
			}
			timeout := 10 * time.Second
			if !tc.sync {
				timeout = 5 * time.Second // long enough for a sync that should not happen
			}
			if synced := editAndExpect(t, e, dir, timeout); synced != tc.sync {
				t.Errorf("edit synced = %v, want %v", synced, tc.sync)
			}
			if err := p.CtrlC(); err != nil {
				t.Fatal(err)
			}
			_ = p.Wait(15 * time.Second)
		})
	}
}

// Scenario 8: the second of two intercepts fails.
func TestFailureHalfWay(t *testing.T) {
	e := newEnv(t)
	e.WriteFixture(Fixture{Intercepts: map[string]InterceptFixture{
		"beta": {Fail: "workload beta is already intercepted by bob"},
	}})
	dir := e.WriteProject(map[string]string{"compose.yaml": `
services:
  alpha:
    image: ` + busyboxImage + `
    command: ["sleep", "3600"]
    x-telepresence: {behavior: interceptHandler, intercept: {port: "8088"}}
  beta:
    image: ` + busyboxImage + `
    command: ["sleep", "3600"]
    x-telepresence: {behavior: interceptHandler, intercept: {port: "8089"}}
  web:
    image: ` + busyboxImage + `
    command: ["sleep", "3600"]
`})
	_, stderr, err := e.Run(ctx(t), dir, "up", "-d")
	if err == nil {
		t.Fatal("up succeeded although an intercept failed")
	}
	if !strings.Contains(stderr, "workload beta is already intercepted by bob") {
		t.Errorf("stderr does not carry the stand-in's message:\n%s", stderr)
	}
	if got := e.interceptCalls(); len(got) != 2 || got[0][1] != "alpha" || got[1][1] != "beta" {
		t.Errorf("intercept calls = %q", got)
	}
	if left := e.left(); !slices.Equal(left, []string{"alpha"}) {
		t.Errorf("left = %v, want [alpha]", left)
	}
	e.assertNoLeftovers()
}

// Scenario 9: `config` on the example prints YAML Compose accepts.
func TestConfigExample(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(suite.repoRoot, "examples", "echo")
	out, stderr, err := e.Run(ctx(t), dir, "-f", "compose.yaml", "-f", "compose.telepresence.yaml", "config")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "environment and volumes are added") {
		t.Errorf("stderr does not say what is added at up:\n%s", stderr)
	}
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir: dir, ConfigFiles: []types.ConfigFile{{Filename: "config.yaml", Content: []byte(out)}},
	}, func(o *loader.Options) { o.SetProjectName("echo", true) })
	if err != nil {
		t.Fatalf("compose does not accept the config output: %v\n%s", err, out)
	}
	if _, ok := p.Services["postgres"]; ok {
		t.Errorf("the remote service is still there")
	}
	if !strings.HasPrefix(p.Services["echo"].NetworkMode, "container:") {
		t.Errorf("echo network_mode = %q", p.Services["echo"].NetworkMode)
	}
	if _, ok := p.Services["web"].DependsOn["postgres"]; ok {
		t.Errorf("web still depends on the remote service")
	}
	if n := p.Networks["default"]; n.Name != "telepresence" || !bool(n.External) {
		t.Errorf("default network = %+v, want the external telepresence network", n)
	}
	if calls := e.callsOf("intercept"); len(calls) > 0 {
		t.Errorf("config created intercepts: %q", calls)
	}
}

// Bad intent exits non-zero before anything is created, naming the file or
// flag, the service and the key.
func TestBadIntent(t *testing.T) {
	base := `
services:
  echo:
    image: ` + busyboxImage + `
    ports: ["8088:8088"]
  db:
    image: ` + busyboxImage + `
  tool:
    image: ` + busyboxImage + `
`
	for _, tc := range []struct {
		name     string
		override string
		args     []string
		want     []string
	}{
		{"unknown behaviour", `{services: {echo: {x-telepresence: {behavior: sideways}}}}`, nil,
			[]string{"compose.telepresence.yaml", `service "echo"`, "x-telepresence.behavior", `unknown behavior "sideways"`}},
		{"unknown key", `{services: {echo: {x-telepresence: {behavior: interceptHandler, intercept: {prot: 1}}}}}`, nil,
			[]string{"compose.telepresence.yaml", `service "echo"`, "x-telepresence.intercept.prot", "unknown key"}},
		{"mapping on a handler", `{services: {echo: {x-telepresence: {behavior: interceptHandler, mapping: {name: x}}}}}`, nil,
			[]string{"compose.telepresence.yaml", `service "echo"`, "x-telepresence.mapping"}},
		{"handler with network_mode", `{services: {echo: {network_mode: host, x-telepresence: {behavior: interceptHandler}}}}`, nil,
			[]string{"compose.telepresence.yaml", `service "echo"`, "network_mode"}},
		{"remote shared through network_mode", `{services: {db: {x-telepresence: {behavior: remote}}, tool: {network_mode: "service:db"}}}`, nil,
			[]string{"compose.telepresence.yaml", `service "tool"`, "network_mode", `service "db", which is remote`}},
		{"--handler names no service", `{}`, []string{"--handler", "nope"},
			[]string{"--handler", `service "nope"`, "no such service"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			dir := e.WriteProject(map[string]string{"compose.yaml": base, "compose.telepresence.yaml": tc.override})
			args := append([]string{"-f", "compose.yaml", "-f", "compose.telepresence.yaml", "up", "-d"}, tc.args...)
			_, stderr, err := e.Run(ctx(t), dir, args...)
			if err == nil {
				t.Fatal("up accepted bad intent")
			}
			for _, want := range tc.want {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
			if calls := e.Calls(); len(calls) > 0 {
				t.Errorf("telepresence was called: %q", calls)
			}
			e.assertNoLeftovers()
		})
	}
}

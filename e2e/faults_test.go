package e2e

import (
	"errors"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// twoHandlers is a project whose two intercepts are made in order alpha, beta.
func twoHandlers(e *Env) string {
	return e.WriteProject(map[string]string{"compose.yaml": `
services:
  alpha:
    image: ` + busyboxImage + `
    init: true
    command: ["sleep", "3600"]
    x-telepresence: {behavior: interceptHandler, intercept: {port: "8088"}}
  beta:
    image: ` + busyboxImage + `
    init: true
    command: ["sleep", "3600"]
    x-telepresence: {behavior: interceptHandler, intercept: {port: "8089"}}
  web:
    image: ` + busyboxImage + `
    init: true
    command: ["sleep", "3600"]
`})
}

// SIGTERM while the second intercept is in flight undoes what the run did.
func TestSigtermBetweenIntercepts(t *testing.T) {
	e := newEnv(t)
	e.WriteFixture(Fixture{Intercepts: map[string]InterceptFixture{"beta": {DelayMS: 5000}}})
	dir := twoHandlers(e)
	p := e.Start(dir, "up", "-d")
	eventually(t, 60*time.Second, "the second intercept starts", func() bool { return len(e.interceptCalls()) == 2 })
	if err := syscall.Kill(-p.Cmd.Process.Pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(30 * time.Second); err == nil {
		t.Errorf("up interrupted by SIGTERM exited 0")
	}
	if active := e.ActiveIntercepts(); len(active) > 0 {
		t.Errorf("intercepts still active: %v", active)
	}
	if left := e.left(); !slices.Contains(left, "alpha") {
		t.Errorf("alpha was not left: %v", left)
	}
	e.assertNoLeftovers()
	if _, err := dockerCmd("inspect", daemonContainer); err == nil {
		t.Errorf("the daemon this up connected is still there")
	}
}

// A second `up -d` on a project that is up reuses its intercepts and
// recreates nothing.
func TestUpTwiceIsIdempotent(t *testing.T) {
	e := newEnv(t)
	writeMountFixture(e)
	dir := handlerProject(e)
	e.MustRun(ctx(t), dir, "up", "-d")
	before := e.inspect("{{.Id}}", e.container("echo"))
	_, stderr, err := e.Run(ctx(t), dir, "up", "-d")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "Reusing the live intercept echo-server") {
		t.Errorf("the second up did not say it reused the intercept:\n%s", stderr)
	}
	if after := e.inspect("{{.Id}}", e.container("echo")); after != before {
		t.Errorf("the handler was recreated although nothing changed")
	}
	if active := e.ActiveIntercepts(); !slices.Equal(active, []string{"echo-server"}) {
		t.Errorf("active intercepts = %v", active)
	}
	if left := e.left(); len(left) > 0 {
		t.Errorf("the second up left %v", left)
	}
	e.MustRun(ctx(t), dir, "down")
	assertDownLeftOnlyNamedVolume(e)
}

// Two `up` of one project at once: the second is refused, cleanly.
func TestConcurrentUpRefused(t *testing.T) {
	e := newEnv(t)
	writeMountFixture(e)
	dir := handlerProject(e)
	p := e.startRunning(dir, []string{"echo"}, "up")
	calls := len(e.Calls())
	_, stderr, err := e.Run(ctx(t), dir, "up", "-d")
	if err == nil {
		t.Fatal("a second up ran while the first one was attached")
	}
	if !strings.Contains(stderr, "another `docker telepresence up` or `watch` of project") {
		t.Errorf("stderr does not explain:\n%s", stderr)
	}
	if got := len(e.Calls()); got != calls {
		t.Errorf("the refused up called telepresence: %q", e.Calls()[calls:])
	}
	if !e.running(e.container("echo")) {
		t.Errorf("the refused up disturbed the running project")
	}
	_ = p.CtrlC()
	_ = p.Wait(15 * time.Second)
}

// A host port the daemon must publish is taken by another container.
func TestPortInUse(t *testing.T) {
	e := newEnv(t)
	blocker := e.Project + "-blocker"
	if _, err := dockerCmd("run", "-d", "--name", blocker, "--label", "com.docker.compose.project="+e.Project,
		"-p", "127.0.0.1:18091:80", busyboxImage, "sleep", "3600"); err != nil {
		t.Fatal(err)
	}
	dir := e.WriteProject(map[string]string{"compose.yaml": `
services:
  echo:
    image: ` + busyboxImage + `
    command: ["sleep", "3600"]
    ports: ["127.0.0.1:18091:8088"]
    x-telepresence: {behavior: interceptHandler, intercept: {mount: false}}
`})
	_, stderr, err := e.Run(ctx(t), dir, "up", "-d")
	if err == nil {
		t.Fatal("up succeeded although its port is taken")
	}
	if want := "host port 18091, published by an intercept handler, is already in use by container " + blocker; !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
	if _, err := dockerCmd("inspect", daemonContainer); err == nil {
		t.Errorf("the failed connect left the daemon container")
	}
	if containers := e.ContainersOfProject(); !slices.Equal(containers, []string{blocker}) {
		t.Errorf("containers = %v, want only the blocker", containers)
	}
}

// The daemon container disappears while `up` is attached.
func TestDaemonDisappearsWhileAttached(t *testing.T) {
	e := newEnv(t)
	writeMountFixture(e)
	dir := handlerProject(e)
	p := e.startRunning(dir, []string{"web", "echo"}, "up")
	eventually(t, 10*time.Second, "Compose attaches", func() bool { return p.WaitForOutput("Attaching to", 0) })
	if _, err := dockerCmd("rm", "-f", daemonContainer); err != nil {
		t.Fatal(err)
	}
	err := p.Wait(30 * time.Second)
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("attached up did not fail when the daemon went: %v", err)
	}
	if !p.WaitForOutput("stopped while the project ran", time.Second) {
		t.Errorf("no report of the daemon's end:\n%s", p.Stderr.String())
	}
	for _, s := range []string{"echo", "web"} {
		if e.running(e.container(s)) {
			t.Errorf("%s still runs", s)
		}
	}
}

// Telepresence and engine faults: each fails with a clear message and hint,
// and leaves nothing behind.
func TestFaults(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fixture Fixture
		extra   []string
		args    []string
		want    []string
		// wantLeft are the intercepts the failed up must have left.
		wantLeft []string
	}{
		{name: "telepresence not installed", args: []string{"--telepresence", "/nonexistent/telepresence"},
			want: []string{"telepresence is not installed", "telepresence.io"}},
		{name: "status is not JSON", fixture: Fixture{StatusOutput: "Daemon: Running (v2.19)"},
			want: []string{"cannot read its JSON output", "Telepresence 2.20 or newer"}},
		{name: "connected without --docker", fixture: Fixture{NonDocker: true},
			want: []string{"telepresence status: the Telepresence daemon runs on this host, not in a container", "telepresence quit", "telepresence connect --docker"}},
		{name: "connect fails", fixture: Fixture{ConnectFail: "unable to reach the cluster"},
			want: []string{"connecting Telepresence", "unable to reach the cluster"}},
		{name: "intercept conflict", fixture: Fixture{Intercepts: map[string]InterceptFixture{"beta": {Fail: "intercept beta already exists"}}},
			want:     []string{`service "beta": intercepting workload "beta"`, "already exists", "another project or user intercepts"},
			wantLeft: []string{"alpha"}},
		{name: "intercept times out", fixture: Fixture{Intercepts: map[string]InterceptFixture{"alpha": {DelayMS: 20000}}},
			args: []string{"--telepresence-timeout", "2s"}, want: []string{"no answer after 2s", "--telepresence-timeout"}},
		{name: "engine unreachable", extra: []string{"DOCKER_HOST=unix:///nonexistent/docker.sock"},
			want: []string{"unix:///nonexistent/docker.sock", "is Docker running?"}},
		{name: "Telemount plugin cannot be installed", extra: []string{"DOCKER_TELEPRESENCE_VOLUME_DRIVER="},
			want: []string{"installing the Telemount volume plugin datawire/telemount:", "mount: false"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.WriteFixture(tc.fixture)
			e.Extra = tc.extra
			dir := twoHandlers(e)
			start := time.Now()
			_, stderr, err := e.Run(ctx(t), dir, append(tc.args, "up", "-d")...)
			if err == nil {
				t.Fatal("up succeeded")
			}
			for _, want := range tc.want {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
			t.Logf("failed after %s", time.Since(start).Round(time.Millisecond))
			e.Extra = nil // the cleanup needs the engine
			if active := e.ActiveIntercepts(); len(active) > 0 {
				t.Errorf("intercepts left active: %v", active)
			}
			if left := e.left(); tc.wantLeft != nil && !slices.Equal(left, tc.wantLeft) {
				t.Errorf("left = %v, want %v", left, tc.wantLeft)
			}
			e.assertNoLeftovers()
		})
	}
}

// A second Ctrl-C forces the exit at once, even while the first one's undo
// would still wait for an intercept.
func TestSecondCtrlCForcesExit(t *testing.T) {
	e := newEnv(t)
	e.WriteFixture(Fixture{Intercepts: map[string]InterceptFixture{"alpha": {DelayMS: 20000}}})
	dir := twoHandlers(e)
	p := e.Start(dir, "up", "-d")
	eventually(t, 60*time.Second, "the intercept starts", func() bool { return len(e.interceptCalls()) == 1 })
	_ = p.CtrlC()
	time.Sleep(100 * time.Millisecond)
	_ = p.CtrlC()
	start := time.Now()
	err := p.Wait(10 * time.Second)
	var exit *exec.ExitError
	// The first Ctrl-C alone would end the run with exit 1 once its undo is
	// done; 130 and the reminder come from the second.
	if !errors.As(err, &exit) || exit.ExitCode() != 130 {
		t.Fatalf("up after two Ctrl-C: %v, want exit status 130\n%s", err, p.Stderr.String())
	}
	if !strings.Contains(p.Stderr.String(), "Forced exit: run `docker telepresence down`") {
		t.Errorf("no reminder to run down:\n%s", p.Stderr.String())
	}
	t.Logf("exited %s after the second Ctrl-C with %v", time.Since(start).Round(time.Millisecond), err)
}

// `config` on a running project shows the pod environment masked, unless
// --show-env.
func TestConfigMasksThePodEnvironment(t *testing.T) {
	e := newEnv(t)
	e.WriteFixture(Fixture{Intercepts: map[string]InterceptFixture{
		"echo-server": {Environment: map[string]string{"DB_PASSWORD": "s3cret"}},
	}})
	dir := handlerProject(e)
	e.MustRun(ctx(t), dir, "up", "-d")
	masked := e.MustRun(ctx(t), dir, "config")
	if strings.Contains(masked, "s3cret") || !strings.Contains(masked, "DB_PASSWORD: '********'") {
		t.Errorf("config does not mask the pod environment:\n%s", masked)
	}
	if shown := e.MustRun(ctx(t), dir, "config", "--show-env"); !strings.Contains(shown, "DB_PASSWORD: s3cret") {
		t.Errorf("config --show-env does not show it:\n%s", shown)
	}
}

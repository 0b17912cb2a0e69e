package e2e

import (
	"errors"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

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
	if !strings.Contains(stderr, "holds project") {
		t.Errorf("stderr does not explain:\n%s", stderr)
	}
	if got := e.callsBeyondStatus(calls); len(got) > 0 {
		t.Errorf("the refused up called telepresence: %q", got)
	}
	if !e.Running(e.container("echo")) {
		t.Errorf("the refused up disturbed the running project")
	}
	_ = p.CtrlC()
	_ = p.Wait(patience)
}

// A host port the handler publishes is taken by another container: the
// daemon cannot publish it (netns), Compose cannot (Teleroute); either way
// the user is told, and nothing is left.
func TestPortInUse(t *testing.T) {
	eachModel(t, func(t *testing.T, e *Env) {
		// The blocker takes a port the engine chooses, so no other program
		// holds it; the project then asks for that very port.
		blocker := e.Project + "-blocker" // not the project's: a failed first up removes all of the project
		if _, err := dockerCmd("run", "-d", "--name", blocker, "--label", daemonLabel,
			"-p", "127.0.0.1::80", busyboxImage, "sleep", "3600"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _, _ = dockerCmd("rm", "-f", blocker) })
		taken := e.HostPort(blocker, 80)
		dir := e.WriteProject(map[string]string{"compose.yaml": `
services:
  echo:
    image: ` + busyboxImage + `
    command: ["sleep", "3600"]
    ports: ["127.0.0.1:` + taken + `:8088"]
    x-telepresence: {behavior: interceptHandler, intercept: {mount: false}}
`})
		_, stderr, err := e.Run(ctx(t), dir, "up", "-d")
		if err == nil {
			t.Fatal("up succeeded although its port is taken")
		}
		want := "host port " + taken + ", published by an intercept handler, is already in use by container " + blocker
		if e.teleroute() {
			want = taken
		}
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
		if _, err := dockerCmd("inspect", e.DaemonContainer()); err == nil {
			t.Errorf("the failed up left the daemon container it connected")
		}
		e.assertNoLeftovers()
		if active := e.ActiveIntercepts(); len(active) > 0 {
			t.Errorf("intercepts left: %v", active)
		}
	})
}

// The daemon container disappears while `up` is attached.
func TestDaemonDisappearsWhileAttached(t *testing.T) {
	eachModel(t, func(t *testing.T, e *Env) {
		writeMountFixture(e)
		dir := handlerProject(e)
		p := e.startRunning(dir, []string{"web", "echo"}, "up")
		eventually(t, patience, "Compose attaches", func() bool { return p.WaitForOutput("Attaching to", 0) })
		if _, err := dockerCmd("rm", "-f", e.DaemonContainer()); err != nil {
			t.Fatal(err)
		}
		err := p.Wait(patience)
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("attached up did not fail when the daemon went: %v", err)
		}
		if !p.WaitForOutput("stopped while the project ran", time.Second) {
			t.Errorf("no report of the daemon's end:\n%s", p.Stderr.String())
		}
		for _, s := range []string{"echo", "web"} {
			if e.Running(e.container(s)) {
				t.Errorf("%s still runs", s)
			}
		}
	})
}

// Telepresence and engine faults: each fails with a clear message and hint,
// and leaves nothing behind.
func TestFaults(t *testing.T) {
	parallel(t) // each subtest has an Env of its own
	for _, m := range models {
		for _, tc := range []faultCase{
			{name: "telepresence not installed", args: []string{"--telepresence", "/nonexistent/telepresence"},
				want: []string{"telepresence is not installed", "telepresence.io"}},
			{name: "status is not JSON", fixture: Fixture{StatusOutput: "Daemon: Running (v2.19)"},
				want: []string{"cannot read its JSON output", "Telepresence 2.20 or newer"}},
			{name: "connect fails", fixture: Fixture{ConnectFail: "unable to reach the cluster"},
				want: []string{"connecting Telepresence", "unable to reach the cluster"}},
			{name: "intercept conflict", fixture: Fixture{Intercepts: map[string]InterceptFixture{"beta": {Fail: `Intercept with name "beta" already exists`}}},
				want:     []string{`service "beta": intercept of workload "beta"`, "already exists", "another project or user has"},
				wantLeft: []string{"alpha"}},
			{name: "intercept times out", fixture: Fixture{Intercepts: map[string]InterceptFixture{"alpha": {DelayMS: 20000}}},
				args: []string{"--telepresence-timeout", "2s"}, want: []string{"no answer after 2s", "--telepresence-timeout"}},
			{name: "engine unreachable", extra: []string{"DOCKER_HOST=unix:///nonexistent/docker.sock"},
				want: []string{"unix:///nonexistent/docker.sock", "is Docker running?"}},
		} {
			t.Run(m.name+"/"+tc.name, func(t *testing.T) { runFault(t, m, tc) })
		}
	}
}

// The Telemount plugin cannot be installed, and a handler asks for the
// pod's volumes (mount: true). Alone: it disables the plugin every test
// uses.
func TestFaultTelemountCannotBeInstalled(t *testing.T) {
	tc := faultCase{name: "Telemount plugin cannot be installed, and mount: true", setup: disableTelemount, mountTrue: true, alone: true,
		fixture: Fixture{Intercepts: map[string]InterceptFixture{"alpha": {Mounts: []string{"/s"}}}},
		want:    []string{"installing the Telemount volume plugin ghcr.io/telepresenceio/telemount:", "which the pod's volumes of alpha need", "remove `mount: true`"}}
	for _, m := range models {
		t.Run(m.name, func(t *testing.T) { runFault(t, m, tc) })
	}
}

// faultCase is an up that must fail, say why, and leave nothing.
type faultCase struct {
	name    string
	fixture Fixture
	extra   []string
	args    []string
	setup   func(t *testing.T)
	want    []string
	// wantLeft are the intercepts the failed up must have left.
	wantLeft []string
	// mountTrue makes alpha ask for the pod's volumes (mount: true).
	mountTrue bool
	// alone runs the case apart from every other test.
	alone bool
}

func runFault(t *testing.T, m model, tc faultCase) {
	newEnvAt := newEnvAt
	if tc.alone {
		newEnvAt = newSerialEnvAt
	}
	e := newEnvAt(t, m.release)
	e.WriteFixture(tc.fixture)
	if tc.setup != nil {
		tc.setup(t)
	}
	e.Extra = tc.extra
	dir := twoHandlers(e)
	if tc.mountTrue {
		withMount := strings.Replace(twoHandlersYAML, `intercept: {port: "8088"}`, `intercept: {port: "8088", mount: true}`, 1)
		if withMount == twoHandlersYAML {
			t.Fatal("twoHandlersYAML changed: alpha's intercept is no longer where mountTrue looks for it")
		}
		e.WriteProjectIn(dir, map[string]string{"compose.yaml": withMount})
	}
	_, stderr, err := e.Run(ctx(t), dir, append(tc.args, "up", "-d")...)
	if err == nil {
		t.Fatal("up succeeded")
	}
	for _, want := range tc.want {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	e.Extra = nil // the cleanup needs the engine
	if active := e.ActiveIntercepts(); len(active) > 0 {
		t.Errorf("intercepts left active: %v", active)
	}
	if left := e.left(); tc.wantLeft != nil && !slices.Equal(left, tc.wantLeft) {
		t.Errorf("left = %v, want %v", left, tc.wantLeft)
	}
	e.assertNoLeftovers()
}

// disableTelemount takes the stand-in Telemount plugin away for one test,
// so that the plugin finds none that Telepresence installed.
func disableTelemount(t *testing.T) {
	if _, err := dockerCmd("plugin", "disable", telemountDriver); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = dockerCmd("plugin", "enable", telemountDriver) })
}

// A second Ctrl-C forces the exit at once, even while the first one's undo
// still runs.
func TestSecondCtrlCForcesExit(t *testing.T) {
	e := newEnv(t)
	e.WriteFixture(Fixture{Intercepts: map[string]InterceptFixture{"alpha": {DelayMS: 20000}}})
	dir := twoHandlers(e)
	p := e.Start(dir, "up", "-d")
	if ev := e.AwaitCreator(0, "the intercept of alpha is being made"); ev.Event != fixture.CreatorWaiting {
		t.Fatalf("creator event %+v, want %s", ev, fixture.CreatorWaiting)
	}
	// With the stand-in's lock held, the undo the first Ctrl-C starts
	// records its next telepresence call and then waits: the second Ctrl-C
	// comes while that undo provably runs, however fast or slow the machine.
	unlock := e.LockStandin()
	defer unlock()
	calls := len(e.Calls())
	_ = p.CtrlC()
	eventually(t, patience, "the first Ctrl-C's undo calls telepresence", func() bool { return len(e.Calls()) > calls })
	_ = p.CtrlC()
	err := p.Wait(patience)
	var exit *exec.ExitError
	// The first Ctrl-C alone would end the run with exit 1 once its undo is
	// done; 130 and the reminder come from the second.
	if !errors.As(err, &exit) || exit.ExitCode() != 130 {
		t.Fatalf("up after two Ctrl-C: %v, want exit status 130\n%s", err, p.Stderr.String())
	}
	if !strings.Contains(p.Stderr.String(), "Forced exit: run `docker telepresence down`") {
		t.Errorf("no reminder to run down:\n%s", p.Stderr.String())
	}
}

// `config` on a running project shows the pod environment masked, unless
// --show-env.
func TestConfigMasksThePodEnvironment(t *testing.T) {
	eachModel(t, func(t *testing.T, e *Env) {
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
	})
}

package e2e

import (
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// twoHandlers is a project whose two intercepts are made in order alpha, beta.
func twoHandlers(e *Env) string {
	return e.WriteProject(map[string]string{"compose.yaml": twoHandlersYAML})
}

var twoHandlersYAML = `
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
`

// A second `up -d` on a project that is up reuses its intercepts and
// recreates nothing, asking Telepresence only for its status.
func TestUpTwiceIsIdempotent(t *testing.T) {
	eachModel(t, func(t *testing.T, e *Env) {
		writeMountFixture(e)
		dir := handlerProject(e)
		e.MustRun(ctx(t), dir, "up", "-d")
		before := e.Inspect("{{.Id}}", e.container("echo"))
		calls := len(e.Calls())
		_, stderr, err := e.Run(ctx(t), dir, "up", "-d")
		if err != nil {
			t.Fatal(err)
		}
		// It asks Telepresence nothing but status.
		for _, c := range e.Calls()[calls:] {
			if len(c) == 0 || c[0] != "status" {
				t.Errorf("the second up called telepresence %q", c)
			}
		}
		if !strings.Contains(stderr, "Intercept echo-server Running reused by service echo") {
			t.Errorf("the second up did not say it reused the intercept:\n%s", stderr)
		}
		if after := e.Inspect("{{.Id}}", e.container("echo")); after != before {
			t.Errorf("the handler was recreated although nothing changed")
		}
		if active := e.ActiveIntercepts(); !slices.Equal(active, []string{"echo-server"}) {
			t.Errorf("active intercepts = %v", active)
		}
		if left := e.left(); len(left) > 0 {
			t.Errorf("the second up left %v", left)
		}
	})
}

// An intercept made with one request is replaced, not reused, when the
// project asks for another: a handler given another port gets its traffic
// there.
func TestUpAgainWithAnotherPortReplacesTheIntercept(t *testing.T) {
	eachModel(t, func(t *testing.T, e *Env) {
		project := func(port string) map[string]string {
			return map[string]string{"compose.yaml": `
services:
  echo:
    image: ` + busyboxImage + `
    init: true
    command: ["sh", "-c", "mkdir -p /www && echo port-` + port + ` > /www/index.html && exec httpd -f -p ` + port + ` -h /www"]
    x-telepresence: {behavior: interceptHandler, intercept: {workload: echo-server, port: "` + port + `", mount: false}}
`}
		}
		dir := e.WriteProject(project("8088"))
		e.MustRun(ctx(t), dir, "up", "-d")
		e.WriteProjectIn(dir, project("9090"))
		_, stderr, err := e.Run(ctx(t), dir, "up", "-d")
		if err != nil {
			t.Fatal(err)
		}
		if want := `Intercept echo-server Leaving service echo: it was created with ports "8088", now "9090"`; !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
		if calls := e.interceptCalls(); len(calls) != 2 || calls[1][3] != "9090" {
			t.Errorf("intercept calls = %q", calls)
		}
		if got, err := e.sendTraffic("echo-server"); err != nil || got != "port-9090" {
			t.Errorf("traffic reaches %q, %v; want the handler on its new port", got, err)
		}
	})
}

// After `telepresence quit` and a reconnect, `up -d` puts the handler on
// the new daemon: it does not keep the namespace (netns) or the network
// (Teleroute) of the daemon that is gone.
func TestHandlersFollowARestartedDaemon(t *testing.T) {
	eachModel(t, func(t *testing.T, e *Env) {
		dir := e.WriteProject(map[string]string{"compose.yaml": `
services:
  echo:
    image: ` + busyboxImage + `
    init: true
    command: ` + httpd + `
    x-telepresence: {behavior: interceptHandler, intercept: {port: "8088", mount: false}}
`})
		e.MustRun(ctx(t), dir, "up", "-d")
		before := e.Inspect("{{.Id}}", e.container("echo"))
		for _, args := range [][]string{{"quit"}, {"connect", "--docker"}} {
			if _, _, err := e.Telepresence(args...); err != nil {
				t.Fatal(err)
			}
		}
		e.MustRun(ctx(t), dir, "up", "-d")
		// netns: the handler joins the new container's namespace, so it is
		// recreated. (Teleroute: Telepresence reattaches the network's
		// containers when it recreates the network.)
		if after := e.Inspect("{{.Id}}", e.container("echo")); !e.teleroute() && after == before {
			t.Errorf("the handler was kept in the old daemon's namespace")
		}
		if got, err := e.sendTraffic("echo"); err != nil || !strings.HasPrefix(got, "mode=") {
			t.Errorf("traffic from the new daemon = %q, %v", got, err)
		}
	})
}

// SIGTERM while the second intercept is in flight undoes what the run did.
func TestSigtermBetweenIntercepts(t *testing.T) {
	eachModel(t, func(t *testing.T, e *Env) {
		e.WriteFixture(Fixture{Intercepts: map[string]InterceptFixture{"beta": {DelayMS: 5000}}})
		dir := twoHandlers(e)
		p := e.Start(dir, "up", "-d")
		eventually(t, patience, "the second intercept starts", func() bool { return len(e.interceptCalls()) == 2 })
		if err := syscall.Kill(-p.Cmd.Process.Pid, syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := p.Wait(patience); err == nil {
			t.Errorf("up interrupted by SIGTERM exited 0")
		}
		if active := e.ActiveIntercepts(); len(active) > 0 {
			t.Errorf("intercepts still active: %v", active)
		}
		if left := e.left(); !slices.Contains(left, "alpha") {
			t.Errorf("alpha was not left: %v", left)
		}
		e.assertNoLeftovers()
		if _, err := dockerCmd("inspect", e.DaemonContainer()); err == nil {
			t.Errorf("the daemon this up connected is still there")
		}
	})
}

// Ctrl-C while `telepresence intercept` runs interrupts it (SIGINT), so it
// ends what it was doing; killing it instead would leave the daemon to
// create the intercept after the undo had left it: an orphan no `down`
// finds. The stand-in's slow intercept is created by a process of its own,
// as the real daemon creates it.
func TestCtrlCDuringASlowInterceptLeavesNoOrphan(t *testing.T) {
	eachModel(t, func(t *testing.T, e *Env) {
		const delay = 3 * time.Second
		e.WriteFixture(Fixture{Intercepts: map[string]InterceptFixture{"alpha": {DelayMS: int(delay / time.Millisecond)}}})
		// The user's daemon: the undo does not quit it, so an intercept made
		// after the undo would stay.
		if _, _, err := e.Telepresence("connect", "--docker"); err != nil {
			t.Fatal(err)
		}
		dir := twoHandlers(e)
		p := e.Start(dir, "up", "-d")
		// Ctrl-C once the intercept is being made (its creator waits).
		if ev := e.AwaitCreator(0, "the intercept of alpha is being made"); ev.Event != fixture.CreatorWaiting {
			t.Fatalf("creator event %+v, want %s", ev, fixture.CreatorWaiting)
		}
		if err := p.CtrlC(); err != nil {
			t.Fatal(err)
		}
		if err := p.Wait(patience); err == nil {
			t.Errorf("up interrupted by Ctrl-C exited 0")
		}
		// No sleep past the delay: the creator records how it ended, and
		// only it could still make the intercept. Interrupted, it ends at
		// once, canceled; had the CLI been killed, it would make the
		// intercept once the delay is over, and the check below would see
		// the orphan.
		if ev := e.AwaitCreator(1, "the creator of alpha ends"); ev.Event != fixture.CreatorCanceled {
			t.Errorf("the creator of alpha ended with %+v, want %s", ev, fixture.CreatorCanceled)
		}
		if active := e.ActiveIntercepts(); len(active) > 0 {
			t.Errorf("orphan intercepts: %v", active)
		}
		e.assertNoLeftovers()
	})
}

// down takes the project's lock: while an attached up runs, it refuses
// and says why, and the up goes on.
func TestDownRefusedWhileUpRuns(t *testing.T) {
	e := newEnv(t)
	dir := handlerProject(e)
	p := e.startRunning(dir, []string{"echo"}, "up")
	_, stderr, err := e.Run(ctx(t), dir, "down")
	if err == nil || !strings.Contains(stderr, "holds project") || !strings.Contains(stderr, "Ctrl-C") {
		t.Errorf("down while up runs: %v\n%s", err, stderr)
	}
	if !e.Running(e.container("echo")) {
		t.Errorf("the refused down disturbed the running project")
	}
	_ = p.CtrlC()
	_ = p.Wait(patience)
}

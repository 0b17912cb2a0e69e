package e2e

import (
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

	"github.com/telepresenceio/docker-telepresence/e2e/internal/harness"
)

// handlerProject is a project with one handler and one local service. Its
// named volume data stays after `down`, as Compose's does.
func handlerProject(e *Env) string {
	e.AllowLeft("volume " + e.Project + "_data")
	return e.WriteProject(map[string]string{"compose.yaml": `
services:
  echo:
    image: ` + busyboxImage + `
    init: true
    command: ` + httpd + `
    ports: ["127.0.0.1:0:8088"]
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
	eachModel(t, func(t *testing.T, e *Env) {
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
	})
}

// assertDownLeftOnlyNamedVolume checks what `down` (without -v) leaves: like
// `docker compose down`, only the named volume the compose file declares.
func assertDownLeftOnlyNamedVolume(e *Env) {
	e.T.Helper()
	want := []string{"volume " + e.Project + "_data"}
	if left := e.Leftovers(); !slices.Equal(left, want) {
		e.T.Errorf("after down: %v, want only %v", left, want)
	}
}

// Scenario 5, continued: `down` after the attached `up` was killed.
func TestDownAfterKilledUp(t *testing.T) {
	eachModel(t, func(t *testing.T, e *Env) {
		writeMountFixture(e)
		dir := handlerProject(e)
		p := e.startRunning(dir, []string{"echo"}, "up")
		if err := syscall.Kill(-p.Cmd.Process.Pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = p.Wait(patience)
		if !slices.Equal(e.ActiveIntercepts(), []string{"echo-server"}) {
			t.Fatalf("the killed up should have left its intercept active: %v", e.ActiveIntercepts())
		}
		e.MustRun(ctx(t), dir, "down")
		assertDownLeftOnlyNamedVolume(e)
		if left := e.left(); !slices.Equal(left, []string{"echo-server"}) {
			t.Errorf("left intercepts = %v, want [echo-server]", left)
		}
	})
}

// `down` works when the intercept already ended in the cluster, whatever
// the release says about it (errors.txt).
func TestDownAfterTheInterceptVanished(t *testing.T) {
	eachModel(t, func(t *testing.T, e *Env) {
		writeMountFixture(e)
		dir := handlerProject(e)
		e.MustRun(ctx(t), dir, "up", "-d")
		if _, _, err := e.Telepresence("standin-vanish", "echo-server"); err != nil {
			t.Fatal(err)
		}
		e.MustRun(ctx(t), dir, "down")
		assertDownLeftOnlyNamedVolume(e)
	})
}

// Scenario 6: attached `up` stopped with Ctrl-C.
func TestAttachedUpInterrupted(t *testing.T) {
	eachModel(t, func(t *testing.T, e *Env) {
		writeMountFixture(e)
		dir := handlerProject(e)
		p := e.startRunning(dir, []string{"echo", "web"}, "up")
		if err := p.CtrlC(); err != nil {
			t.Fatal(err)
		}
		err := p.Wait(patience)
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 130 || !strings.Contains(p.Stderr.String(), "Interrupted: the project is stopped and its attachments ended") {
			t.Fatalf("attached up after Ctrl-C: %v (want exit 130, saying what it did)\n%s", err, p.Stderr.String())
		}
		for _, s := range []string{"echo", "web"} {
			if e.Running(e.container(s)) {
				t.Errorf("%s still runs after Ctrl-C", s)
			}
		}
		if active := e.ActiveIntercepts(); len(active) > 0 {
			t.Errorf("intercepts still active after Ctrl-C: %v", active)
		}
	})
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
	if err := os.WriteFile(filepath.Join(dir, "echo", "www", "index.html"), []byte("v2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if out, err := e.Exec(e.container("echo"), "cat /www/index.html"); err == nil && out == "v2" {
			return true
		}
		time.Sleep(200 * time.Millisecond)
	}
	return false
}

// Scenario 7: develop.watch syncs an edit into the running handler.
func TestWatch(t *testing.T) {
	parallel(t) // each subtest has an Env of its own
	for _, m := range models {
		for _, tc := range []struct {
			name string
			args []string
			sync bool
		}{
			{"watch command", []string{"watch"}, true},
			{"attached up", []string{"up"}, true},
			{"attached up --no-watch", []string{"up", "--no-watch"}, false},
		} {
			t.Run(m.name+"/"+tc.name, func(t *testing.T) {
				e := newEnvAt(t, m.release)
				dir := watchProject(e)
				p := e.startRunning(dir, []string{"echo"}, tc.args...)
				if tc.sync && !p.WaitForOutput("Watch enabled", patience) {
					t.Fatalf("watch did not start:\n%s\n%s", p.Stdout.String(), p.Stderr.String())
				}
				// A sync that must happen may take patience. One that must
				// not cannot be waited for: 5 s is far longer than a sync
				// takes when watch runs. A loaded machine can only make
				// this check miss a wrong sync, never fail a right run; and
				// the output must not say that watch started at all.
				timeout := patience
				if !tc.sync {
					timeout = 5 * time.Second
				}
				if synced := editAndExpect(t, e, dir, timeout); synced != tc.sync {
					t.Errorf("edit synced = %v, want %v", synced, tc.sync)
				}
				if !tc.sync && p.WaitForOutput("Watch enabled", 0) {
					t.Errorf("watch started although --no-watch:\n%s", p.Stdout.String())
				}
				if err := p.CtrlC(); err != nil {
					t.Fatal(err)
				}
				_ = p.Wait(patience)
			})
		}
	}
}

// `watch` on a project with nothing to watch refuses before anything is
// created, as `docker compose watch` does.
func TestWatchRefusesANothingToWatchProject(t *testing.T) {
	e := newEnv(t)
	_, stderr, err := e.Run(ctx(t), handlerProject(e), "watch")
	if err == nil || !strings.Contains(stderr, "none of the selected services is configured for watch") {
		t.Fatalf("watch: %v\n%s", err, stderr)
	}
	if calls := e.callsBeyondStatus(0); len(calls) > 0 {
		t.Errorf("telepresence was called: %q", calls)
	}
	e.assertNoLeftovers()
}

// Scenario 8: one of two intercepts fails.
func TestFailureHalfWay(t *testing.T) {
	eachModel(t, func(t *testing.T, e *Env) {
		e.WriteFixture(Fixture{Intercepts: map[string]InterceptFixture{
			"beta": {Fail: "workload beta is already intercepted by bob"},
		}})
		dir := twoHandlers(e)
		_, stderr, err := e.Run(ctx(t), dir, "up", "-d")
		if err == nil {
			t.Fatal("up succeeded although an intercept failed")
		}
		if !strings.Contains(stderr, "workload beta is already intercepted by bob") {
			t.Errorf("stderr does not carry the stand-in's message:\n%s", stderr)
		}
		// The intercepts are made at once: beta's refusal interrupts alpha,
		// which may be made or not yet asked for; either way it is left.
		var asked []string
		for _, c := range e.interceptCalls() {
			asked = append(asked, c[1])
		}
		if !slices.Contains(asked, "beta") || len(asked) > 2 {
			t.Errorf("intercepts asked for: %q", asked)
		}
		if left := e.left(); !slices.Equal(left, []string{"alpha"}) {
			t.Errorf("left = %v, want [alpha]", left)
		}
		e.assertNoLeftovers()
	})
}

// Scenario 9: `config` on the example prints YAML Compose accepts, in the
// model of the installed Telepresence, and says so.
func TestConfigExample(t *testing.T) {
	eachModel(t, func(t *testing.T, e *Env) {
		dir := filepath.Join(harness.RepoRoot(), "examples", "echo")
		out, stderr, err := e.Run(ctx(t), dir, "-f", "compose.yaml", "-f", "compose.telepresence.yaml", "config")
		if err != nil {
			t.Fatal(err)
		}
		model := "netns"
		if e.teleroute() {
			model = "teleroute"
		}
		for _, want := range []string{"environment and volumes are added", "showing the " + model + " model of the installed Telepresence " + e.Release} {
			if !strings.Contains(stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, stderr)
			}
		}
		p, err := loader.LoadWithContext(t.Context(), types.ConfigDetails{
			WorkingDir: dir, ConfigFiles: []types.ConfigFile{{Filename: "config.yaml", Content: []byte(out)}},
		}, func(o *loader.Options) { o.SetProjectName("echo", true) })
		if err != nil {
			t.Fatalf("compose does not accept the config output: %v\n%s", err, out)
		}
		if _, ok := p.Services["postgres"]; ok {
			t.Errorf("the remote service is still there")
		}
		if _, ok := p.Services["web"].DependsOn["postgres"]; ok {
			t.Errorf("web still depends on the remote service")
		}
		echo := p.Services["echo"]
		if e.teleroute() {
			if _, ok := echo.Networks["teleroute"]; !ok || echo.NetworkMode != "" {
				t.Errorf("echo: network_mode %q, networks %v; want it on the Teleroute network", echo.NetworkMode, echo.Networks)
			}
		} else if n := p.Networks["default"]; !strings.HasPrefix(echo.NetworkMode, "container:") || n.Name != "telepresence" || !bool(n.External) {
			t.Errorf("echo network_mode = %q, default network = %+v", echo.NetworkMode, n)
		}
		if calls := e.callsOf("intercept"); len(calls) > 0 {
			t.Errorf("config created intercepts: %q", calls)
		}
	})
}

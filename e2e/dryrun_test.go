package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// dryRunPrefix starts each line a dry run says (docs/commands.md#dry-run).
const dryRunPrefix = "DRY-RUN MODE - "

// lifecycleProject has a handler, a local service that depends on a remote
// one, and a named volume.
func lifecycleProject(e *Env) string {
	e.WriteFixture(Fixture{ClusterServices: []string{"psql.default"},
		Intercepts: map[string]InterceptFixture{"echo-server": {Environment: map[string]string{"MODE": "cluster"}}}})
	e.AllowLeft("volume " + e.Project + "_data") // down keeps named volumes
	return e.WriteProject(map[string]string{"compose.yaml": `
services:
  echo:
    image: ` + busyboxImage + `
    init: true
    command: ` + httpd + `
    volumes: [data:/data]
    x-telepresence: {behavior: interceptHandler, intercept: {workload: echo-server, port: "8088"}}
  web:
    image: ` + busyboxImage + `
    init: true
    command: ["sleep", "3600"]
    depends_on: [postgres]
  postgres:
    image: never-pulled:1
    x-telepresence: {behavior: remote, mapping: {name: psql}}
volumes:
  data: {}
`})
}

// --dry-run says what up, create, stop and down would do and changes
// nothing: the engine and the stand-in are as before, and Telepresence is
// asked only status and version (docs/records-and-undo.md#dry-run). Then
// the real up does what the dry run said. create makes the containers and
// ends the attachments it made; stop ends the attachments and keeps the
// connection; up after either is a fresh up (docs/commands.md#create,
// #stop).
func TestDryRunCreateStop(t *testing.T) {
	e := newSerialEnvAt(t, Release227) // alone: it compares the whole engine before and after each dry run
	dir := lifecycleProject(e)
	said := e.dryRun(dir, "up", "-d")
	e.MustRun(ctx(t), dir, "up", "-d")
	checkUpDidWhatWasSaid(t, e, said)
	// On the project that is up: stop, create and down would end the
	// intercept, up would reuse it.
	for _, c := range [][2]string{{"stop", "would end intercept echo-server"}, {"create", "would end intercept echo-server"},
		{"up", "Intercept echo-server Running reused by service echo"}, {"down", "would end intercept echo-server"}} {
		if said := e.dryRun(dir, c[0]); !slices.Contains(said, c[1]) {
			t.Errorf("%s --dry-run said %q, want %q", c[0], said, c[1])
		}
	}

	e.MustRun(ctx(t), dir, "stop")
	e.checkEnded("stop", false)
	e.MustRun(ctx(t), dir, "up", "-d")
	e.checkFreshUp("up after stop")

	e.MustRun(ctx(t), dir, "down")
	e.MustRun(ctx(t), dir, "create")
	e.checkEnded("create", true)
	e.MustRun(ctx(t), dir, "up", "-d")
	e.checkFreshUp("up after create")
}

// dryRun runs a command with --dry-run and returns what it said it would
// do, failing the test when the engine or the stand-in changed, or when
// Telepresence was asked anything but status and version.
func (e *Env) dryRun(dir string, args ...string) []string {
	e.T.Helper()
	before, calls := e.engineState(), len(e.Calls())
	_, stderr, err := e.Run(ctx(e.T), dir, append(args, "--dry-run")...)
	if err != nil {
		e.T.Fatalf("%s --dry-run: %v", args[0], err)
	}
	if after := e.engineState(); after != before {
		e.T.Errorf("%s --dry-run changed the engine or the stand-in:\nbefore:\n%s\nafter:\n%s", args[0], before, after)
	}
	for _, c := range e.Calls()[calls:] {
		if c[0] != "status" && c[0] != "version" {
			e.T.Errorf("%s --dry-run ran telepresence %q", args[0], c)
		}
	}
	var said []string
	for _, line := range strings.Split(stderr, "\n") {
		if _, s, ok := strings.Cut(line, dryRunPrefix); ok {
			said = append(said, strings.TrimSpace(s))
		}
	}
	if len(said) == 0 {
		e.T.Errorf("%s --dry-run said nothing it would do:\n%s", args[0], stderr)
	}
	return said
}

// engineState is what a dry run must leave as it is: each container (its
// state and labels), network (its labels and containers) and volume (its
// driver and labels) of the engine, and the stand-in's files but the call
// log.
func (e *Env) engineState() string {
	e.T.Helper()
	var b strings.Builder
	for _, list := range [][]string{
		{"container", "ls", "-aq", `{{.Name}} {{.State.Status}} {{json .Config.Labels}}`},
		{"network", "ls", "-q", `{{.Name}} {{json .Labels}} {{range $id, $c := .Containers}}{{$c.Name}} {{end}}`},
		{"volume", "ls", "-q", `{{.Name}} {{.Driver}} {{json .Labels}}`},
	} {
		ids, err := dockerCmd(list[:3]...)
		if err == nil && ids != "" {
			ids, err = dockerCmd(append([]string{list[0], "inspect", "-f", list[3]}, strings.Fields(ids)...)...)
		}
		if err != nil {
			e.T.Fatal(err)
		}
		lines := strings.Split(ids, "\n")
		slices.Sort(lines)
		b.WriteString(strings.Join(lines, "\n") + "\n")
	}
	files, _ := filepath.Glob(filepath.Join(e.StateDir, "*"))
	for _, f := range files {
		if base := filepath.Base(f); base != fixture.CallsFile && base != fixture.LockFile {
			data, _ := os.ReadFile(f)
			fmt.Fprintf(&b, "%s: %s\n", base, data)
		}
	}
	return b.String()
}

// checkUpDidWhatWasSaid compares what up did with what its dry run said:
// the same telepresence commands, DNS mappings, and what Compose made.
func checkUpDidWhatWasSaid(t *testing.T, e *Env, said []string) {
	t.Helper()
	for _, cmd := range []string{"connect", "intercept"} {
		calls := e.callsOf(cmd)
		if len(calls) != 1 || !slices.Contains(said, "would run: telepresence "+strings.Join(calls[0], " ")) {
			t.Errorf("up ran %q; its dry run said %q", calls, said)
		}
	}
	// The dry run cannot know the namespace the connect gives the daemon
	// (lifecycle.PlaceholderNamespace); up maps into the one it got.
	ns := e.State().Connections[strings.TrimPrefix(e.DaemonContainer(), "tp-")].Namespace
	if !slices.Contains(said, "would set the daemon's DNS mappings to [postgres=psql.<connected-namespace>]") ||
		!slices.Equal(e.DNSMappings(), []Mapping{{Name: "postgres", AliasFor: "psql." + ns}}) {
		t.Errorf("up mapped %v; its dry run said %q", e.DNSMappings(), said)
	}
	compose := fmt.Sprintf("would create and start with Compose the services echo, web, the networks %s_default and the volumes %s_data",
		e.Project, e.Project)
	if !slices.Contains(said, compose) || !slices.Equal(e.ContainersOfProject(), []string{e.container("echo"), e.container("web")}) {
		t.Errorf("up made the containers %v; its dry run said %q", e.ContainersOfProject(), said)
	}
	e.checkFreshUp("up")
}

// checkFreshUp checks what an up makes: the intercept is live, the
// containers run, the handler has the pod's environment and takes the
// intercepted traffic.
func (e *Env) checkFreshUp(what string) {
	e.T.Helper()
	if got := e.ActiveIntercepts(); !slices.Equal(got, []string{"echo-server"}) {
		e.T.Errorf("%s: intercepts %v, want echo-server", what, got)
	}
	for _, s := range []string{"echo", "web"} {
		if !e.Running(e.container(s)) {
			e.T.Errorf("%s: %s does not run", what, s)
		}
	}
	if got, err := e.sendTraffic("echo-server"); err != nil || got != "mode=cluster db=" {
		e.T.Errorf("%s: the intercepted traffic gets %q, %v; want the handler's answer", what, got, err)
	}
}

// checkEnded checks a project whose containers exist, stopped (created:
// never started), and whose attachments ended, while the daemon runs on.
func (e *Env) checkEnded(what string, created bool) {
	e.T.Helper()
	if got := e.ActiveIntercepts(); len(got) > 0 {
		e.T.Errorf("after %s the intercepts %v are live", what, got)
	}
	if !e.Running(e.DaemonContainer()) {
		e.T.Errorf("after %s the daemon does not run", what)
	}
	state := map[bool]string{false: "exited", true: "created"}[created]
	for _, s := range []string{"echo", "web"} {
		if got := e.Inspect("{{.State.Status}}", e.container(s)); got != state {
			e.T.Errorf("after %s %s is %s, want %s", what, s, got, state)
		}
	}
	if env := e.Inspect(`{{range .Config.Env}}{{.}} {{end}}`, e.container("echo")); !strings.Contains(env, "MODE=cluster") {
		e.T.Errorf("after %s the handler lacks the pod's environment: %s", what, env)
	}
}

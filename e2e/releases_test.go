package e2e

import (
	"slices"
	"strings"
	"testing"
)

// Two projects on one daemon keep each other's DNS mappings, and the
// daemon's own; `down` of one takes out only its own.
func TestTwoProjectsKeepEachOthersMappings(t *testing.T) {
	e := newEnvAt(t, Release227)
	e.WriteFixture(Fixture{DNSMappings: []Mapping{{Name: "users", AliasFor: "users.default"}}, ClusterServices: []string{"psql.default", "redis.default"}})
	project := func(service, name string) string {
		return e.WriteProject(map[string]string{"compose.yaml": `
services:
  app:
    image: ` + busyboxImage + `
    init: true
    command: ["sleep", "3600"]
    depends_on: [` + service + `]
  ` + service + `:
    image: never-pulled:1
    x-telepresence: {behavior: remote, mapping: {name: ` + name + `}}
`})
	}
	first, second := project("db", "psql"), project("cache", "redis")
	e.MustRun(ctx(t), first, "up", "-d")
	other := Env{e.Copy()}
	other.Project = e.Project + "-2"
	other.Extra = []string{"COMPOSE_PROJECT_NAME=" + other.Project}
	t.Cleanup(func() { // the Env's cleanup only knows the first project
		_, _, _ = other.Run(ctx(t), second, "down")
		other.CheckLeftovers()
	})
	other.MustRun(ctx(t), second, "up", "-d")
	want := []Mapping{{Name: "cache", AliasFor: "redis.default"}, {Name: "db", AliasFor: "psql.default"}, {Name: "users", AliasFor: "users.default"}}
	if got := sortedMappings(e.DNSMappings()); !slices.Equal(got, want) {
		t.Errorf("after both ups the daemon maps %v, want %v", got, want)
	}
	for _, app := range []struct{ container, remote string }{{e.container("app"), "db"}, {other.container("app"), "cache"}} {
		if out, err := e.HTTPFrom(app.container, app.remote, 80); err != nil || !strings.Contains(out, ClusterReply) {
			t.Errorf("%s does not reach %s by its name: %q %v", app.container, app.remote, out, err)
		}
	}
	e.MustRun(ctx(t), first, "down")
	if got := sortedMappings(e.DNSMappings()); !slices.Equal(got, []Mapping{want[0], want[2]}) {
		t.Errorf("after the first project's down the daemon maps %v", got)
	}
}

func sortedMappings(m []Mapping) []Mapping {
	m = slices.Clone(m)
	slices.SortFunc(m, func(a, b Mapping) int { return strings.Compare(a.Name, b.Name) })
	return m
}

// A daemon that routes no cluster subnet makes no Teleroute network: `up`
// refuses before anything is created (the daemon it connected is quit);
// `config` still prints the project.
func TestNoDaemonNetworkIsRefused(t *testing.T) {
	e := newEnvAt(t, Release227)
	e.WriteFixture(Fixture{NoSubnets: true})
	dir := handlerProject(e)
	_, stderr, err := e.Run(ctx(t), dir, "up", "-d")
	if err == nil || !strings.Contains(stderr, "routes no cluster subnet, so it made no Teleroute network") {
		t.Fatalf("up: %v\n%s", err, stderr)
	}
	if calls := e.interceptCalls(); len(calls) > 0 {
		t.Errorf("intercepts were made: %q", calls)
	}
	if _, err := dockerCmd("inspect", e.DaemonContainer()); err == nil {
		t.Errorf("the daemon this up connected is still there")
	}
	e.assertNoLeftovers()
	if _, _, err := e.Telepresence("connect", "--docker"); err != nil {
		t.Fatal(err)
	}
	out, stderr, err := e.Run(ctx(t), dir, "config")
	if err != nil || !strings.Contains(out, "services:") || !strings.Contains(stderr, "`up` refuses to start this project") {
		t.Errorf("config: %v\n%s", err, stderr)
	}
}

// The 2.30 line: JSON with --format, intercepts ended with detach.
func TestRelease230(t *testing.T) {
	e := newEnvAt(t, Release230)
	writeMountFixture(e)
	dir := handlerProject(e)
	e.MustRun(ctx(t), dir, "up", "-d")
	if calls := e.interceptCalls(); len(calls) != 1 || !slices.Contains(calls[0], "--format") || slices.Contains(calls[0], "--output") {
		t.Errorf("intercept calls = %q, want --format json", calls)
	}
	e.MustRun(ctx(t), dir, "down")
	if detach, leave := e.callsOf("detach"), e.callsOf("leave"); len(detach) != 1 || len(leave) != 0 {
		t.Errorf("detach calls %q, leave calls %q: 2.30 ends intercepts with detach", detach, leave)
	}
	assertDownLeftOnlyNamedVolume(e)
}

// Before 2.25 there is no --http-header: a personal intercept is refused
// before anything is created, naming the release.
func TestPersonalInterceptRefusedBefore225(t *testing.T) {
	e := newEnvAt(t, Release222)
	dir := e.WriteProject(map[string]string{"compose.yaml": `
services:
  echo:
    image: ` + busyboxImage + `
    ports: ["127.0.0.1:0:8088"]
    x-telepresence:
      behavior: interceptHandler
      intercept: {httpHeaders: [x-dev=alice]}
`})
	_, stderr, err := e.Run(ctx(t), dir, "up", "-d")
	want := `service "echo": x-telepresence.intercept.httpHeaders: Telepresence 2.22.4 cannot filter the traffic by HTTP header or path ` +
		"(--http-header, --http-path-*): it needs 2.25 or newer"
	if err == nil || !strings.Contains(stderr, want) || !strings.Contains(stderr, "compose.yaml") {
		t.Fatalf("up: %v\n%s", err, stderr)
	}
	if cmds := e.commands(); !slices.Equal(cmds, []string{"status", "version"}) {
		t.Errorf("telepresence calls %v, want status and version only", cmds)
	}
	e.assertNoLeftovers()
}

// Several daemons: the project's is chosen by its namespace, and every
// command names it with --use.
func TestSeveralDaemons(t *testing.T) {
	e := newEnvAt(t, Release227)
	for _, ns := range []string{"default", "other"} {
		if _, _, err := e.Telepresence("connect", "--docker", "--namespace", ns); err != nil {
			t.Fatal(err)
		}
	}
	dir := e.WriteProject(map[string]string{"compose.yaml": `
x-telepresence: {namespace: default}
services:
  echo:
    image: ` + busyboxImage + `
    init: true
    command: ` + httpd + `
    x-telepresence: {behavior: interceptHandler, intercept: {port: "8088", mount: false}}
`})
	e.MustRun(ctx(t), dir, "up", "-d")
	if calls := e.interceptCalls(); len(calls) != 1 || !containsSeq(calls[0], "--use", "^"+e.DaemonName()+"$") {
		t.Errorf("intercept calls = %q, want --use ^%s$", calls, e.DaemonName())
	}
	if got, err := e.sendTraffic("echo"); err != nil || !strings.HasPrefix(got, "mode=") {
		t.Errorf("traffic does not reach the handler: %q, %v", got, err)
	}
	e.MustRun(ctx(t), dir, "down")
	if leaves := e.callsOf("leave"); len(leaves) != 1 || !containsSeq(leaves[0], "--use", "^"+e.DaemonName()+"$") {
		t.Errorf("leave calls = %q", leaves)
	}
}

// containsSeq tells whether args holds the two words in a row.
func containsSeq(args []string, a, b string) bool {
	i := slices.Index(args, a)
	return i >= 0 && i+1 < len(args) && args[i+1] == b
}

// The volume driver named in the environment is used as it is, never
// looked up or installed.
func TestVolumeDriverOverride(t *testing.T) {
	e := newEnvAt(t, Release227)
	e.Extra = []string{"DOCKER_TELEPRESENCE_VOLUME_DRIVER=" + telemountDriver}
	writeMountFixture(e)
	dir := handlerProject(e)
	e.MustRun(ctx(t), dir, "up", "-d")
	out, err := dockerCmd("volume", "inspect", "-f", "{{.Driver}}", e.Project+"_echo-server-0")
	if err != nil || out != telemountDriver {
		t.Errorf("driver = %q, %v", out, err)
	}
}

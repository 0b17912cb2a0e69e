package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// An x-tele file written for `telepresence compose` runs unchanged on 2.31
// and gives what it gives there (docs/attachments.md):
//   - filter and metadata values with `,` and `:` reach Telepresence whole;
//   - the handler keeps its bind mount at a pod volume's path, and no pod
//     volume is mounted, so no volume plugin is asked for (the plugin is
//     disabled here: asking for it would warn);
//   - a dependent reaches a proxy named SERVICE.NAMESPACE;
//   - a mounts entry without a policy is accepted;
//   - the unnamed connection is trn-default, whose daemon runs already,
//     and the intercept of the same name left there is taken over.
func TestTheSameXTeleFileAsTelepresenceCompose(t *testing.T) {
	// Alone: its daemon is trn-default, an unnamed x-tele connection's,
	// and it disables the Telemount plugin every test uses.
	e := newSerialEnvAt(t, fixture.Release231)
	e.WriteFixture(Fixture{ClusterServices: []string{"postgres.infra"},
		Intercepts: map[string]InterceptFixture{"api": {Mounts: []string{"/data", "/var/run/secrets/kubernetes.io/serviceaccount"}}}})
	dir := e.WriteProject(map[string]string{"compose.yaml": `
x-tele:
  mounts:
    - {volumePattern: ".*"}
services:
  api:
    image: ` + busyboxImage + `
    init: true
    command: ["sleep", "3600"]
    volumes: ["./data:/data"]
    x-tele:
      type: intercept
      ports: ["8088:http"]
      httpFilters: {x-dev: "alice:1,2"}
      httpPathRegexps: ["^/v[0-9]{1,2}/"]
      metadata: {url: "http://x/a,b"}
  web:
    image: ` + busyboxImage + `
    init: true
    command: ["sleep", "3600"]
    depends_on: [db]
  db:
    image: never-pulled:1
    x-tele: {type: proxy, name: postgres.infra}
`, "data/local": "mine\n"})
	// What an earlier `telepresence compose up -d` of this file left.
	e.MustTelepresence(t, "connect", "--docker", "--name", "trn-default")
	e.MustTelepresence(t, "intercept", "api", "--port", "8088:http")
	disableTelemount(t)

	stderr := e.mustRunStderr(t, dir, "up", "-d")
	if !strings.Contains(stderr, "Intercept api Taking over") || strings.Contains(stderr, "Telemount") {
		t.Errorf("up -d: want the leftover taken over and no volume plugin:\n%s", stderr)
	}
	if n := len(e.callsOf("connect")); n != 1 {
		t.Errorf("%d connects: the trn-default daemon that ran is not used", n)
	}
	got := e.State().Connections["trn-default"].Intercepts["api"]
	if !slices.Equal(got.Headers, []string{"x-dev=alice:1,2"}) || !slices.Equal(got.PathRegex, []string{"^/v[0-9]{1,2}/"}) ||
		!slices.Equal(got.Metadata, []string{"url=http://x/a,b"}) || got.Address == "" {
		t.Errorf("the intercept Telepresence holds: %+v; want the filters whole, made by the plugin", got)
	}
	api := e.container("api")
	if out, err := e.Exec(api, "cat /data/local"); err != nil || out != "mine" {
		t.Errorf("the handler's bind mount at the pod's /data: %q, %v", out, err)
	}
	if mounts := e.Inspect(`{{range .Mounts}}{{.Destination}}={{.Type}} {{end}}`, api); strings.TrimSpace(mounts) != "/data=bind" {
		t.Errorf("handler mounts %q, want its bind mount alone", mounts)
	}
	checkReachesCluster(t, e, "web", "db")
	e.MustRun(ctx(t), dir, "down")
	e.assertNoLeftovers()
}

// A daemon connected on the host (without --docker) is left as it is: up
// connects a containerized one beside it, as Telepresence lets them
// coexist, and the project works.
func TestUpBesideAHostDaemon(t *testing.T) {
	e := newEnvAt(t, Release227)
	e.WriteFixture(Fixture{NonDocker: true})
	dir := twoHandlers(e)
	stderr := e.mustRunStderr(t, dir, "up", "-d")
	if !strings.Contains(stderr, "Telepresence is connected on this host too") {
		t.Errorf("up -d beside a host daemon does not say so:\n%s", stderr)
	}
	if got := e.ActiveIntercepts(); !slices.Equal(got, []string{"alpha", "beta"}) {
		t.Errorf("active intercepts %v, want alpha and beta", got)
	}
	e.MustRun(ctx(t), dir, "down")
	e.assertNoLeftovers()
}

// An ingest that `stop` ended is made again by the next `up -d` on 2.31,
// whose status leaves out an empty ingest list: it is not taken as live.
func TestAStoppedIngestIsMadeAgain(t *testing.T) {
	e := newSerialEnvAt(t, fixture.Release231) // alone: its daemon is trn-default, an unnamed x-tele connection's
	e.WriteFixture(Fixture{Workloads: kindsWorkloads})
	dir := e.WriteProject(map[string]string{"compose.yaml": `
services:
  worker:
    image: ` + busyboxImage + `
    init: true
    command: ["sleep", "3600"]
    x-tele: {type: ingest}
`})
	e.MustRun(ctx(t), dir, "up", "-d")
	e.MustRun(ctx(t), dir, "stop")
	stderr := e.mustRunStderr(t, dir, "up", "-d")
	if n := len(e.callsOf("ingest")); n != 2 || strings.Contains(stderr, "reused") {
		t.Errorf("%d ingest calls, want the stopped one made again:\n%s", n, stderr)
	}
	checkStatusKinds(t, e, dir, map[string]string{"worker": "ingest live"})
	e.MustRun(ctx(t), dir, "down")
	e.assertNoLeftovers()
}

// A proxy whose cluster name does not resolve fails `up` before anything
// runs, naming the compose service and the key to fix, and the command
// once.
func TestAnUnresolvableProxyName(t *testing.T) {
	e := newSerialEnvAt(t, fixture.Release231) // alone: its daemon is trn-default, an unnamed x-tele connection's
	dir := e.WriteProject(map[string]string{"compose.yaml": `
services:
  web:
    image: ` + busyboxImage + `
    command: ["sleep", "3600"]
    depends_on: [db]
  db:
    image: never-pulled:1
    x-tele: {type: proxy, name: postgres, ports: ["5433:5432"]}
`})
	_, stderr, err := e.Run(ctx(t), dir, "up", "-d")
	want := `service "db": x-tele.name: the cluster has no service "postgres" that the Telepresence daemon can resolve`
	if err == nil || !strings.Contains(stderr, want) || strings.Contains(stderr, "telepresence connect: telepresence connect") || strings.Contains(stderr, "error: unable") {
		t.Errorf("up -d: %v; want one error naming the service and key:\n%s", err, stderr)
	}
	e.assertNoLeftovers()
}

// A project that declares nothing for Telepresence runs as Compose runs it,
// with no Telepresence at all: up -d, ps and down work where telepresence
// is not installed.
func TestAProjectWithoutIntentNeedsNoTelepresence(t *testing.T) {
	e := newEnv(t)
	dir := e.WriteProject(map[string]string{"compose.yaml": `
services:
  web:
    image: ` + busyboxImage + `
    init: true
    command: ["sleep", "3600"]
`})
	noTP := []string{"--telepresence", "/nonexistent/telepresence"}
	stderr := e.mustRunStderr(t, dir, append(noTP, "up", "-d")...)
	if !strings.Contains(stderr, "every service runs locally") || !e.Running(e.container("web")) {
		t.Errorf("up -d without Telepresence: web does not run, or no warning:\n%s", stderr)
	}
	if out := e.MustRun(ctx(t), dir, append(noTP, "ps", "--services")...); strings.TrimSpace(out) != "web" {
		t.Errorf("ps --services = %q", out)
	}
	e.MustRun(ctx(t), dir, append(noTP, "down")...)
	e.assertNoLeftovers()
}

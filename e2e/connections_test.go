package e2e

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// connectionsProject is an x-tele project of two connections, a and b, in
// two namespaces, b with subnets of its own, and a handler on each
// (docs/network-models.md#several-connections).
func connectionsProject(e *Env, a, b string) string {
	handler := func(service, conn string) string {
		return `
  ` + service + `:
    image: ` + busyboxImage + `
    init: true
    command: ` + httpd + `
    environment: {MODE: ` + service + `}
    x-tele: {type: intercept, connection: ` + conn + `, ports: ["8088:http"]}`
	}
	return e.WriteProject(map[string]string{"compose.yaml": `
x-tele:
  connections:
    - {name: ` + a + `, namespace: alpha}
    - {name: ` + b + `, namespace: beta, also-proxy: [10.123.0.0/16], never-proxy: [10.96.7.0/24]}
services:` + handler("api", a) + handler("worker", b) + "\n"})
}

// A project of two connections in the Teleroute model: each handler is
// attached through its own connection's daemon and reaches that daemon's
// cluster; status names each attachment's connection; down ends each on
// its daemon. Only a daemon the project connected is ever quit: the
// undo of a failed up quits the daemon it connected, not the one the user
// had connected, and down quits none (docs/commands.md#down).
func TestSeveralConnections(t *testing.T) {
	e := newEnvAt(t, Release227)
	a, b := e.Project+"-a", e.Project+"-b"
	clusters := Fixture{ClusterServices: []string{"db.alpha", "db.beta"}}
	failing := clusters
	failing.Intercepts = map[string]InterceptFixture{"worker": {Fail: "admission webhook denied the request"}}
	e.WriteFixture(failing)
	e.MustTelepresence(t, "connect", "--docker", "--name", a, "--namespace", "alpha")
	dir := connectionsProject(e, a, b)
	if _, stderr, err := e.Run(ctx(t), dir, "up", "-d"); err == nil || !strings.Contains(stderr, "admission webhook denied the request") {
		t.Fatalf("up with a failing attachment: %v\n%s", err, stderr)
	}
	if daemons := e.daemons(); !slices.Equal(daemons, []string{a}) || len(e.ActiveIntercepts()) > 0 {
		t.Errorf("after the failed up: daemons %v, intercepts %v; want the user's %s alone, and no intercept", daemons, e.ActiveIntercepts(), a)
	}
	e.assertNoLeftovers()

	e.WriteFixture(clusters)
	e.MustRun(ctx(t), dir, "up", "-d")
	if c := e.State().Connections[b]; c == nil || !slices.Equal(c.AlsoProxy, []string{"10.123.0.0/16"}) || !slices.Equal(c.NeverProxy, []string{"10.96.7.0/24"}) {
		t.Errorf("the daemon of %s was connected with %+v, want its also-proxy and never-proxy subnets", b, c)
	}
	for _, h := range []struct{ service, daemon string }{{"api", a}, {"worker", b}} {
		checkHandlerOn(t, e, h.service, h.daemon)
	}
	checkConnectionsStatus(t, e, dir, map[string]string{"api": a, "worker": b})

	e.MustRun(ctx(t), dir, "down")
	leaves := map[string]string{}
	for _, c := range e.callsOf("leave") {
		if i := slices.Index(c, "--use"); i > 0 {
			leaves[c[1]] = c[i+1]
		}
	}
	if want := map[string]string{"api": "^" + regexp.QuoteMeta(a) + "$", "worker": "^" + regexp.QuoteMeta(b) + "$"}; !maps.Equal(leaves, want) {
		t.Errorf("down left %v, want each on its daemon %v", leaves, want)
	}
	if daemons := e.daemons(); !slices.Equal(daemons, []string{a, b}) || len(e.ActiveIntercepts()) > 0 {
		t.Errorf("after down: daemons %v, intercepts %v; want both daemons running, no intercept", daemons, e.ActiveIntercepts())
	}
	e.assertNoLeftovers()
}

// checkHandlerOn checks that a handler was attached through its daemon,
// receives the traffic that daemon sends, and reaches that daemon's cluster.
func checkHandlerOn(t *testing.T, e *Env, service, daemon string) {
	t.Helper()
	use := "^" + regexp.QuoteMeta(daemon) + "$"
	if i := slices.IndexFunc(e.interceptCalls(), func(c []string) bool { return c[1] == service }); i < 0 || !containsSeq(e.interceptCalls()[i], "--use", use) {
		t.Errorf("intercept calls %q: want %s with --use %s", e.interceptCalls(), service, use)
	}
	if got, err := e.sendTraffic(service, "--use", use); err != nil || got != "mode="+service+" db=" {
		t.Errorf("traffic through %s to %s: %q, %v", daemon, service, got, err)
	}
	if out, err := e.HTTPFrom(e.container(service), "db", 80); err != nil || !strings.Contains(out, fixture.ClusterAnswer(daemon, 80)) {
		t.Errorf("%s reaches db at %q, %v; want the cluster of %s", service, out, err, daemon)
	}
}

// checkConnectionsStatus checks that status says which connection holds
// each service's attachment, and that it is live.
func checkConnectionsStatus(t *testing.T, e *Env, dir string, want map[string]string) {
	t.Helper()
	var st struct {
		Attachments []struct{ Service, Connection, State string }
	}
	if err := json.Unmarshal([]byte(e.MustRun(ctx(t), dir, "status", "--format", "json")), &st); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range st.Attachments {
		got[a.Service] = a.Connection + " " + a.State
	}
	for service, conn := range want {
		if got[service] != conn+" live" {
			t.Errorf("status: %s is %q, want %q", service, got[service], conn+" live")
		}
	}
	table := e.MustRun(ctx(t), dir, "status")
	for _, conn := range want {
		if !strings.Contains(table, conn) {
			t.Errorf("the status table does not name the connection %s:\n%s", conn, table)
		}
	}
}

// In the netns model a handler shares one daemon's namespace: a project of
// several connections is refused before anything is created.
func TestSeveralConnectionsRefusedInNetns(t *testing.T) {
	e := newEnvAt(t, Release220)
	dir := connectionsProject(e, e.Project+"-a", e.Project+"-b")
	_, stderr, err := e.Run(ctx(t), dir, "up", "-d")
	want := "connections: Telepresence 2.20.2 cannot use several connections in one project"
	if err == nil || !strings.Contains(stderr, want) || !strings.Contains(stderr, "upgrade Telepresence to 2.23 or newer, or keep one connection") {
		t.Fatalf("up: %v, want %q with its hint:\n%s", err, want, stderr)
	}
	if cmds := e.commands(); !slices.Equal(cmds, []string{"status", "version"}) {
		t.Errorf("telepresence calls %v, want status and version only", cmds)
	}
	if daemons := e.daemons(); len(daemons) > 0 {
		t.Errorf("daemons %v run", daemons)
	}
	e.assertNoLeftovers()
}

// daemons are the names of the stand-in's running daemons, sorted.
func (e *Env) daemons() []string {
	var names []string
	for n := range e.State().Connections {
		if e.Running("tp-" + n) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

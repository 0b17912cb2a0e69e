package standintest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// The stand-in's connect, as the plugin uses it for a project of several
// connections and for proxies (docs/telepresence-contract.md#connect):
// --name names a daemon, which runs beside the others, each with a cluster
// of its own; --also-proxy and --never-proxy show in status; from 2.24,
// --reroute-remote makes a cluster service answer on a new port for the
// containers on the daemon's network, and --reroute-local with --expose
// lets the host reach a cluster service through the daemon. A release
// without the reroutes refuses them, as cobra does.
func TestStandinConnect(t *testing.T) {
	t.Parallel()
	e := newEnvAt(t, fixture.Release222)
	a, b := e.Project+"-a", e.Project+"-b"
	reroutes := []string{"--reroute-remote", "psql:postgres:5433"}
	if _, stderr := siTPFails(t, e, append([]string{"connect", "--docker", "--name", a}, reroutes...)...); !strings.Contains(stderr, "unknown flag: --reroute-remote") {
		t.Errorf("2.22 connect --reroute-remote: %q", stderr)
	}
	if left := siLeftOnEngine([]string{"tp-" + a}, nil); len(left) > 0 {
		t.Errorf("a refused connect started %v", left)
	}

	e.WriteFixture(Fixture{Release: fixture.Release227, ClusterServices: []string{"psql.alpha", "web.beta"},
		ClusterPorts: []fixture.Port{{Name: "postgres", Port: 5432}}})
	siTP(t, e, append([]string{"connect", "--docker", "--name", a, "--namespace", "alpha", "--also-proxy", "10.200.0.0/16",
		"--never-proxy", "10.96.5.0/24", "--expose", "127.0.0.1::5432", "--reroute-local", "5432:psql:postgres"}, reroutes...)...)
	siTP(t, e, "connect", "--docker", "--name", b, "--namespace", "beta")
	siCheckConnections(t, e, a, b)

	// Each daemon resolves its namespace's names to its own cluster, and a's
	// reroutes its psql from 5433 to the postgres port.
	boxes := map[string]string{a: siBoxOn(t, e, a, "box-a"), b: siBoxOn(t, e, b, "box-b")}
	for _, c := range []struct {
		daemon, host string
		port         int
		answer       string
	}{
		{a, "psql", 5433, fixture.ClusterAnswer(a, 5432)},
		{a, "psql", 80, fixture.ClusterAnswer(a, 80)},
		{b, "web", 80, fixture.ClusterAnswer(b, 80)},
	} {
		if out, err := e.HTTPFrom(boxes[c.daemon], c.host, c.port); err != nil || !strings.HasSuffix(out, "\r\n\r\n"+c.answer) {
			t.Errorf("%s:%d from %s: %q %v, want %q", c.host, c.port, boxes[c.daemon], out, err, c.answer)
		}
	}
	if _, err := e.Exec(boxes[b], "wget -q -T 5 -O - http://psql.alpha:5433/"); err == nil {
		t.Errorf("b's cluster answers on a's rerouted port")
	}
	// The host reaches psql through the port a publishes.
	addr := "127.0.0.1:" + e.HostPort("tp-"+a, 5432)
	if status, body, err := e.HTTPGet(addr, "/"); err != nil || status != 200 || body != fixture.ClusterAnswer(a, 5432) {
		t.Errorf("GET %s (a's --reroute-local) = %d %q, %v", addr, status, body, err)
	}

	siCheckRerouteErrors(t, e, a, "alpha")
	for _, box := range boxes {
		_, _ = dockerCmd("rm", "-f", box)
	}
	siTP(t, e, "quit")
	if left := siLeftOnEngine([]string{"tp-" + a, "tp-" + a + "-cluster", "tp-" + b, "tp-" + b + "-cluster"}, []string{a, b}); len(left) > 0 {
		t.Errorf("quit left %v", left)
	}
}

// siCheckRerouteErrors checks that a reroute the daemon cannot make fails
// the connect, even of a daemon that runs, which stays; and that a connect
// to it that names another cluster is refused.
func siCheckRerouteErrors(t *testing.T, e *Env, daemon, namespace string) {
	t.Helper()
	for reroute, want := range map[string]string{
		"nothing:80:81":     "telepresence connect: error: unable to resolve name nothing.",
		"psql:nope:5434":    "service 'psql' does not have a TCP port named 'nope'",
		"10.0.0.9:http:100": "a symbolic port must be used with a service name, not an IP address",
	} {
		if _, stderr := siTPFails(t, e, "connect", "--docker", "--name", daemon, "--namespace", namespace, "--reroute-remote", reroute); !strings.Contains(stderr, want) {
			t.Errorf("--reroute-remote %s: %q, want %q", reroute, stderr, want)
		}
	}
	if !e.Running("tp-" + daemon) {
		t.Errorf("a failed reroute stopped the daemon %s", daemon)
	}
	// A connect to the running session that names another cluster is
	// refused (pkg/client/userd/trafficmgr/session.go CheckStatus).
	for _, other := range [][]string{{"--namespace", "elsewhere"}, {"--context", "another"}, {"--manager-namespace", "tm"}} {
		args := append([]string{"connect", "--docker", "--name", daemon, "--namespace", namespace}, other...)
		if _, stderr := siTPFails(t, e, args...); !strings.Contains(stderr, "Cluster configuration changed, please quit telepresence and reconnect") {
			t.Errorf("connect %q to the running daemon: %q", other, stderr)
		}
	}
}

// siCheckConnections checks that status lists the two daemons by name, and
// a's proxy subnets, in the sample's shape.
func siCheckConnections(t *testing.T, e *Env, a, b string) {
	t.Helper()
	st := siTPJSON(t, e, "status", "--output", "json")
	conns, _ := st["connections"].([]any)
	var names []string
	for _, c := range conns {
		d := siDaemon(t, c.(map[string]any))
		siAssertShape(t, c.(map[string]any), "status-2.27-teleroute.json", ".daemon.exposedPorts")
		names = append(names, fmt.Sprint(d["name"]))
		if d["name"] == a && (fmt.Sprint(d["also_proxy_subnets"]) != "[10.200.0.0/16]" || fmt.Sprint(d["never_proxy_subnets"]) != "[10.96.5.0/24]") {
			t.Errorf("status of %s: also %v, never %v", a, d["also_proxy_subnets"], d["never_proxy_subnets"])
		}
	}
	if !slices.Equal(names, []string{a, b}) {
		t.Errorf("status lists the daemons %v, want %s and %s", names, a, b)
	}
	if _, stderr := siTPFails(t, e, "leave", "x"); !strings.Contains(stderr, "multiple daemons") {
		t.Errorf("leave without --use beside two daemons: %q", stderr)
	}
}

// siBoxOn runs a container on a daemon's Teleroute network, resolving
// through its DNS as a handler does.
func siBoxOn(t *testing.T, e *Env, daemon, suffix string) string {
	t.Helper()
	ip := e.Inspect(fmt.Sprintf(`{{(index .NetworkSettings.Networks %q).IPAddress}}`, daemon), "tp-"+daemon)
	return siContainer(t, e, suffix, "--network", daemon, "--dns", ip, "--dns-search", "tel2-search", busyboxImage, "sleep", "600")
}

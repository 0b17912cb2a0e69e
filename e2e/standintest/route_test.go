package standintest

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// siHandler runs a handler: `standin-echo --reply "handler NAME"` on the
// ports, where the daemon reaches it (netns: in the daemon's network
// namespace, at 127.0.0.1; Teleroute: on the daemon's network under the
// alias NAME), waits until it listens, and returns the --address flags an
// attachment needs to reach it.
func siHandler(t *testing.T, e *Env, r standinRelease, name string, ports ...int) []string {
	t.Helper()
	args := []string{"--network", "container:tp-" + e.Project}
	if r.teleroute {
		args = []string{"--network", e.Project, "--network-alias", name}
	}
	args = append(args, daemonImage, "standin-echo", "--reply", "handler "+name)
	for _, p := range ports {
		args = append(args, "--listen", strconv.Itoa(p))
	}
	c := siContainer(t, e, "handler-"+name, args...)
	eventually(t, 60*time.Second, c+" listens", func() bool {
		logs, _ := dockerCmd("logs", c)
		return strings.Count(logs, "standin-echo listening on") == len(ports)
	})
	if r.teleroute {
		return []string{"--address", name}
	}
	return nil
}

// siSend is standin-send, which must succeed; it returns what the caller
// got and every delivery of that send (the answer first, then copies).
func siSend(t *testing.T, e *Env, args ...string) (string, []fixture.Delivery) {
	t.Helper()
	out := siTP(t, e, append([]string{"standin-send"}, args...)...)
	return out, siLastSend(t, e)
}

// siLastSend returns the deliveries of the last standin-send
// (Env.LastSend).
func siLastSend(t *testing.T, e *Env) []fixture.Delivery {
	t.Helper()
	return e.LastSend(t)
}

// siRoutes checks who answered a request and who got a copy: "pod",
// "handler NAME", or "" for nobody.
func siRoutes(t *testing.T, e *Env, want string, copies []string, args ...string) {
	t.Helper()
	out, ds := siSend(t, e, args...)
	who := func(body string) string {
		first, _, _ := strings.Cut(body, "\n")
		if name, ok := strings.CutPrefix(first, "hello from the cluster pod "); ok && name == "web" {
			return "pod"
		}
		return first
	}
	var gotCopies []string
	for _, d := range ds[1:] {
		if d.Copy && d.To == fixture.KindWiretap {
			gotCopies = append(gotCopies, who(d.Body))
		}
	}
	if who(out) != want || who(ds[0].Body) != want || ds[0].Copy || !reflect.DeepEqual(gotCopies, copies) {
		t.Errorf("standin-send %s: answered by %q, copies %q; want %q, %q\n%+v", strings.Join(args, " "), who(out), gotCopies, want, copies, ds)
	}
}

// Cluster traffic follows Telepresence's routing (package fixture): the
// pod answers what no attachment takes; a global intercept takes its port;
// filtered intercepts take matching requests, headers first; a wiretap gets
// a copy; a replace takes its container's ports; an ingest takes nothing.
func TestStandinRouting(t *testing.T) {
	t.Parallel()
	siForReleases(t, func(t *testing.T, e *Env, r standinRelease) {
		e.WriteFixture(Fixture{DaemonName: e.Project, Workloads: siWorkloads})
		siTP(t, e, "connect", "--docker")

		// Nothing attached: the pod answers on the container port the
		// service port targets, echoing the request.
		out, ds := siSend(t, e, "web", "/hello?x=1", "--header", "X-Dev: bob", "--method", "POST")
		want := fixture.EchoBody(fixture.PodReply("web"), "POST", "/hello?x=1", 8080, map[string]string{"x-dev": "bob"})
		if out != want || len(ds) != 1 || ds[0].To != fixture.ToPod || ds[0].Port != 8080 || ds[0].Path != "/hello" {
			t.Errorf("to the pod: %q, %+v; want %q", out, ds, want)
		}
		if out, _ := siSend(t, e, "web", "--port", "metrics"); !strings.HasPrefix(out, fixture.PodReply("web")+"\nGET / on port 9090\n") {
			t.Errorf("to the pod's metrics port: %q", out)
		}
		if r.minor >= 21 {
			siTP(t, e, "ingest", "web", "--container", "app")
			siRoutes(t, e, "pod", nil, "web") // an ingest takes nothing
		}

		// A global intercept takes all of its port, not the others.
		addr := siHandler(t, e, r, "a", 8088)
		siTP(t, e, append([]string{"intercept", "web", "--port", "8088:http"}, addr...)...)
		siRoutes(t, e, "handler a", nil, "web", "/x", "--header", "x-dev=alice")
		siRoutes(t, e, "pod", nil, "web", "--port", "admin")
		if out, _ := siSend(t, e, "web", "/y"); out != fixture.EchoBody("handler a", "GET", "/y", 8088, nil) {
			t.Errorf("to the global intercept: %q", out)
		}
		if r.minor >= 23 {
			siCheckWiretapRoutes(t, e, r)
		}
		siTP(t, e, "leave", "web")
		if r.minor >= 25 {
			siCheckFilteredRoutes(t, e, r)
		}
		if r.minor >= 22 {
			siCheckReplaceRoutes(t, e, r)
		}
		siQuit(t, e)
	})
}

// siCheckWiretapRoutes: a wiretap gets a copy of what its filters match,
// delivered before standin-send returns, while the caller's answer comes
// from where it would without it; the handler logs the copy.
func siCheckWiretapRoutes(t *testing.T, e *Env, r standinRelease) {
	t.Helper()
	addr := siHandler(t, e, r, "tap", 8091)
	args := []string{"wiretap", "tap", "-w", "web", "--port", "8091:http"}
	if r.minor >= 25 {
		args = append(args, "--http-path-regex", "^/tap/[0-9]+$")
	}
	siTP(t, e, append(args, addr...)...)
	siRoutes(t, e, "handler a", []string{"handler tap"}, "web", "/tap/1")
	_, ds := siSend(t, e, "web", "/tap/2", "--header", "x-n=2")
	if copyBody := fixture.EchoBody("handler tap", "GET", "/tap/2", 8091, map[string]string{"x-n": "2"}); len(ds) != 2 || ds[1].Body != copyBody || ds[1].Name != "tap" {
		t.Errorf("the copy: %+v, want the handler's answer %q", ds, copyBody)
	}
	if logs, _ := dockerCmd("logs", e.Project+"-handler-tap"); !strings.Contains(logs, "8091 GET /tap/2 ") {
		t.Errorf("the wiretap's handler did not log the copy: %q", logs)
	}
	if r.minor >= 25 {
		siRoutes(t, e, "handler a", nil, "web", "/tap/x") // the filter does not match
	}
	siRoutes(t, e, "pod", nil, "web", "/tap/3", "--port", "admin") // not its port
	siTP(t, e, "leave", "tap")
}

// siCheckFilteredRoutes: personal intercepts take matching requests,
// header filters before path-only ones; the rest reaches the pod.
func siCheckFilteredRoutes(t *testing.T, e *Env, r standinRelease) {
	t.Helper()
	b := siHandler(t, e, r, "b", 8089)
	c := siHandler(t, e, r, "c", 8090)
	d := siHandler(t, e, r, "d", 8092)
	siTP(t, e, append([]string{"intercept", "alice", "-w", "web", "--port", "8089:http", "--http-header", "x-dev=alice"}, b...)...)
	siTP(t, e, append([]string{"intercept", "api", "-w", "web", "--port", "8090:http", "--http-path-prefix", "/api"}, c...)...)
	siTP(t, e, append([]string{"intercept", "exact", "-w", "web", "--port", "8092:http", "--http-path-equal", "/exact",
		"--http-header", "x-dev: carol"}, d...)...)
	siRoutes(t, e, "handler b", nil, "web", "/api/x", "--header", "X-Dev=alice")
	siRoutes(t, e, "handler c", nil, "web", "/api/x", "--header", "x-dev=bob")
	siRoutes(t, e, "handler c", nil, "web", "/api")
	siRoutes(t, e, "pod", nil, "web", "/other")
	siRoutes(t, e, "pod", nil, "web", "/other", "--header", "x-dev=bob")
	siRoutes(t, e, "handler d", nil, "web", "/exact", "--header", "x-dev=carol")
	siRoutes(t, e, "pod", nil, "web", "/exact/not", "--header", "x-dev=carol") // header and path must both match
	for _, n := range []string{"alice", "api", "exact"} {
		siTP(t, e, "leave", n)
	}
}

// siCheckReplaceRoutes: a replace takes every port of its container, or
// the ones --port names, and the container answers on no other; the
// workload's other containers still answer.
func siCheckReplaceRoutes(t *testing.T, e *Env, r standinRelease) {
	t.Helper()
	addr := siHandler(t, e, r, "r", 8080, 8081)
	siTP(t, e, append([]string{"replace", "web", "--container", "app"}, addr...)...)
	siRoutes(t, e, "handler r", nil, "web", "/a")
	if out, _ := siSend(t, e, "web", "--port", "admin"); out != fixture.EchoBody("handler r", "GET", "/", 8081, nil) {
		t.Errorf("to the replaced admin port: %q", out)
	}
	siRoutes(t, e, "pod", nil, "web", "--port", "metrics")
	siTP(t, e, "leave", "web/app")
	siTP(t, e, append([]string{"replace", "web", "--container", "app", "--port", "8081:http"}, addr...)...)
	siRoutes(t, e, "handler r", nil, "web", "/b")
	if out, _ := siTPFails(t, e, "standin-send", "web", "--port", "admin"); out != "" {
		t.Errorf("a port of the replaced container that the replace did not take answered: %q", out)
	}
	if ds := siLastSend(t, e); len(ds) != 1 || ds[0].To != fixture.KindReplace || !strings.Contains(ds[0].Error, "is replaced") {
		t.Errorf("the failed delivery: %+v", ds)
	}
	siTP(t, e, "leave", "web/app")
	siRoutes(t, e, "pod", nil, "web", "--port", "admin")
}

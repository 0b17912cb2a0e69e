package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

var testFixture = fixture.Fixture{Workloads: map[string]fixture.Workload{"web": {
	Containers: []fixture.Container{
		{Name: "app", Ports: []fixture.Port{{Name: "http", Port: 8080}, {Name: "admin", Port: 8081}}},
		{Name: "sidecar", Ports: []fixture.Port{{Name: "metrics", Port: 9090}}},
	},
	Services: []fixture.Service{{Name: "web", Ports: []fixture.ServicePort{
		{Name: "http", Port: 80, TargetPort: "http"}, {Name: "admin", Port: 81, TargetPort: "8081"},
		{Name: "metrics", Port: 9090, TargetPort: "metrics"},
	}}},
}}}

// routeOf attaches the attachments (name -> request) and routes a request
// to web's container port, returning "answered by; copies".
func routeOf(t *testing.T, atts map[string]fixture.ActiveIntercept, container string, port int, uri string, headers map[string]string) string {
	t.Helper()
	c := &fixture.Connection{Name: "d", Intercepts: atts}
	req := clusterRequest{workload: "web", w: testFixture.Workload("web"), container: container,
		port: fixture.Port{Port: port}, method: "GET", uri: uri, headers: headers}
	answer, copies := route(req, attachmentsOf(testFixture, []*fixture.Connection{c}, "web"))
	got := []string{"pod"}
	if answer != nil {
		got[0] = answer.name + "@" + answer.addr + answer.gone
	}
	for _, h := range copies {
		got = append(got, h.name+"@"+h.addr)
	}
	return strings.Join(got, "; ")
}

func TestRoute(t *testing.T) {
	web := func(kind, port string, mod func(*fixture.ActiveIntercept)) fixture.ActiveIntercept {
		ai := fixture.ActiveIntercept{Kind: kind, Workload: "web", Port: port}
		if mod != nil {
			mod(&ai)
		}
		return ai
	}
	atts := map[string]fixture.ActiveIntercept{
		"global": web("", "7000:http", nil),
		"alice":  web("", "7001:http", func(a *fixture.ActiveIntercept) { a.Headers = []string{"x-dev=alice"} }),
		"api":    web("", "7002:http", func(a *fixture.ActiveIntercept) { a.PathPrefix = []string{"/api"} }),
		"tap":    web(fixture.KindWiretap, "7003:http", func(a *fixture.ActiveIntercept) { a.PathRegex = []string{"^/t"} }),
		"metr":   web("", "7004:metrics", func(a *fixture.ActiveIntercept) { a.Address = "h" }),
	}
	for _, tc := range []struct {
		port    int
		uri     string
		headers map[string]string
		want    string
	}{
		{8080, "/", nil, "global@127.0.0.1:7000"},
		{8080, "/api/x?q=1", map[string]string{"X-Dev": "alice"}, "alice@127.0.0.1:7001"},
		{8080, "/api/x", map[string]string{"x-dev": "bob"}, "api@127.0.0.1:7002"},
		{8080, "/t1", nil, "global@127.0.0.1:7000; tap@127.0.0.1:7003"},
		{8081, "/t1", nil, "pod"},
		{9090, "/", nil, "metr@h:7004"},
	} {
		if got := routeOf(t, atts, map[int]string{8080: "app", 8081: "app", 9090: "sidecar"}[tc.port], tc.port, tc.uri, tc.headers); got != tc.want {
			t.Errorf("%d %s %v: %s, want %s", tc.port, tc.uri, tc.headers, got, tc.want)
		}
	}
	atts["web/app"] = fixture.ActiveIntercept{Kind: fixture.KindReplace, Workload: "web", Container: "app", Ports: []string{"7010:http"}}
	if got := routeOf(t, atts, "app", 8080, "/t", nil); got != "web/app@127.0.0.1:7010; tap@127.0.0.1:7003" {
		t.Errorf("a replace takes its port: %s", got)
	}
	if got := routeOf(t, atts, "app", 8081, "/", nil); !strings.Contains(got, "is replaced") {
		t.Errorf("a replaced container answers on no other port: %s", got)
	}
	if got := routeOf(t, atts, "sidecar", 9090, "/", nil); got != "metr@h:7004" {
		t.Errorf("another container of a replaced pod: %s", got)
	}
}

func TestResolve(t *testing.T) {
	for _, tc := range []struct {
		ai   fixture.ActiveIntercept
		want string // container:port->local..., or the error
	}{
		{fixture.ActiveIntercept{Workload: "web", Port: "7000:admin"}, "app:8081->7000"},
		{fixture.ActiveIntercept{Workload: "web", Port: "7000:81"}, "app:8081->7000"},
		{fixture.ActiveIntercept{Workload: "web", Port: "7000"}, "several service ports"},
		{fixture.ActiveIntercept{Workload: "web", Port: "7000:nope"}, `no service port "nope"`},
		{fixture.ActiveIntercept{Workload: "web", Port: "7000:http", Service: "other"}, `no service "other"`},
		{fixture.ActiveIntercept{Workload: "other", Port: "7000:whatever", Service: "any"}, "other:8080->7000"},
		{fixture.ActiveIntercept{Kind: fixture.KindReplace, Workload: "web"}, "several containers (app, sidecar)"},
		{fixture.ActiveIntercept{Kind: fixture.KindReplace, Workload: "web", Container: "app"}, "app:8080->8080 app:8081->8081"},
		{fixture.ActiveIntercept{Kind: fixture.KindReplace, Workload: "web", Container: "app", Ports: []string{"9000:admin", "8080"}}, "app:8081->9000 app:8080->8080"},
	} {
		var parts []string
		tg, err := resolve(testFixture, tc.ai)
		if err != nil {
			parts = append(parts, err.Error())
		}
		for _, pm := range tg.ports {
			parts = append(parts, tg.portContainer+":"+strconv.Itoa(pm.port.Port)+"->"+strconv.Itoa(pm.local))
		}
		if got := strings.Join(parts, " "); !strings.Contains(got, tc.want) {
			t.Errorf("%+v: %s, want %s", tc.ai, got, tc.want)
		}
	}
}

func TestFlagsByRelease(t *testing.T) {
	for _, tc := range []struct {
		minor int
		spec  func(release) flagSpec
		args  string
		err   string
	}{
		{20, interceptFlags, "x --container c", "unknown flag: --container"},
		{21, interceptFlags, "x --container c", ""},
		{24, interceptFlags, "x --http-path-prefix /a", "unknown flag: --http-path-prefix"},
		{25, interceptFlags, "x --http-path-prefix /a --metadata a=b", ""},
		{29, interceptFlags, "x --node-agent", "unknown flag: --node-agent"},
		{30, wiretapFlags, "x --node-agent -p 1", ""},
		{31, wiretapFlags, "x --to-pod 1", "unknown flag: --to-pod"},
		{31, replaceFlags, "x -c a", "unknown shorthand flag: 'c' in -c"},
		{27, replaceFlags, "x -n ns", "unknown shorthand flag: 'n' in -n"},
		{28, replaceFlags, "x -n ns", ""},
		{28, ingestFlags, "x -n ns", "unknown shorthand flag: 'n' in -n"},
		{29, ingestFlags, "x -nns -cmain", ""},
		{20, leaveFlags, "x -c a", "unknown shorthand flag: 'c' in -c"},
		{21, leaveFlags, "x -c a", ""},
		{28, leaveFlags, "x --namespace a", "unknown flag: --namespace"},
	} {
		_, err := parseFlags(strings.Fields(tc.args), tc.spec(release{minor: tc.minor}))
		if got := ""; err != nil && err.Error() != tc.err || err == nil && tc.err != got {
			t.Errorf("2.%d %s: %v, want %q", tc.minor, tc.args, err, tc.err)
		}
	}
}

func TestMessagesByRelease(t *testing.T) {
	for minor, want := range map[int]string{
		20: `Intercept named "w" not found`,
		22: `Intercept or ingest named "w" not found`,
		23: `Found no replace, intercept, or ingest named "w" with container "c"`,
	} {
		if got := (release{minor: minor}).notFoundMessage("w", "c"); got != want {
			t.Errorf("2.%d: %q, want %q", minor, got, want)
		}
	}
	conns := []*fixture.Connection{{Name: "a"}, {Name: "b"}, {Name: "c"}}
	if got := multipleDaemons(conns).Error(); got != "multiple daemons are running, please select one of a,  or b using the --use <match> flag" {
		t.Errorf("three daemons: %q", got)
	}
	if got := multipleDaemons(conns[:2]).Error(); got != "multiple daemons are running, please select a or b using the --use <match> flag" {
		t.Errorf("two daemons: %q", got)
	}
}

// Resolving an intercept on one of a workload's several services
// (--service) leaves the fixture's list of services as it was, so later
// resolves in the same invocation see every service.
func TestResolveLeavesTheServicesAlone(t *testing.T) {
	fx := fixture.Fixture{Workloads: map[string]fixture.Workload{"web": {
		Containers: []fixture.Container{{Name: "app", Ports: []fixture.Port{{Name: "http", Port: 8080}}}},
		Services: []fixture.Service{
			{Name: "web", Ports: []fixture.ServicePort{{Name: "http", Port: 80, TargetPort: "http"}}},
			{Name: "web-internal", Ports: []fixture.ServicePort{{Name: "http", Port: 8000, TargetPort: "http"}}},
		},
	}}}
	if _, err := resolveIntercept(fx, fixture.ActiveIntercept{Workload: "web", Port: "9000:http", Service: "web-internal"}); err != nil {
		t.Fatal(err)
	}
	if got := fx.Workloads["web"].Services; len(got) != 2 || got[0].Name != "web" || got[1].Name != "web-internal" {
		t.Errorf("the fixture's services became %+v", got)
	}
}

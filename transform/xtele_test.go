package transform

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telepresenceio/docker-telepresence/internal/labels"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// An x-tele file and its x-telepresence twin are one intent: the same plan
// and the same project, in both network models.
func TestXTeleTwins(t *testing.T) {
	base := `
services:
  api:
    image: api
    ports: ["8080:8080"]
    volumes: ["data:/data"]
    %s
  db:
    image: db
    ports: ["5432:5432"]
    %s
  web:
    image: web
    depends_on: [db]
    %s
volumes:
  data: {}
`
	tests := []struct {
		name               string
		tele, telepresence [3]string
	}{
		{"intercept with filters and a proxy with ports",
			[3]string{`x-tele: {type: intercept, name: api, workload: api-server, ports: ["8080:http"], httpFilters: {x-dev: alice}, httpPaths: [/v1], toPod: ["9090"], metadata: {owner: me}}`,
				`x-tele: {type: proxy, name: psql, ports: ["5432:5433"]}`, `x-tele: {type: connect}`},
			[3]string{`x-telepresence: {behavior: interceptHandler, intercept: {name: api, workload: api-server, ports: ["8080:http"], httpFilters: {x-dev: alice}, httpPaths: [/v1], toPod: ["9090"], metadata: {owner: me}}}`,
				`x-telepresence: {behavior: remote, mapping: {name: psql, ports: ["5432:5433"]}}`, `x-telepresence: {cluster: true}`}},
		{"ingest",
			[3]string{`x-tele: {type: ingest, name: api-server, container: app, to-pod: ["9090/UDP"]}`, ``, ``},
			[3]string{`x-telepresence: {behavior: ingest, ingest: {workload: api-server, container: app, toPod: ["9090/UDP"]}}`, ``, ``}},
		{"replace of every port",
			[3]string{`x-tele: {type: replace, container: app}`, `x-tele: {type: proxy}`, ``},
			[3]string{`x-telepresence: {behavior: replace, replace: {workload: api, container: app}}`, `x-telepresence: {behavior: remote}`, ``}},
		{"wiretap",
			[3]string{`x-tele: {type: wiretap, name: tap, service: api-svc, ports: ["8080"], httpPathPrefixes: [/api]}`, ``, ``},
			[3]string{`x-telepresence: {behavior: wiretap, wiretap: {name: tap, workload: tap, service: api-svc, ports: ["8080"], httpPathPrefixes: [/api]}}`, ``, ``}},
	}
	// No pod volume: the two front doors mount them by rules of their own
	// (TestPodVolumesByFrontDoor).
	pod := map[string]Intercept{"api": {Name: "api", MountPort: 34439, Environment: map[string]string{"TELEPRESENCE_CONTAINER": "app", "DB": "psql"}}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			teleProject := load(t, sprintf3(base, tc.tele))
			tpProject := load(t, sprintf3(base, tc.telepresence))
			teleIntent, tpIntent := mustIntent(t, teleProject, Flags{}), mustIntent(t, tpProject, Flags{})
			telePlan, err := NewPlan(teleProject, teleIntent)
			if err != nil {
				t.Fatal(err)
			}
			tpPlan, err := NewPlan(tpProject, tpIntent)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tpPlan, telePlan, cmp.FilterPath(func(p cmp.Path) bool {
				return p.Last().String() == ".Block" || p.Last().String() == ".Key" || p.Last().String() == ".NameKey"
			}, cmp.Ignore())); d != "" {
				t.Errorf("plans differ (-x-telepresence +x-tele):\n%s", d)
			}
			for _, runtime := range []Runtime{rt(pod), trt(pod)} {
				teleRes, err := Apply(teleProject, teleIntent, runtime)
				if err != nil {
					t.Fatal(err)
				}
				tpRes, err := Apply(tpProject, tpIntent, runtime)
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(yamlOf(t, tpRes.Project), yamlOf(t, teleRes.Project)); d != "" {
					t.Errorf("%s: projects differ (-x-telepresence +x-tele):\n%s", runtime.Model, d)
				}
			}
		})
	}
}

func sprintf3(format string, args [3]string) string {
	out := format
	for _, a := range args {
		i := indexOf(out, "%s")
		out = out[:i] + a + out[i+2:]
	}
	return out
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// What each kind asks Telepresence for, with its defaults.
func TestAttachRequestsByKind(t *testing.T) {
	project := load(t, `
services:
  api: {image: api, ports: ["8080:8080"], x-tele: {type: intercept}}
  tap: {image: tap, expose: ["9000"], x-telepresence: {behavior: wiretap, wiretap: {workload: api}}}
  all: {image: all, x-telepresence: {behavior: replace, replace: {workload: billing}}}
  env: {image: env, x-tele: {type: ingest, name: worker}}
  env2: {image: env, x-tele: {type: ingest, name: worker}}
`)
	plan, err := NewPlan(project, mustIntent(t, project, Flags{}))
	if err != nil {
		t.Fatal(err)
	}
	type short struct {
		Kind                          vocab.Kind
		Name, Workload, Address, Port string
	}
	var got []short
	for _, r := range plan.Attachments {
		s := short{Kind: r.Kind, Name: r.Name, Workload: r.Workload, Address: r.Address}
		if len(r.Ports) > 0 {
			s.Port = r.Ports[0]
		}
		got = append(got, s)
	}
	want := []short{
		{vocab.KindReplace, "billing", "billing", "tp-p-all", ""}, // every port of the container
		{vocab.KindIntercept, "api", "api", "tp-p-api", "8080"},   // x-tele names it after the service
		{vocab.KindIngest, "worker", "worker", "", ""},            // no traffic: no address, no port
		{vocab.KindIngest, "worker", "worker", "", ""},            // any number may ingest one container
		{vocab.KindWiretap, "tap", "api", "tp-p-tap", "9000"},     // named after the service, not its workload's intercept
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
}

func TestXTeleErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"both extensions", `{services: {s: {image: x, x-tele: {type: connect}, x-telepresence: {cluster: true}}}}`,
			[]string{`service "s"`, "declares both x-telepresence and x-tele"}},
		{"both at the top level", `{x-tele: {}, x-telepresence: {}, services: {s: {image: x}}}`,
			[]string{"declares both x-telepresence and x-tele at the top level"}},
		{"unknown type", `{services: {s: {image: x, x-tele: {type: sidecar}}}}`,
			[]string{"x-tele.type", `unknown type "sidecar"`, "connect, proxy, ingest, intercept, replace, wiretap"}},
		{"no type", `{services: {s: {image: x, x-tele: {name: y}}}}`, []string{"x-tele", "has no type"}},
		{"a key of another type", `{services: {s: {image: x, x-tele: {type: wiretap, toPod: ["80"]}}}}`,
			[]string{"x-tele.toPod", "unknown key", "(for type wiretap)"}},
		{"a bad port", `{services: {s: {image: x, x-tele: {type: intercept, ports: ["http:80"]}}}}`,
			[]string{"x-tele.ports.0", `local port "http"`}},
		{"a bad toPod", `{services: {s: {image: x, x-tele: {type: ingest, toPod: ["70000"]}}}}`,
			[]string{"x-tele.toPod.0", "is not a port"}},
		{"a bad path regexp", `{services: {s: {image: x, ports: ["80"], x-tele: {type: intercept, httpPathRegexps: ["(("]}}}}`,
			[]string{"x-tele.httpPathRegexps.0", "is not a regular expression"}},
		{"a connection that does not exist", `{x-tele: {connections: [{name: a}]}, services: {s: {image: x, x-tele: {type: connect, connection: b}}}}`,
			[]string{"x-tele.connection", `no connection is named "b"`}},
		{"unnamed connections", `{x-tele: {connections: [{namespace: a}, {namespace: b}]}, services: {s: {image: x}}}`,
			[]string{"x-tele.connections.0", "a connection has no name"}},
		{"a bad mount policy", `{x-tele: {mounts: [{volume: data, policy: sometimes}]}, services: {s: {image: x}}}`,
			[]string{"x-tele.mounts.0.policy", `unknown policy "sometimes"`}},
		{"volume and pattern", `{x-tele: {mounts: [{volume: data, volumePattern: "d.*", policy: local}]}, services: {s: {image: x}}}`,
			[]string{"x-tele.mounts.0", "needs one of volume and volumePattern"}},
		{"a top-level connection declared twice", `{x-telepresence: {namespace: a, connections: [{name: b}]}, services: {s: {image: x}}}`,
			[]string{"declares a connection both with its own keys and in connections"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			project, err := loadErr(t, tc.yaml)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ParseIntent(project, Flags{})
			assertErrorContains(t, err, tc.want...)
			if !errors.Is(err, ErrInvalidIntent) {
				t.Errorf("error does not wrap ErrInvalidIntent: %v", err)
			}
		})
	}
}

// Handlers claim what cannot be shared; ingests share.
func TestValidateClaims(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"two replaces of one container", `{services: {a: {image: x, x-telepresence: {behavior: replace, replace: {workload: w}}}, b: {image: x, x-telepresence: {behavior: replace, replace: {workload: w}}}}}`,
			`workload "w" is already replaced by service "a"`},
		{"two global intercepts", `{services: {a: {image: x, ports: ["80"], x-tele: {type: intercept, workload: w}}, b: {image: x, ports: ["80"], x-tele: {type: intercept, workload: w}}}}`,
			`workload "w" is already intercepted by service "a"`},
		{"one name twice", `{services: {a: {image: x, ports: ["80"], x-tele: {type: wiretap, name: n}}, b: {image: x, ports: ["80"], x-tele: {type: wiretap, name: n}}}}`,
			`the name "n" is taken by service "a"`},
		{"a scaled ingest", `{services: {a: {image: x, scale: 2, x-tele: {type: ingest}}}}`, `runs one container, the service asks for 2`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			project := load(t, tc.yaml)
			assertErrorContains(t, Validate(project, mustIntent(t, project, Flags{})), tc.want)
		})
	}
	project := load(t, `{services: {a: {image: x, x-tele: {type: ingest, name: w}}, b: {image: x, x-tele: {type: ingest, name: w}},
  c: {image: x, ports: ["80"], x-tele: {type: intercept, name: c, workload: w, httpFilters: {x-dev: c}}},
  d: {image: x, ports: ["80"], x-tele: {type: intercept, name: d, workload: w, httpFilters: {x-dev: d}}}}}`)
	if err := Validate(project, mustIntent(t, project, Flags{})); err != nil {
		t.Errorf("ingests and personal intercepts of one workload: %v", err)
	}
}

// With several connections (Teleroute), each service reaches the daemons
// it needs: a handler its own, under its address; a local service those of
// the remote services it depended on; each with its DNS, unless the
// subnets overlap one already joined.
func TestSeveralConnections(t *testing.T) {
	project := load(t, `
x-tele:
  connections: [{name: east, namespace: a}, {name: west, namespace: b}]
services:
  api: {image: api, ports: ["80"], x-tele: {type: intercept, connection: west}}
  db: {image: db, x-tele: {type: proxy, connection: east}}
  cache: {image: cache, x-tele: {type: proxy, connection: west}}
  web: {image: web, depends_on: [db, cache]}
`)
	runtime := trt(map[string]Intercept{"api": {Name: "api", Environment: map[string]string{"TELEPRESENCE_CONTAINER": "api"}}})
	runtime.Daemons = map[string]DaemonRuntime{
		"east": {Container: "tp-east", ID: "d43m0n", IP: "172.17.0.2", Network: "east", DNS: "172.30.0.2", Subnets: []string{"10.96.0.0/16"}},
		"west": {Container: "tp-west", IP: "172.17.0.3", Network: "west", DNS: "172.31.0.2", Subnets: []string{"10.100.0.0/16"}},
	}
	res, err := Apply(project, mustIntent(t, project, Flags{}), runtime)
	if err != nil {
		t.Fatal(err)
	}
	api, web := res.Project.Services["api"], res.Project.Services["web"]
	if n := api.Networks["teleroute-west"]; n == nil || n.Aliases[0] != "tp-p-api" || len(api.DNS) != 1 || api.DNS[0] != "172.31.0.2" {
		t.Errorf("api: networks %v, dns %v", api.Networks, api.DNS)
	}
	if _, ok := api.Networks["teleroute"]; ok || api.CustomLabels[labels.DaemonContainer] != "tp-west" {
		t.Errorf("api joined east, or is labelled with %q", api.CustomLabels[labels.DaemonContainer])
	}
	if _, east := web.Networks["teleroute"]; !east || !slices.Equal(web.DNS, []string{"172.31.0.2", "172.30.0.2"}) { // by dependency: cache (west), db (east)
		t.Errorf("web: networks %v, dns %v", web.Networks, web.DNS)
	}
	if _, west := web.Networks["teleroute-west"]; !west {
		t.Errorf("web does not reach west: %v", web.Networks)
	}
	if n := res.Project.Networks["teleroute-west"]; n.Name != "west" || !bool(n.External) {
		t.Errorf("west's network: %+v", n)
	}
	// Overlapping subnets: east, second, is not joined by web, which says why.
	runtime.Daemons["west"] = DaemonRuntime{Container: "tp-west", Network: "west", DNS: "172.31.0.2", Subnets: []string{"10.96.5.0/24"}}
	res, err = Apply(project, mustIntent(t, project, Flags{}), runtime)
	if err != nil {
		t.Fatal(err)
	}
	if _, east := res.Project.Services["web"].Networks["teleroute"]; east || !slices.ContainsFunc(res.Warnings, func(w string) bool {
		return strings.Contains(w, "Subnet 10.96.0.0/16 in connection east overlaps with subnet 10.96.5.0/24 in connection west. This prevents it from being added to service web")
	}) {
		t.Errorf("web joined an overlapping connection, or was not warned: %v %v", res.Project.Services["web"].Networks, res.Warnings)
	}
}

// An x-tele project's connection without a name is named as Telepresence's
// own compose names it, trn-<namespace>, so that the daemon a `telepresence
// compose` of the file connected is the one used; an x-telepresence
// project's daemon is still found by context and namespace.
func TestXTeleConnectionNames(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{`{services: {api: {image: x, ports: ["80"], x-tele: {type: intercept}}}}`, "trn-default"},
		{`{x-tele: {connections: [{namespace: shop}]}, services: {api: {image: x, ports: ["80"], x-tele: {type: intercept}}}}`, "trn-shop"},
		{`{x-tele: {connections: [{name: mine, namespace: shop}]}, services: {api: {image: x, ports: ["80"], x-tele: {type: intercept}}}}`, "mine"},
		{`{x-telepresence: {namespace: shop}, services: {api: {image: x, ports: ["80"], x-tele: {type: intercept}}}}`, ""},
		{`{services: {api: {image: x, ports: ["80"], x-telepresence: {behavior: interceptHandler}}}}`, ""},
	} {
		project := load(t, tc.yaml)
		in := mustIntent(t, project, Flags{})
		if got := in.Connection().Name; got != tc.want || in.ConnectionOf("api") != tc.want {
			t.Errorf("%s: connection %q (api's %q), want %q", tc.yaml, got, in.ConnectionOf("api"), tc.want)
		}
	}
}

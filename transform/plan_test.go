package transform

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

func TestNewPlan(t *testing.T) {
	project := load(t, `
services:
  echo:
    image: echo
    ports: ["8088:8088", "127.0.0.1:9090:9000", "5353:53/udp", "7000", "127.0.0.1::7001"]
    x-telepresence:
      behavior: interceptHandler
      intercept: {workload: echo-server, httpHeaders: [x-dev=alice], mount: false}
  api:
    image: api
    expose: ["8080"]
    x-telepresence:
      behavior: interceptHandler
      intercept: {port: "9000:http", service: api-svc}
  db:
    image: db
    x-telepresence: {behavior: remote, mapping: {name: psql, namespace: big-data}}
  cache:
    image: cache
    x-telepresence: {behavior: remote, mapping: {namespace: infra}}
  queue:
    image: queue
    x-telepresence: {behavior: remote}
  web:
    image: web
    depends_on: [queue]
  worker:
    image: worker
    x-telepresence: {cluster: true}
  static:
    image: static
`)
	got, err := NewPlan(project, mustIntent(t, project, Flags{}))
	if err != nil {
		t.Fatal(err)
	}
	want := &Plan{
		Attachments: []AttachRequest{
			{Kind: vocab.KindIntercept, Service: "api", Name: "api", Workload: "api", Ports: []string{"9000:http"}, Address: "tp-p-api",
				K8sService: "api-svc", Mount: true, Block: "x-telepresence.intercept", Source: "file"},
			{Kind: vocab.KindIntercept, Service: "echo", Name: "echo-server", Workload: "echo-server", Ports: []string{"8088"}, Address: "tp-p-echo",
				HTTP: vocab.HTTPFilter{Headers: []string{"x-dev=alice"}}, Mount: false, Expose: []string{"8088:8088", "127.0.0.1:9090:9000", "7000", "127.0.0.1::7001"},
				Block: "x-telepresence.intercept", Source: "file"},
		},
		Expose: []string{"127.0.0.1:9090:9000", "127.0.0.1::7001", "7000", "8088:8088"},
		DNSMappings: []RemoteMapping{
			{Service: "cache", Name: "cache", Namespace: "infra"},
			{Service: "db", Name: "psql", Namespace: "big-data"},
		},
		Remote:          []string{"cache", "db", "queue"},
		ClusterServices: []string{"web", "worker"},
		Warnings:        []string{`service "echo": ports: udp/53 is not published: the Telepresence daemon exposes TCP ports only`},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("plan (-want +got):\n%s", d)
	}
	if m := got.DNSMappings[1].DNSMapping("default"); m != (vocab.DNSMapping{Name: "db", AliasFor: "psql.big-data"}) {
		t.Errorf("mapping = %+v", m)
	}
	if m := (RemoteMapping{Service: "x", Name: "x"}).DNSMapping("default"); m.AliasFor != "x.default" {
		t.Errorf("alias in the connected namespace = %q", m.AliasFor)
	}
	if !got.NeedsDaemonNetwork() {
		t.Errorf("handlers need the daemon network")
	}
}

// `up SERVICE...` runs the named services and what they depend on, with
// remote services rewired; only their intercepts are planned.
func TestSelect(t *testing.T) {
	project := load(t, `
services:
  web: {image: web, depends_on: [api]}
  api: {image: api, depends_on: [db], x-telepresence: {behavior: remote}}
  db: {image: db, depends_on: [cache]}
  cache: {image: cache}
  echo: {image: echo, ports: ["80:80"], x-telepresence: {behavior: interceptHandler}}
  other: {image: other, ports: ["81:81"], x-telepresence: {behavior: interceptHandler}}
  worker: {image: worker, x-telepresence: {cluster: true}}
`)
	in := mustIntent(t, project, Flags{})
	got, err := Select(project, in, []string{"web", "echo"})
	if err != nil || !slices.Equal(got, []string{"cache", "db", "echo", "web"}) {
		t.Fatalf("Select = %v, %v", got, err)
	}
	plan, err := NewPlan(project, in)
	if err != nil {
		t.Fatal(err)
	}
	only := plan.Only(got)
	if len(only.Attachments) != 1 || only.Attachments[0].Service != "echo" || !slices.Equal(only.Expose, []string{"80:80"}) || !slices.Equal(only.ClusterServices, []string{"web"}) {
		t.Errorf("plan for the selection = %+v", only)
	}
	if all, _ := Select(project, in, nil); all != nil || plan.Only(nil) != plan {
		t.Errorf("no names is every service")
	}
	_, err = Select(project, in, []string{"api", "nope"})
	assertErrorContains(t, err, `service "api": the service is remote`, `service "nope": no such service`, "services are: api, cache")
}

func TestInterceptAddress(t *testing.T) {
	if a := InterceptAddress("shop", "api"); a != "tp-shop-api" {
		t.Errorf("short: %q", a)
	}
	long := InterceptAddress(strings.Repeat("p", 40), strings.Repeat("s", 40))
	if len(long) != 63 || long == InterceptAddress(strings.Repeat("p", 40), strings.Repeat("s", 39)+"t") {
		t.Errorf("a long address must stay a DNS label (63) and unique: %q", long)
	}
	// Compose allows _, . and capitals in service names; a label does not.
	for _, service := range []string{"api_v2", "Api.V2", "api-v2"} {
		if a := InterceptAddress("shop", service); !isDNSLabel(a) {
			t.Errorf("%s: %q is not a DNS label", service, a)
		}
	}
	if InterceptAddress("shop", "api_v2") == InterceptAddress("shop", "api-v2") || InterceptAddress("shop", "api_v2") == InterceptAddress("shop", "api.v2") {
		t.Errorf("services whose names differ in _ and . share an address")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"handler with network_mode host", `
services:
  h: {image: x, network_mode: host, x-telepresence: {behavior: interceptHandler}}`,
			[]string{`service "h"`, "network_mode", `cannot also use network_mode "host"`}},
		{"handler with network_mode service", `
services:
  other: {image: y}
  h: {image: x, network_mode: "service:other", x-telepresence: {behavior: interceptHandler}}`,
			[]string{`service "h"`, "network_mode", `"service:other"`}},
		{"handler scaled", `
services:
  h: {image: x, ports: ["80"], scale: 2, x-telepresence: {behavior: interceptHandler}}`,
			[]string{`service "h"`, "scale", "asks for 2"}},
		{"two handlers intercept one workload", `
services:
  a: {image: x, ports: ["80"], x-telepresence: {behavior: interceptHandler, intercept: {workload: echo}}}
  b: {image: x, ports: ["80"], x-telepresence: {behavior: interceptHandler, intercept: {workload: echo}}}`,
			[]string{`service "b"`, "x-telepresence.intercept.workload", `workload "echo" is already intercepted by service "a"`}},
		{"a service shares the network of a remote service", `
services:
  db: {image: db, x-telepresence: {behavior: remote}}
  tool: {image: t, network_mode: "service:db"}`,
			[]string{`service "tool"`, "network_mode", `service "db", which is remote`}},
		{"a service shares the IPC namespace of a remote service", `
services:
  db: {image: db, x-telepresence: {behavior: remote}}
  tool: {image: t, ipc: "service:db"}`,
			[]string{`service "tool"`, "ipc", `service "db", which is remote`}},
		{"a service shares the PID namespace of a remote service", `
services:
  db: {image: db, x-telepresence: {behavior: remote}}
  tool: {image: t, pid: "service:db"}`,
			[]string{`service "tool"`, "pid", `service "db", which is remote`}},
		{"volumes_from a remote service", `
services:
  db: {image: db, x-telepresence: {behavior: remote}}
  tool: {image: t, volumes_from: ["db:ro"]}`,
			[]string{`service "tool"`, "volumes_from", `service "db", which is remote`}},
		{"handler without a port", `
services:
  h: {image: x, x-telepresence: {behavior: interceptHandler}}`,
			[]string{`service "h"`, "x-telepresence.intercept.port", "declares no ports"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			project, err := loadErr(t, tc.yaml)
			if err != nil {
				// compose-go refuses some of these itself; that is fine too,
				// as long as nothing starts. Record which ones.
				t.Fatalf("compose-go refused the project before us: %v", err)
			}
			in := mustIntent(t, project, Flags{})
			_, err = NewPlan(project, in)
			assertErrorContains(t, err, tc.want...)
			if !errors.Is(err, ErrInvalidProject) && !errors.Is(err, ErrInvalidIntent) {
				t.Errorf("error wraps no sentinel: %v", err)
			}
			if _, err := Apply(project, in, rt(nil)); err == nil && tc.name != "handler without a port" {
				t.Errorf("Apply accepted a project NewPlan refuses")
			}
		})
	}
}

// compose-go refuses depends_on cycles when it loads a file; a project built
// in code can still have one, and the rewiring must not loop on it.
func TestValidateRefusesRemoteCycles(t *testing.T) {
	project := load(t, `
services:
  a: {image: a, depends_on: [b], x-telepresence: {behavior: remote}}
  b: {image: b, x-telepresence: {behavior: remote}}
  web: {image: w, depends_on: [a]}`)
	b := project.Services["b"]
	b.DependsOn = types.DependsOnConfig{"a": {Condition: types.ServiceConditionStarted}}
	project.Services["b"] = b
	_, err := Apply(project, mustIntent(t, project, Flags{}), rt(nil))
	assertErrorContains(t, err, "depends_on cycle through remote services: a -> b -> a")
}

// compose-go refuses a service without image or build when it loads a file;
// a project built in code is refused by the transform.
func TestValidateRefusesHandlerWithoutImage(t *testing.T) {
	project := load(t, `
services:
  h: {image: x, ports: ["80"], x-telepresence: {behavior: interceptHandler}}`)
	h := project.Services["h"]
	h.Image = ""
	project.Services["h"] = h
	_, err := NewPlan(project, mustIntent(t, project, Flags{}))
	assertErrorContains(t, err, `service "h"`, "image", "neither image nor build")
}

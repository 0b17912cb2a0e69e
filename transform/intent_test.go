package transform

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

func TestParseIntent(t *testing.T) {
	project := load(t, `
x-telepresence:
  context: minikube
  namespace: default
  managerNamespace: ambassador
  mappedNamespaces: [default, big-data]
services:
  echo:
    image: echo
    x-telepresence:
      behavior: interceptHandler
      intercept:
        workload: echo-server
        port: "8088:http"
        service: echo-server
        httpHeaders: ["x-dev=alice"]
        mount: false
  postgres:
    image: postgres
    x-telepresence:
      behavior: remote
      mapping: {name: psql, namespace: big-data}
  redis:
    image: redis
  explicit:
    image: x
    x-telepresence: {behavior: local}
`)
	got := mustIntent(t, project, Flags{})
	no := false
	want := &Intent{
		Connections: []Connection{{Context: "minikube", Namespace: "default", ManagerNamespace: "ambassador", MappedNamespaces: []string{"default", "big-data"}}},
		Services: map[string]ServiceIntent{
			"echo": {Behavior: InterceptHandler, Source: "file", Attach: AttachSpec{
				Workload: "echo-server", Ports: []string{"8088:http"}, Service: "echo-server", HTTP: vocab.HTTPFilter{Headers: []string{"x-dev=alice"}}, Mount: &no}},
			"postgres": {Behavior: Remote, Source: "file", Mapping: Mapping{Name: "psql", Namespace: "big-data"}},
		},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("intent (-want +got):\n%s", d)
	}
}

func TestParseIntentMergesOverrideFiles(t *testing.T) {
	project := load(t, `
services:
  echo: {image: echo, ports: ["8088:8088"]}
`, `
services:
  echo:
    x-telepresence: {behavior: interceptHandler}
`)
	if b := mustIntent(t, project, Flags{}).Behavior("echo"); b != InterceptHandler {
		t.Errorf("behavior from the override file = %q", b)
	}
}

func TestParseIntentFlags(t *testing.T) {
	project := load(t, `
services:
  echo:
    image: echo
    x-telepresence:
      behavior: remote
      mapping: {name: other}
  api:
    image: api
    x-telepresence:
      behavior: interceptHandler
      intercept: {port: "9000"}
  db: {image: db}
  cache: {image: cache}
`)
	got := mustIntent(t, project, Flags{Handlers: []string{"echo", "api"}, Remotes: []string{"db=psql.big-data", "cache"}})
	want := map[string]ServiceIntent{
		"echo":  {Behavior: InterceptHandler, Source: "--handler"},
		"api":   {Behavior: InterceptHandler, Source: "--handler", Attach: AttachSpec{Ports: []string{"9000"}}},
		"db":    {Behavior: Remote, Source: "--remote", Mapping: Mapping{Name: "psql", Namespace: "big-data"}},
		"cache": {Behavior: Remote, Source: "--remote"},
	}
	if d := cmp.Diff(want, got.Services); d != "" {
		t.Errorf("services (-want +got):\n%s", d)
	}
}

func TestParseIntentErrors(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		flags Flags
		want  []string
	}{
		{"unknown behavior", `{services: {s: {image: x, x-telepresence: {behavior: sideways}}}}`,
			Flags{}, []string{`service "s"`, "x-telepresence.behavior", `unknown behavior "sideways"`, "interceptHandler, ingest, replace, wiretap, remote, local"}},
		{"behavior in the wrong case", `{services: {s: {image: x, x-telepresence: {behavior: InterceptHandler}}}}`,
			Flags{}, []string{"x-telepresence.behavior", `did you mean "interceptHandler"?`}},
		{"unknown key", `{services: {s: {image: x, x-telepresence: {behavior: remote, colour: red}}}}`,
			Flags{}, []string{`service "s"`, "x-telepresence.colour", "unknown key", "behavior, intercept, ingest, replace, wiretap, mapping"}},
		{"unknown intercept key", `{services: {s: {image: x, x-telepresence: {behavior: interceptHandler, intercept: {portz: 1}}}}}`,
			Flags{}, []string{"x-telepresence.intercept.portz", "unknown key", `did you mean "port"?`, "port, ports"}},
		{"mistyped x-tele key", `{services: {s: {image: x, x-tele: {type: intercept, httpFilter: {a: b}}}}}`,
			Flags{}, []string{"x-tele.httpFilter", "unknown key", `did you mean "httpFilters"?`}},
		{"mistyped top-level key", `{x-telepresence: {namespce: dev}, services: {s: {image: x}}}`,
			Flags{}, []string{"x-telepresence.namespce", `did you mean "namespace"?`}},
		{"mapping on a handler", `{services: {s: {image: x, x-telepresence: {behavior: interceptHandler, mapping: {name: y}}}}}`,
			Flags{}, []string{`service "s"`, "x-telepresence.mapping", "only for behavior remote"}},
		{"intercept on a remote", `{services: {s: {image: x, x-telepresence: {behavior: remote, intercept: {port: 1}}}}}`,
			Flags{}, []string{"x-telepresence.intercept", "only for behavior interceptHandler"}},
		{"intercept on a service that declares no behavior", `{services: {s: {image: x, x-telepresence: {intercept: {port: 1}}}}}`,
			Flags{}, []string{"x-telepresence.intercept", "this service is local"}},
		{"extension is not a mapping", `{services: {s: {image: x, x-telepresence: handler}}}`,
			Flags{}, []string{"x-telepresence", `expected a mapping, got string "handler"`}},
		{"behavior is not a string", `{services: {s: {image: x, x-telepresence: {behavior: 1}}}}`,
			Flags{}, []string{"x-telepresence.behavior", "expected a string, got number 1"}},
		{"mount is not a boolean", `{services: {s: {image: x, x-telepresence: {behavior: interceptHandler, intercept: {mount: "no"}}}}}`,
			Flags{}, []string{"x-telepresence.intercept.mount", `expected true or false, got string "no"`}},
		{"httpHeaders is not a list", `{services: {s: {image: x, x-telepresence: {behavior: interceptHandler, intercept: {httpHeaders: "a=b"}}}}}`,
			Flags{}, []string{"x-telepresence.intercept.httpHeaders", "expected a list of strings"}},
		{"bad port", `{services: {s: {image: x, x-telepresence: {behavior: interceptHandler, intercept: {port: "http:8080"}}}}}`,
			Flags{}, []string{"x-telepresence.intercept.port", `local port "http"`}},
		{"port out of range", `{services: {s: {image: x, x-telepresence: {behavior: interceptHandler, intercept: {port: 70000}}}}}`,
			Flags{}, []string{"x-telepresence.intercept.port", "from 1 to 65535"}},
		{"bad workload name", `{services: {s: {image: x, x-telepresence: {behavior: interceptHandler, intercept: {workload: Echo_Server}}}}}`,
			Flags{}, []string{"x-telepresence.intercept.workload", "not a valid Kubernetes name"}},
		{"empty mapping name", `{services: {s: {image: x, x-telepresence: {behavior: remote, mapping: {name: ""}}}}}`,
			Flags{}, []string{"x-telepresence.mapping.name", "must not be empty"}},
		{"top-level unknown key", `{x-telepresence: {kontext: x}, services: {s: {image: x}}}`,
			Flags{}, []string{"x-telepresence.kontext", "unknown key", "context, namespace"}},
		{"top-level wrong type", `{x-telepresence: {mappedNamespaces: a}, services: {s: {image: x}}}`,
			Flags{}, []string{"x-telepresence.mappedNamespaces", "expected a list of strings"}},
		{"--handler names no service", `{services: {s: {image: x}, t: {image: y}}}`,
			Flags{Handlers: []string{"nope"}}, []string{"--handler", `service "nope"`, "no such service", "services are: s, t"}},
		{"--handler names a disabled service", `{services: {s: {image: x}, t: {image: y, profiles: [debug]}}}`,
			Flags{Handlers: []string{"t"}}, []string{"--handler", `service "t"`, "not enabled", "--profile debug"}},
		{"--remote without a service", `{services: {s: {image: x}}}`,
			Flags{Remotes: []string{"=psql"}}, []string{"--remote", "no service name"}},
		{"--remote with a bad namespace", `{services: {s: {image: x}}}`,
			Flags{Remotes: []string{"s=psql.Big_Data"}}, []string{"--remote", `"Big_Data" is not a valid Kubernetes name`}},
		{"a workload defaulted from a service name that is no Kubernetes name", `{services: {api_v2: {image: x, ports: ["80"], x-telepresence: {behavior: interceptHandler}}}}`,
			Flags{}, []string{`service "api_v2": x-telepresence.intercept.workload: the workload defaults to the service name "api_v2"`, "set x-telepresence.intercept.workload"}},
		{"the same, declared with --handler", `{services: {api_v2: {image: x, ports: ["80"]}}}`,
			Flags{Handlers: []string{"api_v2"}}, []string{`--handler: service "api_v2": the workload defaults to the service name`, "--handler api_v2=WORKLOAD"}},
		{"a mapping name defaulted from a service name", `{services: {db_main: {image: x, x-telepresence: {behavior: remote, mapping: {namespace: data}}}}}`,
			Flags{}, []string{`service "db_main": x-telepresence.mapping.name: the cluster service name defaults to the service name "db_main"`, "set x-telepresence.mapping.name"}},
		{"a mapping name with a dot", `{services: {s: {image: x, x-telepresence: {behavior: remote, mapping: {name: psql.big-data}}}}}`,
			Flags{}, []string{"x-telepresence.mapping.name", `"psql.big-data" is not a valid Kubernetes name (a Kubernetes service name)`}},
		{"top-level namespace", `{x-telepresence: {namespace: Big_Data}, services: {s: {image: x}}}`,
			Flags{}, []string{"x-telepresence.namespace", `"Big_Data" is not a valid Kubernetes name (a Kubernetes namespace)`}},
		{"top-level managerNamespace", `{x-telepresence: {managerNamespace: amb.assador}, services: {s: {image: x}}}`,
			Flags{}, []string{"x-telepresence.managerNamespace", "not a valid Kubernetes name"}},
		{"a mapped namespace", `{x-telepresence: {mappedNamespaces: [default, -big]}, services: {s: {image: x}}}`,
			Flags{}, []string{"x-telepresence.mappedNamespaces.1", `"-big" is not a valid Kubernetes name`}},
		{"--remote with a namespace of two labels", `{services: {db: {image: x}}}`,
			Flags{Remotes: []string{"db=a.b.c"}}, []string{"--remote", `service "db"`, `"b.c" is not a valid Kubernetes name`, "SERVICE[=NAME[.NAMESPACE]]"}},
		{"--handler with a bad port", `{services: {s: {image: x}}}`,
			Flags{Handlers: []string{"s:http"}}, []string{"--handler", `service "s"`, `local port "http"`, "--handler SERVICE[=WORKLOAD][:PORT]"}},
		{"--handler with an empty workload", `{services: {s: {image: x}}}`,
			Flags{Handlers: []string{"s=:80"}}, []string{"--handler", "empty workload name"}},
		{"a service named by both flags", `{services: {s: {image: x}}}`,
			Flags{Handlers: []string{"s"}, Remotes: []string{"s"}}, []string{"--remote", `service "s"`, "also named by --handler"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			project, err := loadErr(t, tc.yaml)
			if err != nil {
				t.Fatal(err)
			}
			if tc.name == "--handler names a disabled service" {
				if project, err = project.WithProfiles(nil); err != nil {
					t.Fatal(err)
				}
			}
			_, err = ParseIntent(project, tc.flags)
			assertErrorContains(t, err, tc.want...)
			if !errors.Is(err, ErrInvalidIntent) {
				t.Errorf("error does not wrap ErrInvalidIntent: %v", err)
			}
		})
	}
}

// --handler SERVICE[=WORKLOAD][:PORT] declares what the file would.
func TestHandlerFlagDeclaresWorkloadAndPort(t *testing.T) {
	project := load(t, `{services: {backend: {image: x}, echo: {image: y}}}`)
	in := mustIntent(t, project, Flags{Handlers: []string{"backend=api-server:8080:http", "echo:9000"}})
	if got := in.Services["backend"].Attach; got.Workload != "api-server" || !slices.Equal(got.Ports, []string{"8080:http"}) {
		t.Errorf("backend: %+v", got)
	}
	if got := in.Services["echo"].Attach; got.Workload != "" || !slices.Equal(got.Ports, []string{"9000"}) {
		t.Errorf("echo: %+v", got)
	}
	plan, err := NewPlan(project, in)
	if err != nil || len(plan.Attachments) != 2 || plan.Attachments[0].Workload != "api-server" {
		t.Errorf("plan = %+v, %v", plan, err)
	}
}

// A handler named by --handler on a service without ports is blamed on the
// flag, not on a compose file, with the flag's way to give the port.
func TestHandlerFlagWithoutPortNamesTheFlag(t *testing.T) {
	project := load(t, `{services: {backend: {image: x}}}`)
	_, err := NewPlan(project, mustIntent(t, project, Flags{Handlers: []string{"backend"}}))
	assertErrorContains(t, err, `--handler: service "backend": no port to intercept`, "--handler backend:8080")
	var ie *IntentError
	if !errors.As(err, &ie) || ie.Key != "" || ie.Source != "--handler" {
		t.Errorf("the error names a key of a file: %+v", ie)
	}
}

func TestParseIntentReportsEveryError(t *testing.T) {
	project := load(t, `
services:
  a: {image: x, x-telepresence: {behavior: nope}}
  b: {image: x, x-telepresence: {behavior: remote, extra: 1}}
`)
	_, err := ParseIntent(project, Flags{})
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 2 {
		t.Fatalf("want 2 errors, got %v", err)
	}
}

// Every field, given a value of the wrong type, is an error naming it.
func TestParseIntentWrongTypes(t *testing.T) {
	tests := []struct {
		yaml, key, want string
	}{
		{`{x-telepresence: {context: 1}, services: {s: {image: x}}}`, "x-telepresence.context", "expected a string, got number 1"},
		{`{x-telepresence: {namespace: [a]}, services: {s: {image: x}}}`, "x-telepresence.namespace", "expected a string, got a list"},
		{`{x-telepresence: {managerNamespace: true}, services: {s: {image: x}}}`, "x-telepresence.managerNamespace", "expected a string, got boolean true"},
		{`{x-telepresence: {mappedNamespaces: [1]}, services: {s: {image: x}}}`, "x-telepresence.mappedNamespaces.0", "expected a string, got number 1"},
		{`{x-telepresence: 3, services: {s: {image: x}}}`, "x-telepresence", "expected a mapping, got number 3"},
		{`{services: {s: {image: x, x-telepresence: {behavior: interceptHandler, intercept: on}}}}`, "x-telepresence.intercept", "expected a mapping, got string"},
		{`{services: {s: {image: x, x-telepresence: {behavior: interceptHandler, intercept: {workload: 7}}}}}`, "x-telepresence.intercept.workload", "expected a string, got number 7"},
		{`{services: {s: {image: x, x-telepresence: {behavior: interceptHandler, intercept: {port: true}}}}}`, "x-telepresence.intercept.port", "got boolean true"},
		{`{services: {s: {image: x, x-telepresence: {behavior: interceptHandler, intercept: {port: [80]}}}}}`, "x-telepresence.intercept.port", "got a list"},
		{`{services: {s: {image: x, x-telepresence: {behavior: interceptHandler, intercept: {service: {a: b}}}}}}`, "x-telepresence.intercept.service", "expected a string, got a mapping"},
		{`{services: {s: {image: x, x-telepresence: {behavior: interceptHandler, intercept: {httpHeaders: [1]}}}}}`, "x-telepresence.intercept.httpHeaders.0", "expected a string, got number 1"},
		{`{services: {s: {image: x, x-telepresence: {behavior: interceptHandler, intercept: {mount: 0}}}}}`, "x-telepresence.intercept.mount", "expected true or false, got number 0"},
		{`{services: {s: {image: x, x-telepresence: {behavior: remote, mapping: psql}}}}`, "x-telepresence.mapping", "expected a mapping, got string"},
		{`{services: {s: {image: x, x-telepresence: {behavior: remote, mapping: {name: 5}}}}}`, "x-telepresence.mapping.name", "expected a string, got number 5"},
		{`{services: {s: {image: x, x-telepresence: {behavior: remote, mapping: {namespace: false}}}}}`, "x-telepresence.mapping.namespace", "expected a string, got boolean false"},
		{`{services: {s: {image: x, x-telepresence: {behavior: null}}}}`, "x-telepresence.behavior", "expected a string, got nothing (null)"},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			project, err := loadErr(t, tc.yaml)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ParseIntent(project, Flags{})
			assertErrorContains(t, err, tc.key+": ", tc.want)
		})
	}
}

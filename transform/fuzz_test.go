package transform

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// seedFuzz adds the YAML of the table tests and the example project, so the
// fuzzer starts from projects that exercise every rule.
func seedFuzz(f *testing.F) {
	f.Add(projectSeed)
	for _, path := range []string{"../examples/echo/compose.yaml", "../examples/echo/compose.telepresence.yaml"} {
		if b, err := os.ReadFile(filepath.Clean(path)); err == nil {
			f.Add(string(b))
		}
	}
	f.Add(`{services: {s: {image: x, x-telepresence: {behavior: InterceptHandler}}}}`)
	f.Add(`{services: {s: {image: x, x-telepresence: handler}}}`)
	f.Add(`{x-telepresence: {mappedNamespaces: a}, services: {s: {image: x}}}`)
	f.Add(`services: {a: {image: a, depends_on: [b], x-telepresence: {behavior: remote}}, b: {image: b, x-telepresence: {behavior: remote}}, c: {image: c, depends_on: [a]}}`)
}

const projectSeed = `
x-telepresence: {context: minikube, namespace: default}
services:
  echo:
    image: echo
    hostname: h
    ports: ["8088:8088", "127.0.0.1:9000:9000/udp"]
    volumes: ["data:/data", "secrets:/var/run/secrets"]
    networks:
      default: {aliases: [api]}
      green: {}
    x-telepresence:
      behavior: interceptHandler
      intercept: {workload: echo-server, port: "8088:http", httpHeaders: [x=y], mount: true}
  db:
    image: db
    depends_on: {cache: {condition: service_healthy}}
    x-telepresence: {behavior: remote, mapping: {name: psql, namespace: data}}
  cache: {image: cache}
  web: {image: web, depends_on: [db, echo], links: [db]}
  side: {image: side, network_mode: "service:echo"}
networks: {green: {}}
volumes: {data: {}, secrets: {}}
`

// FuzzParseIntent: whatever the YAML, parsing the intent never panics and
// never changes the project; an error is always an IntentError list.
func FuzzParseIntent(f *testing.F) {
	seedFuzz(f)
	f.Fuzz(func(t *testing.T, doc string) {
		project, err := loadErr(t, doc)
		if err != nil {
			return
		}
		before := yamlOf(t, project)
		_, err = ParseIntent(project, Flags{Handlers: []string{"echo"}, Remotes: []string{"db=psql.data"}})
		if err != nil && len(intentErrs(err)) == 0 {
			t.Fatalf("error is not an intent error: %v", err)
		}
		if after := yamlOf(t, project); after != before {
			t.Fatalf("ParseIntent changed its input")
		}
	})
}

// FuzzApply: for any project whose intent parses, the plan and the
// transform never panic, never change the input, and the output is a
// compose project that loads back.
func FuzzApply(f *testing.F) {
	seedFuzz(f)
	f.Fuzz(func(t *testing.T, doc string) {
		project, err := loadErr(t, doc)
		if err != nil {
			return
		}
		in, err := ParseIntent(project, Flags{})
		if err != nil {
			return
		}
		before := yamlOf(t, project)
		snapshot := project.WithServicesDisabled() // a deep copy
		if _, err := NewPlan(project, in); err != nil && len(intentErrs(err)) == 0 {
			t.Fatalf("plan error is not an intent error: %v", err)
		}
		intercepts := map[string]Intercept{}
		for _, name := range in.ServicesWith(InterceptHandler) {
			intercepts[name] = Intercept{Name: name, MountPort: 2, Mounts: paths("/data", "/var/run/secrets"),
				Environment: map[string]string{"TELEPRESENCE_CONTAINER": name, "A": "1"}}
		}
		res, err := Apply(project, in, rt(intercepts))
		if after := yamlOf(t, project); after != before || !reflect.DeepEqual(snapshot, project) {
			t.Fatalf("Apply changed its input")
		}
		if err != nil {
			if len(intentErrs(err)) == 0 {
				t.Fatalf("apply error is not an intent error: %v", err)
			}
			return
		}
		out := yamlOf(t, res.Project)
		if _, err := loadErr(t, out); err != nil {
			t.Fatalf("the transformed project does not load back: %v\n%s", err, out)
		}
	})
}

func intentErrs(err error) []*IntentError {
	var list Errors
	var one *IntentError
	switch {
	case errors.As(err, &list):
		return list
	case errors.As(err, &one):
		return []*IntentError{one}
	}
	return nil
}

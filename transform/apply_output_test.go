package transform

import (
	"slices"
	"strings"
	"testing"
)

func TestApplyOutputLoadsBack(t *testing.T) {
	project := load(t, `
services:
  echo:
    image: echo
    ports: ["8088:8088"]
    networks: [green, default]
    x-telepresence: {behavior: interceptHandler}
  db:
    image: db
    x-telepresence: {behavior: remote, mapping: {name: psql}}
  web:
    image: web
    depends_on: [db, echo]
networks:
  green: {}
`)
	res, err := Apply(project, mustIntent(t, project, Flags{}), rt(map[string]Intercept{"echo": {Name: "echo", MountPort: 2, Mounts: paths("/s")}}))
	if err != nil {
		t.Fatal(err)
	}
	out := yamlOf(t, res.Project)
	back, err := loadErr(t, out)
	if err != nil {
		t.Fatalf("the transformed project does not load back: %v\n%s", err, out)
	}
	if got := slices.Sorted(func(yield func(string) bool) {
		for k := range back.Services {
			if !yield(k) {
				return
			}
		}
	}); !slices.Equal(got, []string{"echo", "web"}) {
		t.Errorf("services after load = %v", got)
	}
	if strings.Contains(out, ExtensionKey) {
		t.Errorf("the transformed project still carries %s:\n%s", ExtensionKey, out)
	}
}

func TestApplyQualifiesVolumeNamesThatWouldClash(t *testing.T) {
	project := load(t, `
services:
  a: {image: a, ports: ["80"], x-telepresence: {behavior: interceptHandler, intercept: {workload: wa}}}
  b: {image: b, ports: ["81"], x-telepresence: {behavior: interceptHandler, intercept: {workload: wb}}}
  c: {image: c, ports: ["82"], volumes: ["solo-0:/x"], x-telepresence: {behavior: interceptHandler, intercept: {workload: wc}}}
volumes:
  solo-0: {}
`)
	// The pods of wa and wb both name their container "app"; wc's is "solo",
	// and the project already has a volume solo-0.
	res, err := Apply(project, mustIntent(t, project, Flags{}), rt(map[string]Intercept{
		"a": {Name: "wa", MountPort: 1, Mounts: paths("/s"), Environment: map[string]string{"TELEPRESENCE_CONTAINER": "app"}},
		"b": {Name: "wb", MountPort: 1, Mounts: paths("/s"), Environment: map[string]string{"TELEPRESENCE_CONTAINER": "app"}},
		"c": {Name: "wc", MountPort: 1, Mounts: paths("/s"), Environment: map[string]string{"TELEPRESENCE_CONTAINER": "solo"}},
	}))
	if err != nil {
		t.Fatal(err)
	}
	got := telemountKeys(res.Project)
	if want := []string{"a-app-0", "b-app-0", "c-solo-0"}; !slices.Equal(got, want) {
		t.Errorf("volumes = %v, want %v", got, want)
	}
	if src := res.Project.Services["b"].Volumes[0].Source; src != "b-app-0" {
		t.Errorf("b mounts %q", src)
	}
}

func TestApplyBareEnvironmentEntryDoesNotHideThePodValue(t *testing.T) {
	project := load(t, `
services:
  echo:
    image: echo
    ports: ["80"]
    environment: [DB_HOST, MODE=local]
    x-telepresence: {behavior: interceptHandler}
`)
	// DB_HOST is not set in the (empty) environment of the load: nil value.
	res, err := Apply(project, mustIntent(t, project, Flags{}), rt(map[string]Intercept{
		"echo": {Name: "echo", Environment: map[string]string{"DB_HOST": "psql", "MODE": "cluster"}},
	}))
	if err != nil {
		t.Fatal(err)
	}
	env := res.Project.Services["echo"].Environment
	if env["DB_HOST"] == nil || *env["DB_HOST"] != "psql" || *env["MODE"] != "local" {
		t.Errorf("DB_HOST = %v, MODE = %v; want psql (pod) and local (compose)", env["DB_HOST"], env["MODE"])
	}
}

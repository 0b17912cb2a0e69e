package lifecycle

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telepresenceio/docker-telepresence/internal/labels"
	"github.com/telepresenceio/docker-telepresence/lifecycle/engine"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// Running `up` again on a project that is up keeps what has not changed.
func TestUpAgainReusesTheLiveIntercepts(t *testing.T) {
	for _, release := range []vocab.Version{v220, v227} {
		t.Run(release.String(), func(t *testing.T) {
			f := newFixture(t, projectYAML, release)
			f.tp.env = map[string]string{"DB_HOST": "psql"}
			f.tp.mounts = []vocab.Mount{{Path: "/var/run/secrets", Policy: "Remote"}, {Path: "/cache", Policy: "Local"}, {Path: "/ro", Policy: "RemoteReadOnly"}}
			if err := f.up(t.Context(), true); err != nil {
				t.Fatal(err)
			}
			first := yamlOf(t, f.lastProject())
			// What the running handlers got beyond their images: the pod's
			// variables, and one the compose file set then and no longer does.
			f.engine.HandlerEnv = map[string]map[string]string{
				"proj-echo-1": {"DB_HOST": "psql", "TELEPRESENCE_CONTAINER": "echo-server", "GONE": "from the file"},
				"proj-api-1":  {"DB_HOST": "psql", "TELEPRESENCE_CONTAINER": "api"},
			}
			f.upAgain(t)
			if hasStep(f.j, "tp leave") || hasStep(f.j, "tp connect") || hasStep(f.j, "tp intercept") {
				t.Errorf("the second up changed the intercepts: %v", f.j.all())
			}
			if !strings.Contains(f.stderr.String(), "Intercept echo-server Running reused by service echo") {
				t.Errorf("stderr = %s", f.stderr.String())
			}
			if d := cmp.Diff(first, yamlOf(t, f.lastProject())); d != "" {
				t.Errorf("the second up asks Compose for another project (-first +second):\n%s", d)
			}
		})
	}
}

// An intercept is created with a request; when the project asks for
// another, the old intercept is left and a new one created, and the user
// is told why. A user who adds httpHeaders must not keep a global intercept.
func TestUpAgainWithAnotherRequestReplacesTheIntercept(t *testing.T) {
	base := `
services:
  echo:
    image: echo
    ports: ["8088:8088"]
    x-telepresence:
      behavior: interceptHandler
      intercept: {workload: echo-server%s}
`
	tests := []struct {
		name, change, wantIntercept, wantWhy string
	}{
		{"port", `, port: "9090:http"`, "tp intercept echo-server --port 9090:http --address tp-proj-echo", `ports "8088", now "9090:http"`},
		{"httpHeaders", `, httpHeaders: [x-dev=alice]`, "tp intercept echo-server --port 8088 --address tp-proj-echo --http-header \"x-dev:alice\"", `httpHeaders "", now "x-dev=alice"`},
		{"service", `, service: echo-svc`, "tp intercept echo-server --port 8088 --address tp-proj-echo --service echo-svc", `service "", now "echo-svc"`},
		{"mount", `, mount: false`, "tp intercept echo-server --port 8088 --address tp-proj-echo --mount=false", `mount "true", now "false"`},
		{"workload", `-v2`, "tp intercept echo-server-v2 --port 8088 --address tp-proj-echo", `workload "echo-server", now "echo-server-v2"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, edit(t, base, "%s", ""), v227)
			if err := f.up(t.Context(), true); err != nil {
				t.Fatal(err)
			}
			f.engine.HandlerEnv = map[string]map[string]string{"proj-echo-1": {"TELEPRESENCE_CONTAINER": "echo-server"}}
			f.load(t, edit(t, base, "%s", tc.change))
			f.upAgain(t)
			if !slices.Contains(f.j.all(), "tp leave echo-server") {
				t.Errorf("the old intercept was not left: %v", f.j.all())
			}
			if !hasStep(f.j, tc.wantIntercept) {
				t.Errorf("no %q: %v", tc.wantIntercept, f.j.all())
			}
			if want := "Intercept echo-server Leaving service echo: it was created with " + tc.wantWhy; !strings.Contains(f.stderr.String(), want) {
				t.Errorf("stderr lacks %q:\n%s", want, f.stderr.String())
			}
			records := f.engine.Labelled("proj", labels.Request)
			if len(records) != 1 || len(f.tp.active) != 1 {
				t.Errorf("records %v, intercepts %v: want one of each", records, f.tp.active)
			}
		})
	}
}

func TestUpAgainLeavesTheInterceptOfAServiceThatIsNoLongerAHandler(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	f.load(t, edit(t, projectYAML, "x-telepresence: {behavior: interceptHandler}", ""))
	f.upAgain(t)
	if !strings.Contains(f.stderr.String(), `Intercept api Leaving service api: service "api" is no longer attached to a workload`) || f.tp.active["api"] {
		t.Errorf("the intercept of api stays: %v\n%s", f.tp.active, f.stderr.String())
	}
}

// The daemon's aliases on a network follow the handlers (netns model):
// Docker cannot change them in place, so the daemon is attached again.
func TestNetnsDaemonAliasesFollowTheHandlers(t *testing.T) {
	project := func(aliases string) string {
		return `
services:
  echo:
    image: echo
    ports: ["8088:8088"]
    networks:
      green: {aliases: [` + aliases + `]}
    x-telepresence: {behavior: interceptHandler}
  client: {image: client, networks: [green]}
networks:
  green: {}
`
	}
	f := newFixture(t, project("echo-green"), v220)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	f.upAgain(t)
	if hasStep(f.j, "docker network") {
		t.Errorf("aliases unchanged, yet the daemon was re-attached: %v", f.j.all())
	}
	f.load(t, project("echo-blue"))
	f.upAgain(t)
	want := []string{"docker network disconnect proj_green tp-test", "docker network connect proj_green tp-test [echo echo-blue]"}
	if got := slices.DeleteFunc(f.j.all(), func(s string) bool { return !strings.HasPrefix(s, "docker network") }); !slices.Equal(got, want) {
		t.Errorf("network steps = %v, want %v", got, want)
	}
}

// A handler on an external network makes the daemon join it; `down`
// detaches the daemon again.
func TestDownDetachesTheDaemonFromExternalNetworks(t *testing.T) {
	f := newFixture(t, `
services:
  echo:
    image: echo
    ports: ["8088:8088"]
    networks: [shared]
    x-telepresence: {behavior: interceptHandler}
networks:
  shared: {external: true}
`, v220)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	f.j.reset()
	if err := f.newRunner().Down(t.Context(), DownOptions{ProjectName: "proj"}); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(f.j.all(), "docker network disconnect shared tp-test") {
		t.Errorf("the daemon stays on the external network: %v", f.j.all())
	}
}

// Handlers of the netns model are keyed on the daemon's container ID: after
// `telepresence quit` and a reconnect, Compose is given another network
// mode, so it recreates them instead of keeping a dead namespace.
func TestHandlersFollowARestartedDaemon(t *testing.T) {
	f := newFixture(t, projectYAML, v220)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	before := f.lastProject().Services["echo"].NetworkMode
	f.engine.DaemonID = "fedcba9876543210" // quit, connect: a new container of the same name
	f.upAgain(t)
	if after := f.lastProject().Services["echo"].NetworkMode; after == before || after != "container:fedcba9876543210" {
		t.Errorf("network_mode %q then %q: the handler keeps the old daemon's namespace", before, after)
	}
}

func TestWatchRefusesBeforeAnything(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second) // a watch that started would run until then
	defer cancel()
	err := f.runner.Up(ctx, UpOptions{Project: f.project, Intent: f.intent, Mode: Watch})
	if !errors.Is(err, ErrNothingToWatch) {
		t.Fatalf("err = %v", err)
	}
	assertSteps(t, f.j, nil)
}

// A project error is found before the first telepresence command.
func TestAReservedNetworkNameIsRefusedBeforeTelepresence(t *testing.T) {
	f := newFixture(t, projectYAML+`  telepresence-handlers: {}
`, v220)
	if err := f.up(t.Context(), true); !errors.Is(err, transform.ErrInvalidProject) || !strings.Contains(err.Error(), "networks.telepresence-handlers") {
		t.Fatalf("err = %v", err)
	}
	assertSteps(t, f.j, nil)
}

// A workload that moves from one handler to another: the old intercept is
// left before the new one is made, whatever order the services come in.
func TestUpAgainMovesAWorkloadBetweenHandlers(t *testing.T) {
	project := func(api, worker string) string {
		return `
services:
  api: {image: api, ports: ["80"], x-telepresence: {behavior: interceptHandler, intercept: {workload: ` + api + `}}}
  worker: {image: worker, ports: ["81"], x-telepresence: {behavior: interceptHandler, intercept: {workload: ` + worker + `}}}
`
	}
	f := newFixture(t, project("api", "backend"), v227)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	f.load(t, project("backend", "worker"))
	f.upAgain(t)
	steps := f.j.all()
	leave, create := slices.Index(steps, "tp leave backend"), slices.IndexFunc(steps, func(s string) bool { return strings.HasPrefix(s, "tp intercept backend") })
	if leave < 0 || create < leave {
		t.Errorf("backend must be left before api intercepts it: %v", steps)
	}
	if got := f.engine.Labelled("proj", labels.Request); !slices.Equal(got, []string{"proj_telepresence-intercept-backend", "proj_telepresence-intercept-worker"}) {
		t.Errorf("records = %v", got)
	}
	if !f.tp.active["backend"] || !f.tp.active["worker"] || f.tp.active["api"] {
		t.Errorf("intercepts = %v", f.tp.active)
	}
}

// containersRead is an engine whose first read of the project's
// containers calls read before it answers, with fail if set.
type containersRead struct {
	engine.Engine
	once sync.Once
	read func()
	fail error
}

func (e *containersRead) ProjectContainers(ctx context.Context, project string) ([]engine.Container, error) {
	e.once.Do(e.read)
	if e.fail != nil {
		return nil, e.fail
	}
	return e.Engine.ProjectContainers(ctx, project)
}

// The daemons' status is asked while the project's state is read from
// Docker, not after: each waits until the other has begun, so a run that
// asked one after the other would never end.
func TestTheStatusIsAskedWhileTheProjectIsFound(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	var statusAsked, stateRead sync.WaitGroup
	statusAsked.Add(1)
	stateRead.Add(1)
	var once sync.Once
	f.tp.onStatus = func() {
		once.Do(func() {
			statusAsked.Done()
			stateRead.Wait()
		})
	}
	f.runner.Engine = &containersRead{Engine: f.engine, read: func() {
		stateRead.Done()
		statusAsked.Wait()
	}}
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
}

// An engine that fails to say what the project left stops the run before
// Telepresence is asked for anything but its status, which is read at the
// same time: no daemon is connected, nothing is attached.
func TestAnEngineThatCannotBeReadStopsTheRunBeforeTelepresenceActs(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	asked := make(chan struct{})
	var once sync.Once
	f.tp.onStatus = func() { once.Do(func() { close(asked) }) }
	f.runner.Engine = &containersRead{Engine: f.engine, fail: errors.New("Cannot connect to the Docker daemon"), read: func() { <-asked }}
	err := f.up(t.Context(), true)
	if err == nil || !strings.Contains(err.Error(), "Cannot connect to the Docker daemon") || !strings.Contains(err.Error(), "hint: is Docker running?") {
		t.Fatalf("up = %v, want the engine's error with its hint", err)
	}
	assertSteps(t, f.j, []string{"tp status"})
}

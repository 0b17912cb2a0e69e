package lifecycle

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/telepresenceio/docker-telepresence/telepresence"
	"github.com/telepresenceio/docker-telepresence/transform"
)

const projectYAML = `
services:
  echo:
    image: echo
    ports: ["8088:8088"]
    networks: [default, green]
    x-telepresence:
      behavior: interceptHandler
      intercept: {workload: echo-server}
  api:
    image: api
    ports: ["9000:9000"]
    x-telepresence: {behavior: interceptHandler}
  db:
    image: db
    x-telepresence: {behavior: remote, mapping: {name: psql}}
  web:
    image: web
    depends_on: [db]
networks:
  green: {}
`

type fixture struct {
	j       *journal
	tp      *fakeTP
	engine  *fakeEngine
	compose *fakeCompose
	stderr  *bytes.Buffer
	runner  *Runner
	project *types.Project
	intent  *transform.Intent
}

func newFixture(t *testing.T, yaml string) *fixture {
	t.Helper()
	j := &journal{}
	f := &fixture{j: j, tp: newFakeTP(j), engine: newFakeEngine(j), stderr: &bytes.Buffer{}}
	f.compose = newFakeCompose(j, f.engine)
	f.runner = f.newRunner()
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir: "/work", ConfigFiles: []types.ConfigFile{{Filename: "compose.yaml", Content: []byte(yaml)}},
	}, func(o *loader.Options) { o.SetProjectName("proj", true) })
	if err != nil {
		t.Fatal(err)
	}
	f.project = p
	if f.intent, err = transform.ParseIntent(p, transform.Flags{}); err != nil {
		t.Fatal(err)
	}
	return f
}

// newRunner is a new process: it shares only the Docker and Telepresence state.
func (f *fixture) newRunner() *Runner {
	return &Runner{Compose: f.compose, Engine: f.engine, Telepresence: f.tp, Err: f.stderr, VolumeDriver: "telemount"}
}

func (f *fixture) up(ctx context.Context, detach bool) error {
	return f.runner.Up(ctx, UpOptions{Project: f.project, Intent: f.intent, Detach: detach, Logs: discard{}})
}

// assertNothingLeft checks that no intercept and no volume of the project
// remain.
func (f *fixture) assertNothingLeft(t *testing.T) {
	t.Helper()
	if len(f.tp.active) != 0 || len(f.engine.volumes["proj"]) != 0 {
		t.Errorf("left behind: intercepts %v, volumes %v", f.tp.active, f.engine.volumes["proj"])
	}
}

func assertSteps(t *testing.T, j *journal, want []string) {
	t.Helper()
	if d := cmp.Diff(want, j.list()); d != "" {
		t.Errorf("steps (-want +got):\n%s", d)
	}
}

func TestUpDetached(t *testing.T) {
	f := newFixture(t, projectYAML)
	if err := f.up(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	assertSteps(t, f.j, []string{
		"tp status",
		"tp connect --docker --expose 8088:8088 --expose 9000:9000",
		"tp status",
		"docker volume create proj_telepresence-intercept-api",
		"tp intercept api --port 9000",
		"docker volume create proj_telepresence-intercept-echo-server",
		"tp intercept echo-server --port 8088",
		"tp dns 9999 db=psql.default",
		"compose create api,echo,web",
		"docker network connect proj_green tp-test [echo]",
		"docker network connect proj_telepresence-handlers tp-test [api echo]",
		"compose up attached=false watch=false",
	})
	labels := f.engine.containers["proj"][1].Labels
	if labels[transform.LabelIntercept] != "echo-server" || labels[transform.LabelDaemon] != "tp-test" {
		t.Errorf("handler container labels = %v", labels)
	}
}

func TestUpWarnsAboutPortsTheRunningDaemonDoesNotExpose(t *testing.T) {
	f := newFixture(t, projectYAML)
	f.tp.status = telepresence.Status{Running: true, InDocker: true, Name: "test", ContainerNetwork: "container:tp-test", ExposedPorts: []string{"8088:8088"}}
	if err := f.up(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	want := "WARNING: the running Telepresence daemon does not expose port 9000:9000, so it is not reachable from this host; " +
		"reconnect with: telepresence quit && telepresence connect --docker --expose 8088:8088 --expose 9000:9000"
	if !strings.Contains(f.stderr.String(), want) {
		t.Errorf("stderr lacks the warning:\n%s", f.stderr.String())
	}
	if slices.ContainsFunc(f.j.list(), func(s string) bool { return strings.HasPrefix(s, "tp connect") }) {
		t.Errorf("connected although a daemon runs")
	}
}

func TestUpFailingHalfWayUndoesEverything(t *testing.T) {
	f := newFixture(t, projectYAML)
	f.tp.failIntercept["echo-server"] = &telepresence.CommandError{Args: []string{"intercept", "echo-server"}, Message: "conflict", Err: telepresence.ErrFailed}
	err := f.up(context.Background(), true)
	if err == nil || !strings.Contains(err.Error(), `service "echo": intercepting workload "echo-server": telepresence intercept echo-server: conflict`) {
		t.Fatalf("err = %v", err)
	}
	assertSteps(t, f.j, []string{
		"tp status",
		"tp connect --docker --expose 8088:8088 --expose 9000:9000",
		"tp status",
		"docker volume create proj_telepresence-intercept-api",
		"tp intercept api --port 9000",
		"docker volume create proj_telepresence-intercept-echo-server",
		"tp intercept echo-server --port 8088",
		// undo, newest first; the failed intercept is someone else's: not left
		"tp leave api",
		"docker volume rm proj_telepresence-intercept-api",
		"docker volume rm proj_telepresence-intercept-echo-server",
		"tp quit",
	})
	f.assertNothingLeft(t)
}

func TestUpComposeFailureRemovesContainers(t *testing.T) {
	f := newFixture(t, projectYAML)
	f.tp.status = telepresence.Status{Running: true, InDocker: true, Name: "test", ContainerNetwork: "container:tp-test", ExposedPorts: []string{"8088:8088", "9000:9000"}}
	f.compose.upErr = errors.New("port is already allocated")
	if err := f.up(context.Background(), true); err == nil || !strings.Contains(err.Error(), "port is already allocated") {
		t.Fatalf("err = %v", err)
	}
	steps := f.j.list()
	tail := steps[len(steps)-8:]
	want := []string{
		"compose up attached=false watch=false",
		"tp leave echo-server",
		"tp leave api",
		"docker network disconnect proj_green tp-test",
		"docker network disconnect proj_telepresence-handlers tp-test",
		"compose down proj",
		"docker volume rm proj_telepresence-intercept-api",
		"docker volume rm proj_telepresence-intercept-echo-server",
	}
	if d := cmp.Diff(want, tail); d != "" {
		t.Errorf("undo (-want +got):\n%s", d)
	}
	if slices.Contains(steps, "tp quit") {
		t.Errorf("quit a daemon this run did not connect")
	}
	if len(f.engine.containers["proj"]) != 0 || len(f.tp.active) != 0 {
		t.Errorf("left behind: containers %v, intercepts %v", f.engine.containers["proj"], f.tp.active)
	}
}

func TestUpInterruptedDuringAnInterceptLeavesIt(t *testing.T) {
	f := newFixture(t, projectYAML)
	ctx, cancel := context.WithCancel(context.Background())
	f.tp.onIntercept = func(w string) {
		if w == "echo-server" {
			f.tp.active[w] = true // it was created, but we never heard back
			cancel()
		}
	}
	if err := f.up(ctx, true); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if len(f.tp.active) != 0 {
		t.Errorf("intercepts left behind: %v", f.tp.active)
	}
}

func TestUpAttachedInterruptedStopsAndLeaves(t *testing.T) {
	f := newFixture(t, projectYAML)
	ctx, cancel := context.WithCancel(context.Background())
	f.compose.onUp = cancel // Ctrl-C while attached; Compose stops the containers
	f.compose.blockAttached = true
	f.compose.upErr = context.Canceled // what Compose may return after the stop
	if err := f.up(ctx, false); err != nil {
		t.Fatalf("err = %v", err)
	}
	steps := f.j.list()
	if d := cmp.Diff([]string{"compose up attached=true watch=false", "compose stopped the project", "tp leave echo-server", "tp leave api"}, steps[len(steps)-4:]); d != "" {
		t.Errorf("steps (-want +got):\n%s", d)
	}
	if len(f.engine.containers["proj"]) == 0 {
		t.Errorf("the containers were removed; Ctrl-C only stops them")
	}
}

func TestDownFromANewProcess(t *testing.T) {
	f := newFixture(t, projectYAML)
	if err := f.up(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	f.j.steps = nil
	if err := f.newRunner().Down(context.Background(), DownOptions{ProjectName: "proj"}); err != nil {
		t.Fatal(err)
	}
	assertSteps(t, f.j, []string{
		"tp status",
		"tp leave api",
		"tp leave echo-server",
		"docker network disconnect proj_green tp-test",
		"docker network disconnect proj_telepresence-handlers tp-test",
		"compose down proj",
		"docker volume rm proj_telepresence-intercept-api",
		"docker volume rm proj_telepresence-intercept-echo-server",
	})
	f.assertNothingLeft(t)
}

func TestDownWhenNothingIsUp(t *testing.T) {
	f := newFixture(t, projectYAML)
	if err := f.runner.Down(context.Background(), DownOptions{ProjectName: "proj"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.stderr.String(), `Nothing to do: project "proj"`) {
		t.Errorf("stderr = %q", f.stderr.String())
	}
	assertSteps(t, f.j, nil)
}

func TestUpDefaultVolumePluginMissing(t *testing.T) {
	f := newFixture(t, projectYAML)
	f.runner.VolumeDriver = ""
	err := f.up(context.Background(), true)
	if err == nil || !strings.Contains(err.Error(), "datawire/telemount:amd64") || !strings.Contains(err.Error(), "mount: false") {
		t.Fatalf("err = %v", err)
	}
	if slices.ContainsFunc(f.j.list(), func(s string) bool { return strings.HasPrefix(s, "tp intercept") }) {
		t.Errorf("intercepted although the volumes cannot be mounted")
	}
}

func TestUpDaemonNotInDocker(t *testing.T) {
	f := newFixture(t, projectYAML)
	f.tp.statusErr = &telepresence.CommandError{Args: []string{"status"}, Err: telepresence.ErrNotDocker, Message: "run telepresence connect --docker"}
	if err := f.up(context.Background(), true); !errors.Is(err, telepresence.ErrNotDocker) {
		t.Fatalf("err = %v", err)
	}
	assertSteps(t, f.j, []string{"tp status"})
}

func TestUpInvalidIntentStartsNothing(t *testing.T) {
	f := newFixture(t, `
services:
  echo:
    image: echo
    network_mode: host
    x-telepresence: {behavior: interceptHandler, intercept: {port: "80"}}
`)
	err := f.up(context.Background(), true)
	if !errors.Is(err, transform.ErrInvalidProject) {
		t.Fatalf("err = %v", err)
	}
	assertSteps(t, f.j, nil)
}

func TestConfigWithoutTelepresence(t *testing.T) {
	f := newFixture(t, projectYAML)
	f.tp.statusErr = telepresence.ErrNotInstalled
	res, err := f.runner.Config(context.Background(), f.project, f.intent, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Project.Services["echo"].NetworkMode; got != "container:"+PlaceholderDaemon {
		t.Errorf("network_mode = %q", got)
	}
	for _, want := range []string{"not connected", "environment and volumes are added"} {
		if !strings.Contains(f.stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, f.stderr.String())
		}
	}
	assertSteps(t, f.j, []string{"tp status"})
}

func TestAttachedUpStopsWhenTheDaemonGoes(t *testing.T) {
	f := newFixture(t, projectYAML)
	f.runner.DaemonCheck = 10 * time.Millisecond
	f.compose.blockAttached = true
	f.compose.onUp = func() { f.engine.setDaemon(true, nil) }
	err := f.up(context.Background(), false)
	if !errors.Is(err, ErrDaemonGone) || !strings.Contains(err.Error(), "tp-test stopped while the project ran") {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(f.stderr.String(), "The Telepresence daemon container tp-test stopped: stopping the project") {
		t.Errorf("stderr = %s", f.stderr.String())
	}
	if !slices.Contains(f.j.list(), "compose stopped the project") {
		t.Errorf("the project was not stopped: %v", f.j.list())
	}
}

func TestUpAgainReusesTheLiveIntercepts(t *testing.T) {
	f := newFixture(t, projectYAML)
	f.tp.env = map[string]string{"DB_HOST": "psql"}
	f.tp.mounts = []string{"/var/run/secrets"}
	if err := f.up(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	first := f.compose.projects["proj"]
	// What the running handlers got beyond their images.
	f.engine.handlerEnv = map[string]map[string]string{
		"proj-echo-1": {"DB_HOST": "psql", "TELEPRESENCE_CONTAINER": "echo-server"},
		"proj-api-1":  {"DB_HOST": "psql", "TELEPRESENCE_CONTAINER": "api"},
	}
	for _, key := range []string{"echo-server-0", "api-0"} {
		v := first.Volumes[key]
		f.engine.volumes["proj"] = append(f.engine.volumes["proj"], Volume{Name: v.Name, Labels: v.Labels, Options: v.DriverOpts})
	}
	f.j.steps = nil
	if err := f.newRunner().Up(context.Background(), UpOptions{Project: f.project, Intent: f.intent, Detach: true}); err != nil {
		t.Fatal(err)
	}
	for _, step := range f.j.list() {
		if strings.HasPrefix(step, "tp leave") || strings.HasPrefix(step, "tp connect") {
			t.Errorf("the second up did %q", step)
		}
	}
	if !strings.Contains(f.stderr.String(), "Reusing the live intercept echo-server of this project for service echo") {
		t.Errorf("stderr = %s", f.stderr.String())
	}
	second := f.compose.projects["proj"]
	if d := cmp.Diff(yamlOf(t, first), yamlOf(t, second)); d != "" {
		t.Errorf("the second up asks Compose for another project (-first +second):\n%s", d)
	}
	if len(f.tp.active) != 2 {
		t.Errorf("active intercepts = %v", f.tp.active)
	}
}

func TestConnectFailsOnATakenPort(t *testing.T) {
	f := newFixture(t, projectYAML)
	f.engine.portUsers = map[string][]string{"8088": {"other-web-1"}}
	f.tp.connectErr = &telepresence.CommandError{Args: []string{"connect", "--docker"}, Err: telepresence.ErrFailed,
		Message: "docker: Error response from daemon: driver failed programming external connectivity: Bind for 0.0.0.0:8088 failed: port is already allocated."}
	err := f.up(context.Background(), true)
	want := "host port 8088, published by an intercept handler, is already in use by container other-web-1"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want it to contain %q", err, want)
	}
}

func yamlOf(t *testing.T, p *types.Project) string {
	t.Helper()
	b, err := p.MarshalYAML()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestConfigOfARunningProjectMasksThePodEnvironment(t *testing.T) {
	f := newFixture(t, projectYAML)
	f.tp.env = map[string]string{"DB_PASSWORD": "s3cret"}
	if err := f.up(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	f.engine.handlerEnv = map[string]map[string]string{
		"proj-echo-1": {"DB_PASSWORD": "s3cret", "TELEPRESENCE_CONTAINER": "echo-server"},
	}
	for _, show := range []bool{false, true} {
		res, err := f.newRunner().Config(context.Background(), f.project, f.intent, show)
		if err != nil {
			t.Fatal(err)
		}
		got := *res.Project.Services["echo"].Environment["DB_PASSWORD"]
		want := Masked
		if show {
			want = "s3cret"
		}
		if got != want {
			t.Errorf("show-env=%v: DB_PASSWORD = %q, want %q", show, got, want)
		}
		if out := yamlOf(t, res.Project); !show && strings.Contains(out, "s3cret") {
			t.Errorf("the secret is printed:\n%s", out)
		}
		if c := *res.Project.Services["echo"].Environment["TELEPRESENCE_CONTAINER"]; c != "echo-server" {
			t.Errorf("show-env=%v: TELEPRESENCE_CONTAINER = %q: Telepresence's own variables are not secret, and name the volumes", show, c)
		}
	}
	if !strings.Contains(f.stderr.String(), "--show-env shows it") {
		t.Errorf("stderr = %s", f.stderr.String())
	}
}

func TestUpInterruptedWhileConnecting(t *testing.T) {
	f := newFixture(t, projectYAML)
	ctx, cancel := context.WithCancel(context.Background())
	f.tp.onConnect = cancel
	if err := f.up(ctx, true); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	// The interrupted connect may have started a daemon: quit it.
	assertSteps(t, f.j, []string{"tp status", "tp connect --docker --expose 8088:8088 --expose 9000:9000", "tp quit"})
}

func TestUpInterruptedDuringTheBuild(t *testing.T) {
	f := newFixture(t, projectYAML)
	ctx, cancel := context.WithCancel(context.Background())
	f.compose.onCreate = cancel
	if err := f.up(ctx, true); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	steps := f.j.list()
	for _, want := range []string{"compose down proj", "tp leave api", "tp leave echo-server", "tp quit"} {
		if !slices.Contains(steps, want) {
			t.Errorf("undo lacks %q: %v", want, steps)
		}
	}
	f.assertNothingLeft(t)
}

func TestDownKeepsTheRecordOfAnInterceptItCannotLeave(t *testing.T) {
	f := newFixture(t, projectYAML)
	if err := f.up(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	f.tp.failLeave = map[string]error{"api": errors.New("telepresence leave api: connection refused")}
	err := f.newRunner().Down(context.Background(), DownOptions{ProjectName: "proj"})
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err = %v", err)
	}
	if got := f.engine.volumes["proj"]; len(got) != 1 || got[0].Name != "proj_telepresence-intercept-api" {
		t.Fatalf("volumes after a failed leave = %v, want only the record of api", got)
	}
	// The next down finds it again and finishes the job.
	f.tp.failLeave = nil
	if err := f.newRunner().Down(context.Background(), DownOptions{ProjectName: "proj"}); err != nil {
		t.Fatal(err)
	}
	f.assertNothingLeft(t)
}

func TestInterruptingAnUpThatReusedInterceptsLeavesThem(t *testing.T) {
	f := newFixture(t, projectYAML)
	if err := f.up(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f.compose.onUp = cancel
	f.compose.blockAttached = true
	if err := f.newRunner().Up(ctx, UpOptions{Project: f.project, Intent: f.intent, Logs: discard{}}); err != nil {
		t.Fatal(err)
	}
	if len(f.tp.active) != 0 {
		t.Errorf("intercepts still active after Ctrl-C: %v", f.tp.active)
	}
}

func TestAFailedUpKeepsADaemonAnotherProjectUses(t *testing.T) {
	f := newFixture(t, projectYAML)
	f.engine.containers["other"] = []Container{{Name: "other-h-1", Labels: map[string]string{transform.LabelDaemon: "tp-test"}}}
	f.compose.upErr = errors.New("boom")
	if err := f.up(context.Background(), true); err == nil {
		t.Fatal("up succeeded")
	}
	if slices.Contains(f.j.list(), "tp quit") {
		t.Errorf("quit a daemon that project other uses")
	}
}

func TestAttachedUpRidesOutAnEngineErrorWhileCheckingTheDaemon(t *testing.T) {
	f := newFixture(t, projectYAML)
	f.runner.DaemonCheck = 5 * time.Millisecond
	f.compose.blockAttached = true
	ctx, cancel := context.WithCancel(context.Background())
	f.compose.onUp = func() {
		f.engine.setDaemon(false, errors.New("context deadline exceeded"))
		time.AfterFunc(100*time.Millisecond, cancel) // then Ctrl-C
	}
	if err := f.up(ctx, false); err != nil {
		t.Fatalf("err = %v; a passing engine error must not stop the project", err)
	}
	if strings.Contains(f.stderr.String(), "stopping the project") {
		t.Errorf("stderr = %s", f.stderr.String())
	}
}

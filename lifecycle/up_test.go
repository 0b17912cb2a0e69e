package lifecycle

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/telepresenceio/docker-telepresence/internal/labels"
	"github.com/telepresenceio/docker-telepresence/lifecycle/engine"
	"github.com/telepresenceio/docker-telepresence/telepresence"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// The netns model (2.20): the handlers' ports are exposed by the daemon,
// which joins the handlers' networks with their names.
func TestUpDetachedNetns(t *testing.T) {
	f := newFixture(t, projectYAML, v220)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	assertSteps(t, f.j, []string{
		"tp status",
		"tp version",
		"tp connect --docker --expose 8088:8088 --expose 9000:9000",
		"tp status",
		"docker volume create proj_telepresence-intercept-api",
		"tp intercept api --port 9000 --detailed-output --output json",
		"docker volume create proj_telepresence-intercept-echo-server",
		"tp intercept echo-server --port 8088 --detailed-output --output json",
		"docker volume create proj_telepresence-dns",
		"tp status",
		"tp dns 127.0.0.1:9999 [db=psql.default]",
		"compose create api,echo,web",
		"docker network connect proj_green tp-test [echo]",
		"docker network connect proj_telepresence-handlers tp-test [api echo]",
		"compose up attached=false watch=false",
	})
	echo := f.lastProject().Services["echo"]
	if echo.NetworkMode != "container:0123456789abcdef" {
		t.Errorf("network_mode = %q, want the daemon container's ID", echo.NetworkMode)
	}
	got := echo.CustomLabels
	if got[labels.Attachment] != "echo-server" || got[labels.DaemonContainer] != "tp-test" ||
		got[labels.DaemonNetworks] != "proj_green,proj_telepresence-handlers" {
		t.Errorf("handler container labels = %v", got)
	}
	if strings.Contains(f.stderr.String(), "does not report the daemon's DNS mappings") {
		t.Errorf("2.20.2 reports the set (an empty one without the mappings key), yet: %s", f.stderr.String())
	}
}

// A status with no dns object at all: the daemon's set cannot be read, so
// the project's replaces it, the user is told, and a failed up takes them
// out again.
func TestMappingsOfADaemonThatDoesNotReportThem(t *testing.T) {
	f := newFixture(t, projectYAML, v220)
	f.tp.connect("")
	f.tp.daemon.ReportsDNSMappings, f.tp.daemon.DNSMappings = false, nil
	f.compose.upErr = errors.New("port is already allocated")
	if err := f.up(t.Context(), true); err == nil {
		t.Fatal("up succeeded")
	}
	if !strings.Contains(f.stderr.String(), "does not report the daemon's DNS mappings, so the project's replace any others") {
		t.Errorf("the user is not told the mappings replace the daemon's: %s", f.stderr.String())
	}
	var dns []string
	for _, s := range f.j.all() {
		if strings.HasPrefix(s, "tp dns") {
			dns = append(dns, s)
		}
	}
	if want := []string{"tp dns 127.0.0.1:9999 [db=psql.default]", "tp dns 127.0.0.1:9999 []"}; !slices.Equal(dns, want) {
		t.Errorf("SetDNSMappings calls = %q, want %q: the failed up must take its mappings out", dns, want)
	}
}

func TestUpWarnsAboutPortsTheRunningDaemonDoesNotPublish(t *testing.T) {
	f := newFixture(t, projectYAML, v220)
	f.tp.connect("") // publishes 8088, not 9000
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	want := "WARNING: the running Telepresence daemon does not publish port 9000:9000, so the handler is not reachable there from this host; " +
		"reconnect with: telepresence quit && telepresence connect --docker --expose 8088:8088 --expose 9000:9000"
	if !strings.Contains(f.stderr.String(), want) || strings.Contains(f.stderr.String(), "port 8088:8088") {
		t.Errorf("stderr lacks the warning, or warns about a published port:\n%s", f.stderr.String())
	}
	if hasStep(f.j, "tp connect") {
		t.Errorf("connected although a daemon runs")
	}
}

func TestUpFailingHalfWayUndoesEverything(t *testing.T) {
	f := newFixture(t, projectYAML, v220)
	f.tp.failIntercept["echo-server"] = &telepresence.CommandError{Args: []string{"intercept", "echo-server"}, Message: "conflict", Err: telepresence.ErrFailed}
	err := f.up(t.Context(), true)
	if err == nil || !strings.Contains(err.Error(), `service "echo": intercept of workload "echo-server": telepresence intercept echo-server: conflict`) {
		t.Fatalf("err = %v", err)
	}
	// The intercepts are made at once: api's is made, or interrupted by
	// echo's failure; either way it is left. The failed intercept is
	// someone else's: only its record goes.
	steps := f.j.all()
	if slices.Contains(steps, "tp leave echo-server") || !slices.Contains(steps, "docker volume rm proj_telepresence-intercept-echo-server") {
		t.Errorf("the refused intercept is someone else's: only its record goes: %v", steps)
	}
	assertTail(t, f.j, []string{"tp leave api", "docker volume rm proj_telepresence-intercept-api", "tp status", "tp quit"})
	f.assertNothingLeft(t)
}

func TestUpComposeFailureRemovesWhatItCreated(t *testing.T) {
	f := newFixture(t, projectYAML+`
volumes:
  data: {}
`, v220)
	f.tp.connect("")
	f.engine.Volumes["proj"] = []engine.Volume{{Name: "proj_old", Labels: map[string]string{"com.docker.compose.project": "proj"}}}
	f.compose.upErr = errors.New("port is already allocated")
	if err := f.up(t.Context(), true); err == nil || !strings.Contains(err.Error(), "port is already allocated") {
		t.Fatalf("err = %v", err)
	}
	assertTail(t, f.j, []string{
		"compose up attached=false watch=false",
		"docker network disconnect proj_green tp-test",
		"docker network disconnect proj_telepresence-handlers tp-test",
		"compose down proj",
		"docker volume rm proj_data", // created by this run; proj_old was there before
		"tp status",
		"tp dns 127.0.0.1:9999 []",
		"docker volume rm proj_telepresence-dns",
		"tp leave echo-server",
		"docker volume rm proj_telepresence-intercept-echo-server",
		"tp leave api",
		"docker volume rm proj_telepresence-intercept-api",
	})
	if hasStep(f.j, "tp quit") {
		t.Errorf("quit a daemon this run did not connect")
	}
	if len(f.engine.Containers["proj"]) != 0 || len(f.tp.active) != 0 || len(f.engine.Volumes["proj"]) != 1 {
		t.Errorf("left behind: containers %v, intercepts %v, volumes %v", f.engine.Containers["proj"], f.tp.active, f.engine.Volumes["proj"])
	}
}

func TestUpInterruptedDuringAnInterceptLeavesIt(t *testing.T) {
	f := newFixture(t, projectYAML, v220)
	ctx, cancel := context.WithCancel(t.Context())
	f.tp.onIntercept = func(w string) {
		if w == "echo-server" {
			f.tp.active[w] = true // it was created, but we never heard back
			cancel()
		}
	}
	if err := f.up(ctx, true); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v", err)
	}
	f.assertNothingLeft(t)
	// Shown as Compose shows what Ctrl-C stopped: canceled, no error.
	if out := f.stderr.String(); !strings.Contains(out, "Intercept echo-server Canceled") || strings.Contains(out, "context canceled") {
		t.Errorf("stderr = %s", out)
	}
}

func TestUpInterruptedWhileConnecting(t *testing.T) {
	f := newFixture(t, projectYAML, v220)
	ctx, cancel := context.WithCancel(t.Context())
	f.tp.onConnect = func() { f.tp.connect(""); cancel() }
	if err := f.up(ctx, true); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v", err)
	}
	// The interrupted connect started a daemon: quit it.
	assertSteps(t, f.j, []string{"tp status", "tp version", "tp connect --docker --expose 8088:8088 --expose 9000:9000", "tp status", "tp quit"})
}

func TestUpInterruptedDuringTheBuild(t *testing.T) {
	f := newFixture(t, projectYAML, v220)
	ctx, cancel := context.WithCancel(t.Context())
	f.compose.onCreate = cancel
	if err := f.up(ctx, true); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"compose down proj", "tp leave api", "tp leave echo-server", "tp quit"} {
		if !slices.Contains(f.j.all(), want) {
			t.Errorf("undo lacks %q: %v", want, f.j.all())
		}
	}
	f.assertNothingLeft(t)
}

func TestUpAttachedInterruptedStopsAndLeaves(t *testing.T) {
	f := newFixture(t, projectYAML, v220)
	ctx, cancel := context.WithCancel(t.Context())
	f.compose.onUp = cancel // Ctrl-C while attached; Compose stops the containers
	f.compose.blockAttached = true
	f.compose.upErr = context.Canceled // what Compose may return after the stop
	err := f.up(ctx, false)
	if !errors.Is(err, ErrInterrupted) || !strings.Contains(err.Error(), "the project is stopped and its attachments ended") {
		t.Fatalf("err = %v", err)
	}
	// Compose stopped the project: it is not stopped twice.
	assertTail(t, f.j, []string{"compose up attached=true watch=false", "compose stopped the project", "tp leave echo-server", "tp leave api"})
	if len(f.engine.Containers["proj"]) == 0 {
		t.Errorf("the containers were removed; Ctrl-C only stops them")
	}
}

func TestAttachedUpStopsWhenTheDaemonGoes(t *testing.T) {
	f := newFixture(t, projectYAML, v220)
	f.runner.DaemonCheck = 10 * time.Millisecond
	f.compose.blockAttached = true
	f.compose.keepRunning = true // Compose may return without stopping: the run must
	f.compose.onUp = func() { f.engine.SetDaemon(true, nil) }
	err := f.up(t.Context(), false)
	if !errors.Is(err, ErrDaemonGone) || !strings.Contains(err.Error(), "tp-test stopped while the project ran") {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(f.stderr.String(), "The Telepresence daemon container tp-test stopped: stopping the project") {
		t.Errorf("stderr = %s", f.stderr.String())
	}
	if !slices.Contains(f.j.all(), "compose stop proj") {
		t.Errorf("the project was not stopped: %v", f.j.all())
	}
}

// An attached up that fails once the project ran stops it and leaves the
// intercepts, but keeps what it made, data volumes included, for `down`:
// whether it ran is the containers' state, not whether they printed
// anything (a silent container that exits is a project that ran).
func TestAttachedUpThatFailsOnceRunningKeepsWhatItMade(t *testing.T) {
	f := newFixture(t, projectYAML+"volumes:\n  data: {}\n", v227)
	f.compose.ran = true
	f.compose.upErr = errors.New("container web exited with code 1")
	if err := f.up(t.Context(), false); err == nil || !strings.Contains(err.Error(), "exited with code 1") {
		t.Fatalf("err = %v", err)
	}
	if hasStep(f.j, "compose down") || hasStep(f.j, "docker volume rm proj_data") || !hasStep(f.j, "compose stop proj") {
		t.Errorf("steps = %v", f.j.all())
	}
	if len(f.tp.active) != 0 {
		t.Errorf("intercepts left active: %v", f.tp.active)
	}
}

func TestAttachedUpRidesOutAnEngineErrorWhileCheckingTheDaemon(t *testing.T) {
	f := newFixture(t, projectYAML, v220)
	f.runner.DaemonCheck = 5 * time.Millisecond
	f.compose.blockAttached = true
	ctx, cancel := context.WithCancel(t.Context())
	f.compose.onUp = func() {
		f.engine.SetDaemon(false, errors.New("context deadline exceeded"))
		time.AfterFunc(100*time.Millisecond, cancel) // then Ctrl-C
	}
	if err := f.up(ctx, false); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v; a passing engine error must not stop the project", err)
	}
	if strings.Contains(f.stderr.String(), "stopping the project") {
		t.Errorf("stderr = %s", f.stderr.String())
	}
}

// A daemon the user connected on the host does not serve the project: a
// containerized one is connected beside it, as Telepresence lets them
// coexist, and the host's is left alone.
func TestUpBesideAHostDaemon(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	f.tp.onHost = true
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	if !hasStep(f.j, "tp connect --docker") || hasStep(f.j, "tp quit") {
		t.Errorf("steps: %v", f.j.all())
	}
	if !strings.Contains(f.stderr.String(), "coexist") {
		t.Errorf("stderr says nothing of the daemon on the host: %s", f.stderr.String())
	}
}

func TestUpInvalidIntentStartsNothing(t *testing.T) {
	f := newFixture(t, `
services:
  echo:
    image: echo
    network_mode: host
    x-telepresence: {behavior: interceptHandler, intercept: {port: "80"}}
`, v220)
	if err := f.up(t.Context(), true); !errors.Is(err, transform.ErrInvalidProject) {
		t.Fatalf("err = %v", err)
	}
	assertSteps(t, f.j, nil)
}

func TestConnectFailsOnATakenPort(t *testing.T) {
	f := newFixture(t, projectYAML, v220)
	f.engine.PortHolders = map[string][]string{"8088": {"other-web-1"}}
	f.tp.connectErr = &telepresence.CommandError{Args: []string{"connect", "--docker"}, Err: telepresence.ErrFailed,
		Message: "docker: Error response from daemon: driver failed programming external connectivity: Bind for 0.0.0.0:8088 failed: port is already allocated."}
	err := f.up(t.Context(), true)
	want := "host port 8088, published by an intercept handler, is already in use by container other-web-1"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want it to contain %q", err, want)
	}
}

func TestAFailedUpKeepsADaemonAnotherProjectUses(t *testing.T) {
	f := newFixture(t, projectYAML, v220)
	f.engine.Containers["other"] = []engine.Container{{Name: "other-h-1", Project: "other", Labels: map[string]string{labels.DaemonContainer: "tp-test"}}}
	f.compose.upErr = errors.New("boom")
	if err := f.up(t.Context(), true); err == nil {
		t.Fatal("up succeeded")
	}
	if hasStep(f.j, "tp quit") {
		t.Errorf("quit a daemon that project other uses")
	}
}

// The undo quits the daemon this run connected, not one another run
// connected meanwhile.
func TestAFailedUpQuitsOnlyTheDaemonItConnected(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	f.compose.onCreate = func() {
		f.tp.other = &telepresence.Daemon{Name: "other", ContainerNetwork: "tp-other", Version: v227, Context: "default", Namespace: "default"}
	}
	f.compose.upErr = errors.New("boom")
	if err := f.up(t.Context(), true); err == nil {
		t.Fatal("up succeeded")
	}
	steps := f.j.all()
	if !slices.Contains(steps, "tp quit --use test") || slices.ContainsFunc(steps, func(s string) bool { return strings.HasPrefix(s, "tp quit --use other") }) {
		t.Errorf("quits = %v", slices.DeleteFunc(steps, func(s string) bool { return !strings.HasPrefix(s, "tp quit") }))
	}
}

// A port the engine chooses (none given, or 0) is published whatever host
// port the daemon got: no warning that it is not.
func TestAnEngineChosenPortIsPublished(t *testing.T) {
	info := engine.DaemonInfo{Published: map[string][]string{"8088/tcp": {"127.0.0.1:49153"}}}
	for _, e := range []string{"8088", "127.0.0.1:0:8088", "127.0.0.1::8088"} {
		if !publishes(info, e) {
			t.Errorf("%s: not published by %v", e, info.Published)
		}
	}
	if publishes(info, "8089:8088") {
		t.Errorf("8089:8088 is not what the daemon publishes")
	}
}

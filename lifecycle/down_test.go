package lifecycle

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/telepresenceio/docker-telepresence/internal/labels"
	"github.com/telepresenceio/docker-telepresence/telepresence"
)

func TestDownFromANewProcess(t *testing.T) {
	f := newFixture(t, projectYAML, v220)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	f.j.reset()
	if err := f.newRunner().Down(t.Context(), DownOptions{ProjectName: "proj"}); err != nil {
		t.Fatal(err)
	}
	assertSteps(t, f.j, []string{
		"tp status",
		"tp leave api",
		"tp leave echo-server",
		"tp status",
		"tp dns 127.0.0.1:9999 []",
		"docker volume rm proj_telepresence-dns",
		"docker network disconnect proj_green tp-test",
		"docker network disconnect proj_telepresence-handlers tp-test",
		"compose down proj",
		"docker volume rm proj_telepresence-intercept-api",
		"docker volume rm proj_telepresence-intercept-echo-server",
	})
	f.assertNothingLeft(t)
}

func TestDownWhenNothingIsUp(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	if err := f.runner.Down(t.Context(), DownOptions{ProjectName: "proj"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.stderr.String(), `Nothing to do: project "proj"`) {
		t.Errorf("stderr = %q", f.stderr.String())
	}
	assertSteps(t, f.j, nil)
}

func TestDownKeepsTheRecordOfAnInterceptItCannotLeave(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	f.tp.failLeave = map[string]error{"api": errors.New("telepresence leave api: connection refused")}
	err := f.newRunner().Down(t.Context(), DownOptions{ProjectName: "proj", Volumes: true})
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err = %v", err)
	}
	if got := f.engine.Labelled("proj", labels.Request); len(got) != 1 || got[0] != "proj_telepresence-intercept-api" {
		t.Fatalf("records after a failed leave = %v, want only the record of api", got)
	}
	// The next down finds it again and finishes the job.
	f.tp.failLeave = nil
	if err := f.newRunner().Down(t.Context(), DownOptions{ProjectName: "proj"}); err != nil {
		t.Fatal(err)
	}
	f.assertNothingLeft(t)
}

// down -v is Compose's: the named volumes of the project go too.
func TestDownPassesItsOptionsToCompose(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	if err := f.newRunner().Down(t.Context(), DownOptions{ProjectName: "proj", Volumes: true, RemoveOrphans: true}); err != nil {
		t.Fatal(err)
	}
	if got := f.compose.downs; len(got) != 1 || !got[0].Volumes || !got[0].RemoveOrphans {
		t.Errorf("compose down options = %+v", got)
	}
}

func TestInterruptingAnUpThatReusedInterceptsLeavesThem(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	f.engine.HandlerEnv = map[string]map[string]string{"proj-echo-1": {}, "proj-api-1": {}}
	ctx, cancel := context.WithCancel(t.Context())
	f.compose.onUp = cancel
	f.compose.blockAttached = true
	if err := f.newRunner().Up(ctx, UpOptions{Project: f.project, Intent: f.intent, Logs: discard{}}); !errors.Is(err, ErrInterrupted) {
		t.Fatal(err)
	}
	if !strings.Contains(f.stderr.String(), "Running reused by service") {
		t.Fatalf("nothing was reused: %s", f.stderr.String())
	}
	if len(f.tp.active) != 0 {
		t.Errorf("intercepts still active after Ctrl-C: %v", f.tp.active)
	}
}

// With several daemons, down leaves each intercept through the daemon its
// record names. When that daemon no longer runs, down says so and keeps
// the records: it does not leave through another daemon, whose "not found"
// would say nothing of the intercept.
func TestDownLeavesThroughTheDaemonTheRecordNames(t *testing.T) {
	yaml := "x-telepresence: {namespace: default}\n" + projectYAML
	f := newFixture(t, yaml, v227)
	f.tp.connect("")
	f.tp.other = &telepresence.Daemon{Name: "trn-big-data", ContainerNetwork: "tp-trn-big-data", Version: v227, Namespace: "big-data", Context: "default"}
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	f.tp.daemon = nil // the project's daemon quit; the other runs
	f.j.reset()
	err := f.newRunner().Down(t.Context(), DownOptions{ProjectName: "proj"})
	if err == nil || !strings.Contains(err.Error(), "cannot end intercept api: it was made through the Telepresence daemon test, which does not run now, so its record is kept") {
		t.Fatalf("err = %v", err)
	}
	if hasStep(f.j, "tp leave") {
		t.Errorf("down left an intercept through another daemon: %v", f.j.all())
	}
	if got := f.engine.Labelled("proj", labels.Request); !slices.Equal(got, []string{"proj_telepresence-intercept-api", "proj_telepresence-intercept-echo-server"}) {
		t.Errorf("records kept = %v, want both", got)
	}
	// The daemon is back: the next down leaves through it.
	f.tp.connect("")
	f.tp.active = map[string]bool{"api": true, "echo-server": true}
	f.j.reset()
	if err := f.newRunner().Down(t.Context(), DownOptions{ProjectName: "proj"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"tp leave api --use test", "tp leave echo-server --use test"} {
		if !slices.Contains(f.j.all(), want) {
			t.Errorf("no %q in %v", want, f.j.all())
		}
	}
	f.assertNothingLeft(t)
}

package lifecycle

import (
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/internal/trace"
)

// writes are the steps that would change something: anything but what
// status, version and the engine's reads record, and but Compose's create
// and down, which a dry run is given in its own dry-run mode.
func writes(steps []string) []string {
	return slices.DeleteFunc(slices.Clone(steps), func(s string) bool {
		return s == "tp status" || s == "tp version" || strings.HasPrefix(s, "compose create") || strings.HasPrefix(s, "compose down")
	})
}

// assertChangedNothing fails the test for any step a dry run took that
// would change something (see writes).
func assertChangedNothing(t *testing.T, f *fixture) {
	t.Helper()
	if w := writes(f.j.all()); len(w) != 0 {
		t.Errorf("a dry run changed: %v", w)
	}
}

// assertSaid fails the test for each line that the run's output lacks.
func assertSaid(t *testing.T, f *fixture, lines ...string) {
	t.Helper()
	for _, want := range lines {
		if !strings.Contains(f.stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, f.stderr.String())
		}
	}
}

// A dry run decides what a run would do and says it, changing nothing:
// Telepresence is asked its status and version only, and the engine is
// only read.
func TestDryRunChangesNothing(t *testing.T) {
	for _, release := range []string{"2.20.2", "2.27.3"} {
		t.Run(release, func(t *testing.T) {
			v := v220
			if release == "2.27.3" {
				v = v227
			}
			f := newFixture(t, projectYAML, v)
			f.runner.DryRun = true
			if err := f.up(t.Context(), true); err != nil {
				t.Fatal(err)
			}
			assertChangedNothing(t, f)
			assertSaid(t, f,
				DryRunPrefix+"would run: telepresence connect --docker",
				DryRunPrefix+"would run: telepresence intercept echo-server --port 8088",
				DryRunPrefix+"Intercept api Created workload api for service api, port 9000",
				DryRunPrefix+"would create and start with Compose the services api, echo, web",
			)
		})
	}
}

// With a daemon and a project that is up, a dry run says what it would
// reuse, end and make, and has Compose (in its own dry run) say what it
// would create; then the real up does what the dry run said.
func TestDryRunThenTheRealUp(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	f.load(t, edit(t, projectYAML, "{workload: echo-server}", `{workload: echo-server, port: "9090"}`))
	f.j.reset()
	dry := f.newRunner()
	dry.DryRun = true
	if err := dry.Up(t.Context(), UpOptions{Project: f.project, Intent: f.intent, Mode: Detached}); err != nil {
		t.Fatal(err)
	}
	assertChangedNothing(t, f)
	assertSaid(t, f,
		DryRunPrefix+"Intercept api Running reused by service api",
		DryRunPrefix+`Intercept echo-server Leaving service echo: it was created with ports "8088", now "9090"`,
		DryRunPrefix+"would end intercept echo-server",
		DryRunPrefix+"would run: telepresence intercept echo-server --port 9090",
	)
	if !hasStep(f.j, "compose create") {
		t.Errorf("Compose was not asked, in its dry run, what it would create: %v", f.j.all())
	}
	f.j.reset()
	f.upAgain(t)
	for _, want := range []string{"tp leave echo-server", "tp intercept echo-server --port 9090 --address tp-proj-echo --detailed-output --output json"} {
		if !hasStep(f.j, want) {
			t.Errorf("the real up did not %q: %v", want, f.j.all())
		}
	}
	if hasStep(f.j, "tp intercept api") {
		t.Errorf("the real up did not reuse api, as the dry run said: %v", f.j.all())
	}
}

// A dry run that would connect the daemon cannot know the namespace the
// connect gives it (the kubeconfig's, unless declared): a remote service
// mapped into that namespace is said to map there, not to the bare name,
// which is not what the real up sets.
func TestDryRunMapsIntoTheNamespaceItWouldConnect(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	f.runner.DryRun = true
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	assertSaid(t, f,
		DryRunPrefix+"DNS db Mapped to psql."+PlaceholderNamespace+" in the daemon's network",
		DryRunPrefix+"would set the daemon's DNS mappings to [db=psql."+PlaceholderNamespace+"]",
	)
	f.runner.DryRun = false
	f.j.reset()
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(f.j.all(), func(s string) bool {
		return strings.HasPrefix(s, "tp dns ") && strings.HasSuffix(s, " [db=psql.default user=users.default]")
	}) {
		t.Errorf("the real up, in the daemon's namespace default: %v", f.j.all())
	}
}

// Every line a dry run of down prints says what it would do: none says it
// did something.
func TestDownDryRunSaysOnlyWhatItWouldDo(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	f.stderr.Reset()
	f.j.reset()
	dry := f.newRunner()
	dry.DryRun = true
	if err := dry.Down(t.Context(), DownOptions{ProjectName: "proj"}); err != nil {
		t.Fatal(err)
	}
	assertChangedNothing(t, f)
	for _, line := range strings.Split(strings.TrimSpace(f.stderr.String()), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), DryRunPrefix) {
			t.Errorf("a dry run of down printed %q", line)
		}
	}
	if !strings.Contains(f.stderr.String(), DryRunPrefix+"would set the daemon's DNS mappings to [user=users.default]") {
		t.Errorf("the dry run does not say it would take the mappings out:\n%s", f.stderr.String())
	}
}

// create ends the attachments it made once the containers are created: its
// dry run says so too, not only what it would make.
func TestCreateDryRunSaysItWouldEndTheAttachments(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	f.runner.DryRun = true
	if err := f.runner.Up(t.Context(), UpOptions{Project: f.project, Intent: f.intent, Mode: Create}); err != nil {
		t.Fatal(err)
	}
	assertChangedNothing(t, f)
	assertSaid(t, f,
		DryRunPrefix+"would run: telepresence intercept echo-server",
		DryRunPrefix+"would create with Compose the services api, echo, web",
		DryRunPrefix+"would end intercept echo-server",
		DryRunPrefix+"would end intercept api",
	)
}

// A dry run's Runner works as the Runner it was made from: every setting
// is copied, but those that make it a dry run (no display, no lock).
func TestDryRunKeepsEverySetting(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	r := f.newRunner()
	r.Settings = Settings{Err: f.stderr, Events: nopEvents{}, VolumeDriver: "driver", EngineName: "engine", DaemonCheck: time.Second,
		Locker: busyLocker{}, DNSLockWait: time.Minute, BuildProgress: "plain", CaptureBuild: true, Trace: trace.New(io.Discard)}
	set := reflect.ValueOf(r.Settings)
	for i := range set.NumField() {
		if name := set.Type().Field(i).Name; set.Field(i).IsZero() && name != "DryRun" {
			t.Fatalf("the test sets no %s: set it, so that the copy of it is checked", name)
		}
	}
	got := reflect.ValueOf(r.dryRun().Settings)
	for i := range got.NumField() {
		name := got.Type().Field(i).Name
		switch name {
		case "DryRun":
			if !got.Field(i).Bool() {
				t.Error("a dry run's Runner is not a dry run")
			}
		case "Events", "Locker":
			if !got.Field(i).IsZero() {
				t.Errorf("a dry run's Runner has a %s", name)
			}
		default:
			if !reflect.DeepEqual(got.Field(i).Interface(), set.Field(i).Interface()) {
				t.Errorf("a dry run's Runner lost its %s", name)
			}
		}
	}
}

type nopEvents struct{ api.EventProcessor }

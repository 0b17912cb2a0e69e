package lifecycle

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/compose/v5/pkg/api"
)

// The flags of `up` reach Compose's API as `docker compose up` passes them.
func TestUpOptionsReachCompose(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	err := f.runner.Up(t.Context(), UpOptions{Project: f.project, Intent: f.intent, Mode: Detached,
		RemoveOrphans: true, Wait: true, WaitTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// One Compose up, as `docker compose up -d` (Teleroute model).
	if len(f.compose.creates) != 0 || len(f.compose.ups) != 1 {
		t.Fatalf("creates %v, ups %v: want one up", f.compose.creates, f.compose.ups)
	}
	up := f.compose.ups[0]
	create := up.Create
	if !create.RemoveOrphans || create.Recreate != api.RecreateDiverged || create.Build == nil || !slices.Equal(create.Build.Services, []string{"api", "echo", "web"}) {
		t.Errorf("create options = %+v (build %+v): the remote db must not be built", create, create.Build)
	}
	if !up.Start.Wait || up.Start.WaitTimeout != 30*time.Second || up.Start.Attach != nil {
		t.Errorf("up options = %+v", up)
	}
}

// Where create and start are apart (the netns model attaches the daemon
// between them; an attached run), the start builds nothing and pulls only
// what is missing: a second fetch could recreate what create made.
func TestTheStartAfterCreateFetchesNothing(t *testing.T) {
	f := newFixture(t, "services:\n  web: {image: web, pull_policy: always, x-telepresence: {behavior: interceptHandler, intercept: {port: \"80\"}}}\n", v220)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	if len(f.compose.creates) != 1 || f.compose.creates[0].Build == nil || len(f.compose.ups) != 1 {
		t.Fatalf("creates %v, ups %v: want a create that builds, then an up", f.compose.creates, f.compose.ups)
	}
	if up := f.compose.ups[0]; up.Create.Build != nil || up.Start.Project.Services["web"].PullPolicy != types.PullPolicyMissing {
		t.Errorf("the start builds %v, pulls web by %q", up.Create.Build, up.Start.Project.Services["web"].PullPolicy)
	}
}

// --build makes every service with a build section build; --no-build
// builds nothing.
func TestUpBuildPolicy(t *testing.T) {
	yaml := `
services:
  app: {build: ., x-telepresence: {behavior: interceptHandler, intercept: {port: "80"}}}
  web: {image: web}
`
	f := newFixture(t, yaml, v227)
	if err := f.runner.Up(t.Context(), UpOptions{Project: f.project, Intent: f.intent, Mode: Detached, Build: BuildAlways}); err != nil {
		t.Fatal(err)
	}
	// Built while Telepresence attaches, then not again by create.
	if p := f.lastProject().Services["app"].PullPolicy; !hasStep(f.j, "compose build app") || p != types.PullPolicyMissing {
		t.Errorf("--build: steps %v, then create pulls by %q", f.j.all(), p)
	}
	if err := f.newRunner().Up(t.Context(), UpOptions{Project: f.project, Intent: f.intent, Mode: Detached, Build: BuildNever}); err != nil {
		t.Fatal(err)
	}
	if up := f.compose.ups[len(f.compose.ups)-1]; up.Create.Build != nil || f.lastProject().Services["app"].PullPolicy != "" ||
		strings.Count(strings.Join(f.j.all(), "\n"), "compose build") != 1 {
		t.Errorf("--no-build still builds: %+v", up.Create)
	}
}

// `watch` rebuilds the services that have build and develop sections, as
// `docker compose watch` does, and watches with Compose's defaults.
func TestWatchBuildPolicy(t *testing.T) {
	yaml := `
services:
  app:
    build: .
    develop: {watch: [{action: rebuild, path: ./src}]}
    x-telepresence: {behavior: interceptHandler, intercept: {port: "80"}}
  tool: {build: ./tool}
`
	f := newFixture(t, yaml, v227)
	ctx, cancel := context.WithCancel(t.Context())
	f.compose.onUp = func() { time.AfterFunc(20*time.Millisecond, cancel) }
	err := f.runner.Up(ctx, UpOptions{Project: f.project, Intent: f.intent, Mode: Watch, Logs: discard{}})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatal(err)
	}
	// app is built while Telepresence attaches, as watch has it (its
	// image is taken as it is then); tool, whose image is there, is not.
	p := f.compose.created[0]
	if !hasStep(f.j, "compose build app") || p.Services["app"].PullPolicy != types.PullPolicyMissing || p.Services["tool"].PullPolicy != "" {
		t.Errorf("steps %v; pull policies: app %q, tool %q", f.j.all(), p.Services["app"].PullPolicy, p.Services["tool"].PullPolicy)
	}
	if w := f.compose.watches; len(w) != 1 || !w[0].Prune || w[0].Build == nil {
		t.Errorf("watch options = %+v", w)
	}
	assertTail(t, f.j, []string{"compose watch", "compose stop proj", "tp leave app"})
}

// `up SERVICE...` runs those services and what they depend on, and makes
// only the intercepts they need.
func TestUpSomeServices(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	err := f.runner.Up(t.Context(), UpOptions{Project: f.project, Intent: f.intent, Mode: Detached, Services: []string{"web"}})
	if err != nil {
		t.Fatal(err)
	}
	if hasStep(f.j, "tp intercept") {
		t.Errorf("intercepts made for handlers web does not need: %v", f.j.all())
	}
	if got := f.lastProject().ServiceNames(); !slices.Equal(got, []string{"web"}) {
		t.Errorf("Compose runs %v", got)
	}
	if s := f.compose.ups[0].Create.Services; !slices.Equal(s, []string{"web"}) {
		t.Errorf("create targets %v", s)
	}
	f.j.reset()
	err = f.newRunner().Up(t.Context(), UpOptions{Project: f.project, Intent: f.intent, Mode: Detached, Services: []string{"db"}})
	if err == nil || !strings.Contains(err.Error(), `service "db": the service is remote`) {
		t.Errorf("err = %v", err)
	}
	assertSteps(t, f.j, nil)
}

// `up SERVICE...` of local services on a daemon that routes nothing: the
// Teleroute network, which none of them joins, is not asked for.
func TestUpSomeServicesWithoutADaemonNetwork(t *testing.T) {
	f := newFixture(t, edit(t, projectYAML, "  web:\n", "  front: {image: front}\n  web:\n"), v227)
	f.tp.noSubnets = true
	if err := f.runner.Up(t.Context(), UpOptions{Project: f.project, Intent: f.intent, Mode: Detached, Services: []string{"front"}}); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.lastProject().Networks["teleroute"]; ok {
		t.Errorf("Compose is asked for the Teleroute network no service joins: %v", f.lastProject().Networks)
	}
}

// Attached `up SERVICE...` starts Compose watch only when a service it
// runs declares develop.watch.
func TestAttachedUpOfSomeServicesWatchesOnlyThem(t *testing.T) {
	yaml := edit(t, projectYAML, "    x-telepresence: {behavior: interceptHandler}\n",
		"    x-telepresence: {behavior: interceptHandler}\n    develop: {watch: [{action: rebuild, path: ./src}]}\n")
	f := newFixture(t, yaml, v227)
	err := f.runner.Up(t.Context(), UpOptions{Project: f.project, Intent: f.intent, Services: []string{"web"}, Logs: discard{}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(f.j.all(), "compose up attached=true watch=false") {
		t.Errorf("watch turned on for services that do not run: %v", f.j.all())
	}
}

// An attached run streams what Compose's own up streams: not the services
// that declare attach: false, nor those --no-attach names; --attach as
// given; with services named, those (and with --attach-dependencies, all).
func TestAttachedUpStreamsWhatComposeWould(t *testing.T) {
	no := false
	project := &types.Project{Services: types.Services{
		"api":   {Name: "api"},
		"db":    {Name: "db", Attach: &no},
		"cache": {Name: "cache"},
	}}
	for _, tc := range []struct {
		name  string
		named []string
		opts  AttachOptions
		want  []string
	}{
		{name: "all but attach: false", want: []string{"api", "cache"}},
		{name: "--no-attach", opts: AttachOptions{Not: []string{"cache"}}, want: []string{"api"}},
		{name: "services named", named: []string{"cache"}, want: []string{"cache"}},
		{name: "a named service with attach: false", named: []string{"db"}, want: nil},
		{name: "--attach-dependencies", named: []string{"cache"}, opts: AttachOptions{Dependencies: true}, want: []string{"api", "cache"}},
		{name: "--attach wins, unknown names dropped", opts: AttachOptions{Only: []string{"db", "nope"}}, want: []string{"db"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := attachTo(project, tc.named, tc.opts); !slices.Equal(got, tc.want) {
				t.Errorf("attachTo = %v, want %v", got, tc.want)
			}
		})
	}
}

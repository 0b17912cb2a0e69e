package lifecycle

import (
	"bytes"
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/telepresenceio/docker-telepresence/lifecycle/engine/enginetest"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// Releases the fakes emulate.
var (
	v220 = vocab.Version{Major: 2, Minor: 20, Patch: 2}
	v224 = vocab.Version{Major: 2, Minor: 24, Patch: 1}
	v227 = vocab.Version{Major: 2, Minor: 27, Patch: 3}
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
	j      *steps
	tp     *fakeTP
	engine *enginetest.Fake
	// published replaces the ports the daemon tp-test publishes.
	published map[string][]string
	compose   *fakeCompose
	stderr    *bytes.Buffer
	runner    *Runner
	project   *types.Project
	intent    *transform.Intent
}

func newFixture(t *testing.T, yaml string, release vocab.Version) *fixture {
	t.Helper()
	j := &steps{}
	f := &fixture{j: j, tp: newFakeTP(j, release), stderr: &bytes.Buffer{}}
	f.engine = enginetest.New(j.add)
	f.engine.InstallErr = errPullDenied
	f.engine.Daemon = daemonInfo(f.tp, func() map[string][]string { return f.published })
	f.compose = newFakeCompose(j, f.engine)
	f.runner = f.newRunner()
	f.load(t, yaml)
	return f
}

// load replaces the project, as an edit of the compose file would.
func (f *fixture) load(t *testing.T, yaml string) {
	t.Helper()
	f.loadAs(t, yaml, "proj")
}

// loadAs loads another project, under name.
func (f *fixture) loadAs(t *testing.T, yaml, name string) {
	t.Helper()
	p, err := loader.LoadWithContext(t.Context(), types.ConfigDetails{
		WorkingDir: "/work", ConfigFiles: []types.ConfigFile{{Filename: "compose.yaml", Content: []byte(yaml)}},
	}, func(o *loader.Options) { o.SetProjectName(name, true) })
	if err != nil {
		t.Fatal(err)
	}
	f.project = p
	if f.intent, err = transform.ParseIntent(p, transform.Flags{}); err != nil {
		t.Fatal(err)
	}
}

// newRunner is a new process: it shares only the Docker and Telepresence state.
func (f *fixture) newRunner() *Runner {
	return &Runner{Compose: f.compose, Engine: f.engine, Telepresence: f.tp, Settings: Settings{Err: f.stderr, VolumeDriver: "telemount"}}
}

func (f *fixture) up(ctx context.Context, detach bool) error {
	mode := Attached
	if detach {
		mode = Detached
	}
	return f.runner.Up(ctx, UpOptions{Project: f.project, Intent: f.intent, Mode: mode, Logs: discard{}})
}

// upRunning brings the project up (-d), its handlers then running with the
// environment their attachments gave them (handlersRunning).
func (f *fixture) upRunning(t *testing.T) {
	t.Helper()
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	f.handlersRunning()
}

// handlersRunning gives the handlers of projectYAML the environment their
// attachments gave them, as Docker shows it: a re-up finds them running
// with those attachments, and reuses them.
func (f *fixture) handlersRunning() {
	f.engine.HandlerEnv = map[string]map[string]string{
		"proj-echo-1": {"TELEPRESENCE_CONTAINER": "echo-server"},
		"proj-api-1":  {"TELEPRESENCE_CONTAINER": "api"},
	}
}

// tpAsked are the Telepresence calls on the journal.
func tpAsked(j *steps) []string {
	var asked []string
	for _, s := range j.all() {
		if strings.HasPrefix(s, "tp ") {
			asked = append(asked, s)
		}
	}
	return asked
}

// upAgain is `up -d` from a new process, after f.j is reset.
func (f *fixture) upAgain(t *testing.T) {
	t.Helper()
	f.j.reset()
	if err := f.newRunner().Up(t.Context(), UpOptions{Project: f.project, Intent: f.intent, Mode: Detached}); err != nil {
		t.Fatal(err)
	}
}

// lastProject is the project Compose was last asked to create.
func (f *fixture) lastProject() *types.Project { return f.compose.projects["proj"] }

// assertNothingLeft checks that no intercept and no volume of the project
// remain.
func (f *fixture) assertNothingLeft(t *testing.T) {
	t.Helper()
	if len(f.tp.active) != 0 || len(f.engine.Volumes["proj"]) != 0 {
		t.Errorf("left behind: intercepts %v, volumes %v", f.tp.active, f.engine.Volumes["proj"])
	}
}

func assertSteps(t *testing.T, j *steps, want []string) {
	t.Helper()
	if d := cmp.Diff(canonical(want), canonical(j.all())); d != "" {
		t.Errorf("steps (-want +got):\n%s", d)
	}
}

// assertTail checks the last steps.
func assertTail(t *testing.T, j *steps, want []string) {
	t.Helper()
	got := j.all()
	if len(got) < len(want) {
		t.Fatalf("only %d steps: %v", len(got), got)
	}
	if d := cmp.Diff(canonical(want), canonical(got[len(got)-len(want):])); d != "" {
		t.Errorf("last steps (-want +got):\n%s", d)
	}
}

// concurrentStep matches the steps of attachments, which are made (and so
// undone) concurrently: their order within a run of them is not the
// lifecycle's.
var concurrentStep = regexp.MustCompile(`^(tp (intercept|ingest|replace|wiretap|leave|detach) |docker volume (create|rm) proj_telepresence-(intercept|ingest|replace|wiretap)-)`)

// canonical sorts each run of concurrent steps.
func canonical(list []string) []string {
	out := slices.Clone(list)
	for i := 0; i < len(out); {
		j := i
		for j < len(out) && concurrentStep.MatchString(out[j]) {
			j++
		}
		if j > i {
			slices.Sort(out[i:j])
			i = j
			continue
		}
		i++
	}
	return out
}

func hasStep(j *steps, prefix string) bool {
	return slices.ContainsFunc(j.all(), func(s string) bool { return strings.HasPrefix(s, prefix) })
}

func yamlOf(t *testing.T, p *types.Project) string {
	t.Helper()
	b, err := p.MarshalYAML()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// edit is s with old replaced by new, once; a fixture that no longer holds
// old fails the test rather than making a variant that is not one.
func edit(t testing.TB, s, old, replacement string) string {
	t.Helper()
	if strings.Count(s, old) != 1 {
		t.Fatalf("the fixture holds %q %d times, want once", old, strings.Count(s, old))
	}
	return strings.Replace(s, old, replacement, 1)
}

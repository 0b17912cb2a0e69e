package standintest

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
	"github.com/telepresenceio/docker-telepresence/internal/samples"
)

// The standin tests prove the stand-ins honour the Telepresence contract (docs/telepresence-contract.md), release by release,
// against the real engine, so that scenario tests can trust them: what the
// stand-in prints has the shape of Telepresence's own output (the samples),
// and what it does on the engine is what each release does. They do not
// need the plugin. This file holds their helpers (prefixed si, from when
// they shared a package with the scenarios' helpers) and the
// release-independent tests; the other files hold the others.

// standinRelease is a release the stand-in emulates, with its minor
// version and model.
type standinRelease struct {
	rel       string
	minor     int
	teleroute bool
}

var standinReleases = []standinRelease{
	{fixture.Release220, 20, false}, {fixture.Release221, 21, false}, {fixture.Release222, 22, false},
	{fixture.Release225, 25, true}, {fixture.Release227, 27, true}, {fixture.Release230, 30, true},
	{fixture.Release231, 31, true},
}

// siRelease returns the standinRelease of a release.
func siRelease(rel string) standinRelease {
	for _, r := range standinReleases {
		if r.rel == rel {
			return r
		}
	}
	panic("no stand-in release " + rel)
}

// siForReleases runs test once per release, each with its own Env.
func siForReleases(t *testing.T, test func(t *testing.T, e *Env, r standinRelease)) {
	for _, r := range standinReleases {
		t.Run(r.rel, func(t *testing.T) { test(t, newEnvAt(t, r.rel), r) })
	}
}

// siTP runs the stand-in and fails the test if it fails; it returns stdout
// (Env.MustTelepresence).
func siTP(t *testing.T, e *Env, args ...string) string {
	t.Helper()
	return e.MustTelepresence(t, args...)
}

// siTPFails runs the stand-in, which must exit non-zero.
func siTPFails(t *testing.T, e *Env, args ...string) (stdout, stderr string) {
	t.Helper()
	out, errOut, err := e.Telepresence(args...)
	if err == nil {
		t.Fatalf("telepresence %s succeeded, want a failure; stdout %q", strings.Join(args, " "), out)
	}
	return out, errOut
}

// siTPJSON runs the stand-in and parses its stdout as one JSON object.
func siTPJSON(t *testing.T, e *Env, args ...string) map[string]any {
	t.Helper()
	return siObject(t, siTP(t, e, args...))
}

func siObject(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("not a JSON object: %v: %q", err, s)
	}
	return m
}

// siJSONFlag is the JSON output flag a release documents (--format from 2.29).
func siJSONFlag(rel string) []string {
	if siRelease(rel).minor >= 29 {
		return []string{"--format", "json"}
	}
	return []string{"--output", "json"}
}

// siSample returns a sample of Telepresence's output, parsed.
func siSample(t *testing.T, file string) map[string]any {
	t.Helper()
	data, err := fs.ReadFile(samples.FS, file)
	if err != nil {
		t.Fatal(err)
	}
	return siObject(t, string(data))
}

// siShapeDiff lists where got's shape differs from the sample's: a key
// missing or not in the sample (paths in optional may be missing or extra,
// as omitempty keys are), or a value
// of another JSON type. Every element of a list is compared with the
// sample's first one; the keys of the objects at the paths in free (maps of
// names) are not compared, their values are.
func siShapeDiff(path string, got, want any, optional, free map[string]bool) []string {
	var diffs []string
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %T, the sample has an object", path, got)}
		}
		diffs = siObjectDiff(path, g, w, optional, free)
	case []any:
		g, ok := got.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %T, the sample has a list", path, got)}
		}
		for i, gv := range g {
			if len(w) > 0 {
				diffs = append(diffs, siShapeDiff(fmt.Sprintf("%s[%d]", path, i), gv, w[0], optional, free)...)
			}
		}
	default:
		if reflect.TypeOf(got) != reflect.TypeOf(want) {
			diffs = append(diffs, fmt.Sprintf("%s: %T, the sample has %T", path, got, want))
		}
	}
	slices.Sort(diffs)
	return diffs
}

// siLeftOutWhenEmpty are the attachment lists of a daemon's status, which
// the releases that list them by kind leave out when empty (omitempty in
// pkg/client/cli/cmd/status.go at v2.27.4): a sample that shows one does not
// make it required.
var siLeftOutWhenEmpty = map[string]bool{"intercepts": true, "replacements": true, "wiretaps": true, "ingests": true}

// siObjectDiff is siShapeDiff of two objects.
func siObjectDiff(path string, g, w map[string]any, optional, free map[string]bool) []string {
	var diffs []string
	if free[path] {
		for k, gv := range g {
			for _, wv := range w {
				diffs = append(diffs, siShapeDiff(path+"."+k, gv, wv, optional, free)...)
				break
			}
		}
		return diffs
	}
	for k, wv := range w {
		if gv, ok := g[k]; ok {
			diffs = append(diffs, siShapeDiff(path+"."+k, gv, wv, optional, free)...)
		} else if !optional[path+"."+k] && !siLeftOutWhenEmpty[k] {
			diffs = append(diffs, path+"."+k+": missing")
		}
	}
	for k := range g {
		if _, ok := w[k]; !ok && !optional[path+"."+k] {
			diffs = append(diffs, path+"."+k+": not in the sample")
		}
	}
	return diffs
}

// siAssertShape fails the test when got does not have the shape of the sample.
func siAssertShape(t *testing.T, got map[string]any, file string, optional ...string) {
	t.Helper()
	opt := map[string]bool{}
	for _, o := range optional {
		opt[o] = true
	}
	free := map[string]bool{".environment": true, ".mount.mounts": true}
	if diffs := siShapeDiff("", got, siSample(t, file), opt, free); len(diffs) > 0 {
		t.Errorf("output does not have the shape of %s:\n  %s\ngot: %v", file, strings.Join(diffs, "\n  "), got)
	}
}

// siDaemon returns status's daemon object.
func siDaemon(t *testing.T, status map[string]any) map[string]any {
	t.Helper()
	d, ok := status["daemon"].(map[string]any)
	if !ok {
		t.Fatalf("status has no daemon object: %v", status)
	}
	return d
}

// siLeftOnEngine lists which of these containers and networks exist.
func siLeftOnEngine(containers, networks []string) []string {
	var left []string
	for _, c := range containers {
		if _, err := dockerCmd("inspect", "--type", "container", c); err == nil {
			left = append(left, "container "+c)
		}
	}
	for _, n := range networks {
		if _, err := dockerCmd("network", "inspect", n); err == nil {
			left = append(left, "network "+n)
		}
	}
	return left
}

// siContainer runs a busybox container <project>-<suffix> for the test
// (labelled so the harness sweeps it) and removes it at the end.
func siContainer(t *testing.T, e *Env, suffix string, args ...string) string {
	t.Helper()
	name := e.Project + "-" + suffix
	run := append([]string{"run", "-d", "--name", name, "--label", daemonLabel}, args...)
	if _, err := dockerCmd(run...); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = dockerCmd("rm", "-f", name) })
	return name
}

func TestStandinFixtureSwitches(t *testing.T) {
	t.Parallel()
	siForReleases(t, func(t *testing.T, e *Env, r standinRelease) {
		e.WriteFixture(Fixture{ConnectFail: "no cluster"})
		if _, stderr := siTPFails(t, e, "connect", "--docker"); !strings.Contains(stderr, "telepresence connect: error: no cluster") {
			t.Errorf("connect_fail: %q", stderr)
		}
		e.WriteFixture(Fixture{})
		siTPFails(t, e, "connect")                             // only --docker is emulated
		siTPFails(t, e, "connect", "--docker", "--frobnicate") // unknown flags are errors
		siTPFails(t, e, "frobnicate")
		e.WriteFixture(Fixture{StatusOutput: "not json at all\n"})
		if out := siTP(t, e, "status", "--output", "json"); out != "not json at all\n" {
			t.Errorf("status_output: %q", out)
		}
		e.WriteFixture(Fixture{NonDocker: true})
		siAssertShape(t, siTPJSON(t, e, "status", "--output", "json"), "status-host-daemon.json")
		if out := siTP(t, e, "version"); !strings.HasPrefix(out, "OSS Client         : v"+r.rel+"\n") {
			t.Errorf("version: %q", out)
		}
		if len(e.State().Connections) != 0 {
			t.Errorf("something connected: %+v", e.State())
		}
	})
}

func TestStandinTelemount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	vol := e.Project + "-0"
	// Labelled with the project so that the Env's cleanup removes it.
	_, err := e.Docker("volume", "create", "-d", telemountDriver, "--label", "com.docker.compose.project="+e.Project,
		"-o", "dir=/x", "-o", "host=h", "-o", "port=1", "-o", "container=c", vol)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.VolumesOfProject(); !reflect.DeepEqual(got, []string{vol}) {
		t.Fatalf("volumes of project: %v", got)
	}
	out, err := e.Docker("run", "--rm", "--label", daemonLabel, "-v", vol+":/mnt", busyboxImage,
		"sh", "-c", "cat /mnt/dir; echo; cat /mnt/host; echo; cat /mnt/port; echo; cat /mnt/container; echo; cat /mnt/telemount")
	if err != nil {
		t.Fatal(err)
	}
	if want := "/x\nh\n1\nc\nstandin"; out != want {
		t.Fatalf("volume content: %q, want %q", out, want)
	}
	if _, err := e.Docker("volume", "rm", vol); err != nil {
		t.Fatal(err)
	}
	if got := e.VolumesOfProject(); len(got) != 0 {
		t.Fatalf("volume still listed after rm: %v", got)
	}
}

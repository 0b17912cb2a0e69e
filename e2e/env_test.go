package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// Aliases so scenario tests need not import the fixture package.
type (
	Fixture          = fixture.Fixture
	InterceptFixture = fixture.Intercept
	Mapping          = fixture.DNSMapping
)

// Env is one test's world: its own stand-in state directory (so its own
// telepresence "connection") and its own compose project name.
type Env struct {
	t        *testing.T
	StateDir string // $TP_STANDIN_STATE
	Project  string // $COMPOSE_PROJECT_NAME
	// Release is the Telepresence release the stand-in emulates; fixtures
	// written without one get it.
	Release string
	lastDir string // last dir given to Run/Start, for the cleanup's down
	// projects holds the directories WriteProject makes. It is removed
	// after the cleanup, which runs `down` in one of them.
	projects string
	// allowed are leftovers the test expects after its last `down`
	// (AllowLeft), as Leftovers writes them.
	allowed []string
	// Extra overrides or adds environment variables ("KEY=value"; "KEY="
	// unsets) for the commands the Env runs.
	Extra []string
}

// newEnv prepares an Env whose stand-in emulates the release most users
// run (the Teleroute model). See newEnvAt.
func newEnv(t *testing.T) *Env {
	t.Helper()
	return newEnvAt(t, fixture.Release227)
}

// newEnvAt prepares an Env whose stand-in emulates release, and registers
// its cleanup (see Env.cleanup): `docker telepresence down`, a failure for
// anything of the project still there, its removal, and `telepresence
// quit` (which removes the daemon container).
func newEnvAt(t *testing.T, release string) *Env {
	t.Helper()
	// Both directories are made before the cleanup is registered, so they
	// are removed after it (cleanups run last-registered first).
	e := &Env{t: t, StateDir: t.TempDir(), projects: t.TempDir(), Project: projectName(t.Name()), Release: release}
	t.Cleanup(e.cleanup)
	e.WriteFixture(Fixture{})
	return e
}

func projectName(testName string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(testName) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteRune('-')
		}
	}
	name := strings.Trim(b.String(), "-")
	if len(name) > 40 {
		name = name[:40]
	}
	rnd := make([]byte, 3)
	_, _ = rand.Read(rnd)
	return projectPrefix + name + "-" + hex.EncodeToString(rnd)
}

// environ is the environment of every command the Env runs.
func (e *Env) environ() []string {
	set := map[string]string{
		"PATH":                              suite.binDir + string(os.PathListSeparator) + os.Getenv("PATH"),
		"DOCKER_CONFIG":                     suite.dockerConfig,
		"TP_STANDIN_STATE":                  e.StateDir,
		"TP_STANDIN_IMAGE":                  daemonImage,
		"DOCKER_TELEPRESENCE_VOLUME_DRIVER": "\x00", // found as Telepresence's Telemount plugin
		"COMPOSE_PROJECT_NAME":              e.Project,
	}
	for _, kv := range e.Extra {
		k, v, _ := strings.Cut(kv, "=")
		set[k] = v
		if v == "" {
			set[k] = "\x00" // marks "unset": dropped below
		}
	}
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); set[k] == "" {
			env = append(env, kv)
		}
	}
	for k, v := range set {
		if v != "\x00" {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// WriteFixture writes fixture.json for the stand-in telepresence; without
// a release it emulates the Env's.
func (e *Env) WriteFixture(f Fixture) {
	e.t.Helper()
	if f.Release == "" {
		f.Release = e.Release
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err == nil {
		err = os.WriteFile(filepath.Join(e.StateDir, fixture.FixtureFile), data, 0o644)
	}
	if err != nil {
		e.t.Fatalf("writing fixture: %v", err)
	}
}

// WriteProject writes files (relative path -> content) into a fresh
// directory and returns it, to be used as the dir of Run/Start. It lasts
// until the Env's cleanup is done.
func (e *Env) WriteProject(files map[string]string) string {
	e.t.Helper()
	dir, err := os.MkdirTemp(e.projects, "project-")
	if err != nil {
		e.t.Fatal(err)
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			e.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			e.t.Fatal(err)
		}
	}
	return dir
}

// Run runs `docker telepresence args...` in dir and waits for it. err is
// the exit error (*exec.ExitError) or a start failure. When ctx ends the
// whole process group (docker CLI, plugin, children) is killed.
func (e *Env) Run(ctx context.Context, dir string, args ...string) (stdout, stderr string, err error) {
	e.t.Helper()
	requirePlugin(e.t)
	e.lastDir = dir
	var out, errb bytes.Buffer
	cmd := e.command(ctx, dir, "docker", append([]string{"telepresence"}, args...)...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	e.t.Logf("$ docker telepresence %s  (in %s) -> %v\n--- stdout:\n%s--- stderr:\n%s",
		strings.Join(args, " "), dir, err, out.String(), errb.String())
	return out.String(), errb.String(), err
}

// requirePlugin fails the test when the plugin was not built
// (E2E_SKIP_PLUGIN_BUILD=1).
func requirePlugin(t *testing.T) {
	t.Helper()
	if !suite.pluginBuilt {
		t.Fatal("this test needs the plugin, which was not built (E2E_SKIP_PLUGIN_BUILD=1)")
	}
}

// MustRun is Run that fails the test on error and returns stdout.
func (e *Env) MustRun(ctx context.Context, dir string, args ...string) string {
	e.t.Helper()
	out, _, err := e.Run(ctx, dir, args...)
	if err != nil {
		e.t.Fatalf("docker telepresence %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// Telepresence runs the stand-in telepresence directly, with the Env's
// environment (it shows up in Calls like any other call).
func (e *Env) Telepresence(args ...string) (stdout, stderr string, err error) {
	e.t.Helper()
	var out, errb bytes.Buffer
	cmd := e.command(context.WithoutCancel(e.t.Context()), e.StateDir, filepath.Join(suite.binDir, "telepresence"), args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	e.t.Logf("$ telepresence %s -> %v\n%s%s", strings.Join(args, " "), err, out.String(), errb.String())
	return out.String(), errb.String(), err
}

// command builds a command in its own process group, so that the plugin and
// its children can be signalled or killed together.
func (e *Env) command(ctx context.Context, dir, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = e.environ()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// Calls returns the argv of every stand-in telepresence invocation so far.
func (e *Env) Calls() [][]string {
	e.t.Helper()
	var calls [][]string
	for _, line := range e.readLines(fixture.CallsFile) {
		var c fixture.Call
		if err := json.Unmarshal(line, &c); err != nil {
			e.t.Fatalf("bad line in %s: %q: %v", fixture.CallsFile, line, err)
		}
		calls = append(calls, c.Args)
	}
	return calls
}

// DNSCalls returns the mappings of every SetDNSMappings call, in order.
func (e *Env) DNSCalls() [][]Mapping {
	e.t.Helper()
	var calls [][]Mapping
	for _, line := range e.readLines(fixture.DNSFile) {
		var r fixture.DNSRecord
		if err := json.Unmarshal(line, &r); err != nil {
			e.t.Fatalf("bad line in %s: %q: %v", fixture.DNSFile, line, err)
		}
		calls = append(calls, r.Mappings)
	}
	return calls
}

// DNSMappings returns the mappings the daemon holds now: each
// SetDNSMappings call replaces the whole set, so that is the last call's
// (nil when there was none).
func (e *Env) DNSMappings() []Mapping {
	e.t.Helper()
	calls := e.DNSCalls()
	if len(calls) == 0 {
		return nil
	}
	return calls[len(calls)-1]
}

// CreatorEvents returns what the creator processes of slow intercepts
// (fixture Intercept.DelayMS) recorded, in order.
func (e *Env) CreatorEvents() []fixture.CreatorEvent {
	e.t.Helper()
	var events []fixture.CreatorEvent
	for _, line := range e.readLines(fixture.CreatorsFile) {
		var ev fixture.CreatorEvent
		if err := json.Unmarshal(line, &ev); err != nil {
			e.t.Fatalf("bad line in %s: %q: %v", fixture.CreatorsFile, line, err)
		}
		events = append(events, ev)
	}
	return events
}

// awaitCreator waits until the creators of slow intercepts have recorded
// more than n events, and returns event n (counted from 0).
func (e *Env) awaitCreator(n int, what string) fixture.CreatorEvent {
	e.t.Helper()
	var ev fixture.CreatorEvent
	eventually(e.t, patience, what, func() bool {
		events := e.CreatorEvents()
		if len(events) > n {
			ev = events[n]
			return true
		}
		return false
	})
	return ev
}

// lockStandin takes the lock that serialises the stand-in's invocations
// (fixture.LockFile) and returns how to release it. While the test holds
// it, every telepresence command that reads or changes the state waits
// (after recording its call), so the test can hold a plugin at a known
// point. Release it before the test ends: the cleanup needs the stand-in.
func (e *Env) lockStandin() (unlock func()) {
	e.t.Helper()
	f, err := os.OpenFile(filepath.Join(e.StateDir, fixture.LockFile), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		e.t.Fatal(err)
	}
	return func() { _ = f.Close() }
}

// State returns the stand-in's state, read from its state file (so
// without recording a call).
func (e *Env) State() fixture.State {
	e.t.Helper()
	var st fixture.State
	data, err := os.ReadFile(filepath.Join(e.StateDir, fixture.StateFile))
	if errors.Is(err, os.ErrNotExist) {
		return st
	}
	if err == nil {
		err = json.Unmarshal(data, &st)
	}
	if err != nil {
		e.t.Fatalf("reading stand-in state: %v", err)
	}
	return st
}

// ActiveIntercepts returns the attachments the stand-in holds, on every
// daemon: the intercepts, replaces and wiretaps by name, and the ingests
// as "ingest WORKLOAD/CONTAINER" (fixture.Connection.Ingests), so that a
// check for none left sees every kind (docs/attachments.md).
func (e *Env) ActiveIntercepts() []string {
	e.t.Helper()
	var names []string
	for _, c := range e.State().Connections {
		for n := range c.Intercepts {
			names = append(names, n)
		}
		for key := range c.Ingests {
			names = append(names, ingestPrefix+key)
		}
	}
	slices.Sort(names)
	return names
}

// ingestPrefix marks an ingest among ActiveIntercepts, and in Leftovers.
const ingestPrefix = "ingest "

func (e *Env) readLines(file string) [][]byte {
	e.t.Helper()
	data, err := os.ReadFile(filepath.Join(e.StateDir, file))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		e.t.Fatal(err)
	}
	// Tests read these files while the stand-in appends to them: a line
	// without its newline is still being written, and is left for the
	// next read.
	data = data[:bytes.LastIndexByte(data, '\n')+1]
	var lines [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			lines = append(lines, bytes.Clone(sc.Bytes()))
		}
	}
	return lines
}

// Docker runs the docker CLI and returns trimmed stdout; err carries stderr.
func (e *Env) Docker(args ...string) (string, error) {
	return dockerCmd(args...)
}

// ContainersOfProject lists the names of all containers (running or not)
// labelled with the Env's compose project.
func (e *Env) ContainersOfProject() []string {
	return e.listByProject("container", "ls", "-a", "--format", "{{.Names}}")
}

// VolumesOfProject lists the volumes labelled with the compose project.
func (e *Env) VolumesOfProject() []string {
	return e.listByProject("volume", "ls", "--format", "{{.Name}}")
}

// NetworksOfProject lists the networks labelled with the compose project.
func (e *Env) NetworksOfProject() []string {
	return e.listByProject("network", "ls", "--format", "{{.Name}}")
}

func (e *Env) listByProject(args ...string) []string {
	e.t.Helper()
	args = append(args, "--filter", "label=com.docker.compose.project="+e.Project)
	out, err := dockerCmd(args...)
	if err != nil {
		e.t.Fatal(err)
	}
	names := strings.Fields(out)
	slices.Sort(names)
	return names
}

// Leftovers describes what of this test still exists on the engine and in
// the stand-in: containers, volumes and networks of the project, and active
// attachments of every kind. Empty after a clean `down`.
func (e *Env) Leftovers() []string {
	e.t.Helper()
	var left []string
	for _, c := range e.ContainersOfProject() {
		left = append(left, "container "+c)
	}
	for _, v := range e.VolumesOfProject() {
		left = append(left, "volume "+v)
	}
	for _, n := range e.NetworksOfProject() {
		left = append(left, "network "+n)
	}
	for _, i := range e.ActiveIntercepts() {
		if !strings.HasPrefix(i, ingestPrefix) {
			i = "intercept " + i
		}
		left = append(left, i)
	}
	return left
}

// AllowLeft declares leftovers (written as Leftovers writes them, e.g.
// "volume "+e.Project+"_data") that the test expects to find after its last
// `down`: the named volumes its compose file declares, which `down` without
// -v keeps, as `docker compose down` does. The cleanup does not fail the
// test for them.
func (e *Env) AllowLeft(left ...string) {
	e.allowed = append(e.allowed, left...)
}

// cleanup ends the test's world, and fails the test when the test left
// anything of its project behind.
//
// When the test ran the plugin, the cleanup first runs `docker telepresence
// down` in the test's last project directory, as a user ends a session.
// Only what is still there after that down counts: tests stop projects
// half-way on purpose (a killed or failed up) and some run down
// themselves, and what a user is left with after `down` is what matters.
// Any container, volume or network of the project, or intercept active in
// the stand-in, that is left then and not declared with AllowLeft fails
// the test (t.Errorf with the list): a leak is reported, never swept up in
// silence. A test that never ran the plugin gets no down: what it made
// with the stand-in or the docker CLI, it ends itself.
//
// Everything is removed all the same, so that the next test starts clean,
// and the stand-in's daemon is quit (`down` leaves it running, by design).
func (e *Env) cleanup() {
	e.t.Helper()
	if e.lastDir != "" { // the test ran the plugin: a user's final down
		ctx, cancel := context.WithTimeout(context.WithoutCancel(e.t.Context()), 2*time.Minute) // in a cleanup: the test's context has ended
		_, _, _ = e.Run(ctx, e.lastDir, "down")
		cancel()
	}
	e.removeLeftovers(e.reportLeftovers())
	// Images the test built: Compose names them <project>-<service>.
	if out, err := dockerCmd("image", "ls", "--format", "{{.Repository}}:{{.Tag}}", "--filter", "reference="+e.Project+"-*"); err == nil {
		for _, img := range strings.Fields(out) {
			_, _ = dockerCmd("image", "rm", img)
		}
	}
	_, _, _ = e.Telepresence("quit")
}

// reportLeftovers fails the test for what is left of the project and was
// not allowed (AllowLeft), and returns all that is left.
func (e *Env) reportLeftovers() []string {
	e.t.Helper()
	left := e.Leftovers()
	var leaked []string
	for _, l := range left {
		if !slices.Contains(e.allowed, l) {
			leaked = append(leaked, l)
		}
	}
	if len(leaked) > 0 {
		e.t.Errorf("the test left behind (after its last down): %s", strings.Join(leaked, ", "))
	}
	return left
}

// removeLeftovers removes what Leftovers listed; intercepts go with quit.
func (e *Env) removeLeftovers(left []string) {
	for _, l := range left {
		kind, name, _ := strings.Cut(l, " ")
		switch kind {
		case "container", "volume":
			_, _ = dockerCmd(kind, "rm", "-f", name)
		case "network":
			_, _ = dockerCmd("network", "rm", name)
		default:
			continue
		}
		e.t.Logf("cleanup: removed leftover %s", l)
	}
}

// HTTPGet GETs http://addr/path, retrying connection failures and 502/503
// for up to patience (containers and port forwards take a moment to come up).
// It returns the status code and body of the first real answer.
func (e *Env) HTTPGet(addr, path string) (status int, body string, err error) {
	e.t.Helper()
	client := &http.Client{
		Timeout:   3 * time.Second,
		Transport: &http.Transport{DisableKeepAlives: true}, // fresh connection per try
	}
	url := "http://" + addr + path
	deadline := time.Now().Add(patience)
	for {
		var resp *http.Response
		resp, err = client.Get(url)
		if err == nil {
			b, rerr := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			status, body, err = resp.StatusCode, string(b), rerr
			if err == nil && status != http.StatusBadGateway && status != http.StatusServiceUnavailable {
				return status, body, nil
			}
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("GET %s: status %d: %s", url, status, body)
			}
			return status, body, err
		}
		time.Sleep(250 * time.Millisecond)
	}
}

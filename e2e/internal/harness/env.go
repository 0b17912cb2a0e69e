package harness

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// Env is one test's world: its own stand-in state directory (so its own
// telepresence "connection") and its own compose project name.
type Env struct {
	// T is the test the Env belongs to: the Env's methods fail it.
	T        *testing.T
	StateDir string // $TP_STANDIN_STATE
	Project  string // $COMPOSE_PROJECT_NAME
	// kubeContext is the stand-in's kubeconfig context (the fixture's
	// Context), unique to the Env: its daemons are named after it.
	kubeContext string
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

// NewEnv prepares an Env whose stand-in emulates the release most users
// run (the Teleroute model). See NewEnvAt.
func NewEnv(t *testing.T) *Env {
	t.Helper()
	return NewEnvAt(t, fixture.Release227)
}

// NewEnvAt prepares an Env whose stand-in emulates release, and registers
// its cleanup (see Env.cleanup): `docker telepresence down`, a failure for
// anything of the project still there, its removal, and `telepresence
// quit` (which removes the daemon container).
func NewEnvAt(t *testing.T, release string) *Env {
	t.Helper()
	// Both directories are made before the cleanup is registered, so they
	// are removed after it (cleanups run last-registered first).
	e := &Env{T: t, StateDir: t.TempDir(), projects: t.TempDir(), Project: projectName(t.Name()), Release: release}
	e.kubeContext = "ctx-" + e.Project[strings.LastIndex(e.Project, "-")+1:]
	t.Cleanup(e.cleanup)
	e.WriteFixture(fixture.Fixture{})
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
		"TP_STANDIN_IMAGE":                  DaemonImage,
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
func (e *Env) WriteFixture(f fixture.Fixture) {
	e.T.Helper()
	if f.Release == "" {
		f.Release = e.Release
	}
	if f.Context == "" {
		f.Context = e.kubeContext
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err == nil {
		err = os.WriteFile(filepath.Join(e.StateDir, fixture.FixtureFile), data, 0o644)
	}
	if err != nil {
		e.T.Fatalf("writing fixture: %v", err)
	}
}

// WriteProject writes files (relative path -> content) into a fresh
// directory and returns it, to be used as the dir of Run/Start. It lasts
// until the Env's cleanup is done.
func (e *Env) WriteProject(files map[string]string) string {
	e.T.Helper()
	dir, err := os.MkdirTemp(e.projects, "project-")
	if err != nil {
		e.T.Fatal(err)
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			e.T.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			e.T.Fatal(err)
		}
	}
	return dir
}

// Run runs `docker telepresence args...` in dir and waits for it. err is
// the exit error (*exec.ExitError) or a start failure. When ctx ends the
// whole process group (docker CLI, plugin, children) is killed.
func (e *Env) Run(ctx context.Context, dir string, args ...string) (stdout, stderr string, err error) {
	e.T.Helper()
	requirePlugin(e.T)
	e.lastDir = dir
	var out, errb bytes.Buffer
	cmd := e.Command(ctx, dir, "docker", append([]string{"telepresence"}, args...)...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	e.T.Logf("$ docker telepresence %s  (in %s) -> %v\n--- stdout:\n%s--- stderr:\n%s",
		strings.Join(args, " "), dir, err, out.String(), errb.String())
	return out.String(), errb.String(), err
}

// requirePlugin fails the test when the plugin was not built: its test
// package did not ask for it (Options.Plugin), or E2E_SKIP_PLUGIN_BUILD=1.
func requirePlugin(t *testing.T) {
	t.Helper()
	if !suite.pluginBuilt {
		t.Fatal("this test needs the plugin, which was not built (E2E_SKIP_PLUGIN_BUILD=1, or harness.Options without Plugin)")
	}
}

// MustRun is Run that fails the test on error and returns stdout.
func (e *Env) MustRun(ctx context.Context, dir string, args ...string) string {
	e.T.Helper()
	out, _, err := e.Run(ctx, dir, args...)
	if err != nil {
		e.T.Fatalf("docker telepresence %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// Telepresence runs the stand-in telepresence directly, with the Env's
// environment (it shows up in Calls like any other call).
func (e *Env) Telepresence(args ...string) (stdout, stderr string, err error) {
	e.T.Helper()
	var out, errb bytes.Buffer
	cmd := e.Command(context.WithoutCancel(e.T.Context()), e.StateDir, filepath.Join(suite.binDir, "telepresence"), args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	e.T.Logf("$ telepresence %s -> %v\n%s%s", strings.Join(args, " "), err, out.String(), errb.String())
	return out.String(), errb.String(), err
}

// Command builds a command with the Env's environment, run in dir and in
// its own process group, so that the plugin and its children can be
// signalled or killed together (all killed when ctx ends).
func (e *Env) Command(ctx context.Context, dir, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = e.environ()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// HTTPGet GETs http://addr/path, retrying connection failures and 502/503
// for up to Patience (containers and port forwards take a moment to come up).
// It returns the status code and body of the first real answer.
func (e *Env) HTTPGet(addr, path string) (status int, body string, err error) {
	e.T.Helper()
	client := &http.Client{
		Timeout:   3 * time.Second,
		Transport: &http.Transport{DisableKeepAlives: true}, // fresh connection per try
	}
	url := "http://" + addr + path
	deadline := time.Now().Add(Patience)
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

package harness

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Names shared by the whole run.
const (
	// BusyboxImage is the image of the workloads: a static busybox.
	BusyboxImage = "tpe2e-busybox:latest"
	// DaemonImage is BusyboxImage with the telepresence stand-in as its
	// entrypoint: the image of the stand-in's daemon containers.
	DaemonImage = "tpe2e-daemon:latest"
	// TelemountDriver is the stand-in Telemount plugin, under a reference
	// ending in /telemount:<tag> as the plugins Telepresence installs do,
	// so that the plugin finds it as it would find Telepresence's.
	TelemountDriver = "localhost/tpe2e/telemount:e2e"
	// TPNetwork is the network the netns releases' daemons share, made
	// once by the harness (never by the stand-in).
	TPNetwork = "telepresence"
	// DaemonLabel labels the stand-in's daemon containers and networks,
	// and whatever else a test makes that the harness is to sweep up.
	DaemonLabel = "tpe2e=1"
	// projectPrefix begins every compose project name an Env gives.
	projectPrefix = "tpe2e-"
)

// Options say what a test package needs of the harness.
type Options struct {
	// Plugin builds the plugin and installs it where the docker CLI of
	// the Envs finds it (their DOCKER_CONFIG). Without it, Env.Run and
	// Env.Start fail the test. E2E_SKIP_PLUGIN_BUILD=1 overrides it, to
	// work on the stand-ins while the plugin does not build.
	Plugin bool
	// Registry starts a registry on loopback and pushes the busybox image
	// to it (RegistryImage), for the tests that pull.
	Registry bool
}

// suite holds what Main prepared once for all tests.
var suite struct {
	dir          string // temp root, removed at the end
	repoRoot     string
	binDir       string // holds the stand-in telepresence; prepended to PATH
	dockerConfig string // DOCKER_CONFIG; cli-plugins/docker-telepresence lives here
	pluginBuilt  bool
}

// RepoRoot is the root of the repository (where go.mod is).
func RepoRoot() string { return suite.repoRoot }

// BinDir is the directory of the stand-in telepresence, first on the PATH
// of the commands an Env runs.
func BinDir() string { return suite.binDir }

// Main is a test package's TestMain: os.Exit(harness.Main(m, opts)).
// Without E2E=1 it runs nothing and succeeds, so that `go test ./...`
// stays a unit test run. With E2E=1 an engine that does not answer is a
// failure, never a skip; otherwise it waits for any other e2e run on this
// machine to end, removes what a killed run left, sets up the run (see
// Options), runs the tests, tears down, and fails the run when the engine
// is not left as it was found.
func Main(m *testing.M, opts Options) int {
	if os.Getenv("E2E") != "1" {
		fmt.Println("e2e: skipped; set E2E=1 to run the end-to-end tests against the Docker Engine")
		return 0
	}
	if err := waitForEngine(time.Minute); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: FAIL: the Docker Engine does not answer (is dockerd running? DOCKER_HOST?): %v\n", err)
		return 1
	}
	unlock, err := lockRun()
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: FAIL: %v\n", err)
		return 1
	}
	defer unlock()
	// A run that was killed (CI stopped, a machine reused) may have left its
	// containers, plugin and images; they are the suite's own, and would make
	// this run's images dangling, so they go before the engine is compared.
	removeLeftovers()
	before := engineSnapshot()
	code := runSuite(m, opts)
	// The suite must leave the engine as it found it.
	if after := engineSnapshot(); after != before {
		fmt.Fprintf(os.Stderr, "e2e: FAIL: the suite left the engine changed\nbefore:\n%s\nafter:\n%s\n", before, after)
		return 1
	}
	return code
}

func runSuite(m *testing.M, opts Options) int {
	teardown, err := setup(opts)
	defer teardown() // also undoes a half-done setup
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: FAIL: setup: %v\n", err)
		return 1
	}
	return m.Run()
}

// lockRun waits until no other e2e run on this machine holds the run
// lock, then takes it; the lock goes with the process. Runs share the
// image names, the Telemount socket and the "telepresence" network, so two
// test packages (go test runs packages side by side unless -p 1) must not
// run at once.
func lockRun() (unlock func(), err error) {
	path := filepath.Join(os.TempDir(), "tpe2e.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, fmt.Errorf("the e2e run lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		fmt.Printf("e2e: waiting for another e2e run on this machine to end (it holds %s)\n", path)
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("the e2e run lock %s: %w", path, err)
		}
	}
	return func() { _ = f.Close() }, nil
}

// removeLeftovers removes what an earlier, killed run of the suite left:
// containers first (they hold images, volumes and networks), then the
// Telemount stand-in's volumes and plugin, then the suite's images.
func removeLeftovers() {
	sweep()
	removeTelemountVolumes()
	removeTelemount()
	removeImages()
}

// engineSnapshot lists the containers, volumes and networks on the engine.
func engineSnapshot() string {
	var b strings.Builder
	for _, list := range [][]string{
		{"ps", "-a", "--format", "container {{.Names}}"},
		{"volume", "ls", "--format", "volume {{.Name}}"},
		{"network", "ls", "--format", "network {{.Name}}"},
		{"plugin", "ls", "--format", "plugin {{.Name}}"},
		{"image", "ls", "--format", "image {{.Repository}}:{{.Tag}}"},
	} {
		out, err := Docker(list...)
		if err != nil {
			out = err.Error()
		}
		lines := strings.Split(out, "\n")
		slices.Sort(lines)
		b.WriteString(strings.Join(lines, "\n") + "\n")
	}
	return b.String()
}

func waitForEngine(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput()
	if err != nil {
		return fmt.Errorf("docker info: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// Docker runs the docker CLI with the suite's DOCKER_CONFIG and returns
// trimmed stdout; the error carries stderr.
func Docker(args ...string) (string, error) {
	cmd := exec.Command("docker", args...)
	cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+suite.dockerConfig)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return strings.TrimSpace(string(out)), fmt.Errorf("docker %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// Names shared by the whole run.
const (
	busyboxImage = "tpe2e-busybox:latest"
	daemonImage  = "tpe2e-daemon:latest"
	// telemountDriver is the stand-in Telemount plugin, under a reference
	// ending in /telemount:<tag> as the plugins Telepresence installs do,
	// so that the plugin finds it as it would find Telepresence's.
	telemountDriver = "localhost/tpe2e/telemount:e2e"
	tpNetwork       = "telepresence"
	daemonLabel     = "tpe2e=1"
	projectPrefix   = "tpe2e-"
)

// suite holds what TestMain prepared once for all tests.
var suite struct {
	dir          string // temp root, removed at the end
	repoRoot     string
	binDir       string // holds the stand-in telepresence; prepended to PATH
	dockerConfig string // DOCKER_CONFIG; cli-plugins/docker-telepresence lives here
	pluginBuilt  bool
}

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	if os.Getenv("E2E") != "1" {
		fmt.Println("e2e: skipped; set E2E=1 to run the end-to-end tests against the Docker Engine")
		return 0
	}
	if err := waitForEngine(time.Minute); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: FAIL: the Docker Engine does not answer (is dockerd running? DOCKER_HOST?): %v\n", err)
		return 1
	}
	// A run that was killed (CI stopped, a machine reused) may have left its
	// containers, plugin and images; they are the suite's own, and would make
	// this run's images dangling, so they go before the engine is compared.
	removeLeftovers()
	before := engineSnapshot()
	code := runSuite(m)
	// The suite must leave the engine as it found it.
	if after := engineSnapshot(); after != before {
		fmt.Fprintf(os.Stderr, "e2e: FAIL: the suite left the engine changed\nbefore:\n%s\nafter:\n%s\n", before, after)
		return 1
	}
	return code
}

func runSuite(m *testing.M) int {
	teardown, err := setup()
	defer teardown() // also undoes a half-done setup
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: FAIL: setup: %v\n", err)
		return 1
	}
	return m.Run()
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
		out, err := dockerCmd(list...)
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
	ctx, cancel := context.WithTimeout(context.Background(), timeout) //nolint:forbidigo // TestMain has no test context
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput()
	if err != nil {
		return fmt.Errorf("docker info: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// setup builds the binaries and images and starts the Telemount stand-in.
// The returned teardown is always non-nil and safe to call.
func setup() (teardown func(), err error) {
	var undo []func()
	teardown = func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	if suite.repoRoot, err = filepath.Abs(".."); err != nil {
		return teardown, err
	}
	if _, err := os.Stat(filepath.Join(suite.repoRoot, "go.mod")); err != nil {
		return teardown, fmt.Errorf("run the tests from the e2e package directory (go test ./e2e/): %w", err)
	}
	if suite.dir, err = os.MkdirTemp("", "tpe2e-"); err != nil {
		return teardown, err
	}
	undo = append(undo, func() { _ = os.RemoveAll(suite.dir) })
	suite.binDir = filepath.Join(suite.dir, "bin")
	suite.dockerConfig = filepath.Join(suite.dir, "config")

	// E2E_SKIP_PLUGIN_BUILD=1 exists only to work on the stand-ins while the
	// plugin does not build; tests that need the plugin then fail.
	if os.Getenv("E2E_SKIP_PLUGIN_BUILD") == "1" {
		fmt.Println("e2e: E2E_SKIP_PLUGIN_BUILD=1: not building the plugin")
	} else {
		plugin := filepath.Join(suite.dockerConfig, "cli-plugins", "docker-telepresence")
		if err := goBuild(plugin, "github.com/telepresenceio/docker-telepresence", false); err != nil {
			return teardown, fmt.Errorf("cannot build the plugin: %w", err)
		}
		if err := checkPluginMetadata(plugin); err != nil {
			return teardown, err
		}
		suite.pluginBuilt = true
	}
	standin := filepath.Join(suite.binDir, "telepresence")
	if err := goBuild(standin, "./e2e/standin/telepresence", true); err != nil {
		return teardown, fmt.Errorf("cannot build the telepresence stand-in: %w", err)
	}
	telemount := filepath.Join(suite.dir, "telemount-standin")
	if err := goBuild(telemount, "./e2e/standin/telemount", true); err != nil {
		return teardown, fmt.Errorf("cannot build the telemount stand-in: %w", err)
	}

	undo = append(undo, removeImages)
	if err := buildImages(standin); err != nil {
		return teardown, err
	}

	// The netns releases' daemons share the "telepresence" network. Made
	// here, once, it is never the stand-in's to create or remove, so tests
	// that run side by side cannot race on it. Removed at the end only if
	// this run made it.
	if _, err := dockerCmd("network", "inspect", tpNetwork); err != nil {
		if _, err := dockerCmd("network", "create", "--label", daemonLabel, tpNetwork); err != nil {
			return teardown, err
		}
		undo = append(undo, func() { _, _ = dockerCmd("network", "rm", tpNetwork) })
	}

	remove, err := installTelemount(telemount)
	if err != nil {
		return teardown, fmt.Errorf("installing the telemount stand-in plugin: %w", err)
	}
	// Undone in reverse: leaked containers first (they hold volumes), then
	// the volumes of the driver while it still answers, then the driver.
	undo = append(undo, remove, removeTelemountVolumes, sweep)
	return teardown, nil
}

// goBuild builds pkg from the repository root into out.
func goBuild(out, pkg string, static bool) error {
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = suite.repoRoot
	cmd.Env = os.Environ()
	if static {
		cmd.Env = append(cmd.Env, "CGO_ENABLED=0") // runs in a bare busybox image
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build -o %s %s: %w\n%s", out, pkg, err, b)
	}
	return nil
}

// checkPluginMetadata fails early, with a clear message, when the binary
// builds but the docker CLI would not accept it as a plugin (it then only
// says "unknown command: docker telepresence").
func checkPluginMetadata(plugin string) error {
	out, err := exec.Command(plugin, "docker-cli-plugin-metadata").Output()
	var meta struct{ SchemaVersion string }
	if err == nil {
		err = json.Unmarshal(out, &meta)
	}
	if err == nil && meta.SchemaVersion == "" {
		err = errors.New("no SchemaVersion")
	}
	if err != nil {
		return fmt.Errorf("the plugin builds but is not a valid docker CLI plugin: "+
			"`docker-telepresence docker-cli-plugin-metadata` printed %q: %v", out, err)
	}
	return nil
}

// installTelemount installs the Telemount stand-in as a managed Docker
// plugin built from local files (no registry), enables it, and returns how
// to remove it. A managed plugin, unlike a legacy socket plugin, can be
// removed for good: the engine forgets it, and does not stall on every
// volume call afterwards looking for a socket that is gone.
func installTelemount(bin string) (remove func(), err error) {
	dir := filepath.Join(suite.dir, "telemount-plugin")
	for _, d := range []string{"rootfs/data", "rootfs/run/docker/plugins"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	data, err := os.ReadFile(bin)
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, "rootfs", "telemount"), data, 0o755)
	}
	if err != nil {
		return nil, err
	}
	config := `{
  "description": "docker-telepresence e2e stand-in for the Telemount volume driver",
  "documentation": "https://github.com/telepresenceio/docker-telepresence",
  "entrypoint": ["/telemount", "--socket", "/run/docker/plugins/telemount.sock", "--root", "/data"],
  "interface": {"types": ["docker.volumedriver/1.0"], "socket": "telemount.sock"},
  "network": {"type": "host"},
  "propagatedMount": "/data"
}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o644); err != nil {
		return nil, err
	}
	remove = removeTelemount
	if _, err := dockerCmd("plugin", "create", telemountDriver, dir); err != nil {
		return nil, err
	}
	if _, err := dockerCmd("plugin", "enable", telemountDriver); err != nil {
		remove()
		return nil, err
	}
	return remove, nil
}

func removeTelemount() {
	if _, err := dockerCmd("plugin", "inspect", telemountDriver); err == nil {
		_, _ = dockerCmd("plugin", "disable", "-f", telemountDriver)
		_, _ = dockerCmd("plugin", "rm", "-f", telemountDriver)
	}
}

func removeTelemountVolumes() {
	out, _ := dockerCmd("volume", "ls", "-q", "--filter", "driver="+telemountDriver)
	for _, v := range strings.Fields(out) {
		fmt.Fprintf(os.Stderr, "e2e: removing leftover volume %s\n", v)
		_, _ = dockerCmd("volume", "rm", "-f", v)
	}
}

// sweep removes what tests leaked: stand-in daemon containers and anything
// of a compose project that the harness named (tpe2e-...).
func sweep() {
	out, _ := dockerCmd("ps", "-aq", "--filter", "label="+daemonLabel)
	for _, id := range strings.Fields(out) {
		_, _ = dockerCmd("rm", "-f", id)
	}
	const proj = `{{.Label "com.docker.compose.project"}} `
	const filter = "label=com.docker.compose.project"
	out, _ = dockerCmd("network", "ls", "-q", "--filter", "label="+daemonLabel)
	defer func() {
		for _, id := range strings.Fields(out) {
			_, _ = dockerCmd("network", "rm", id) // the stand-in's Teleroute networks
		}
	}()
	// Containers first: volumes and networks in use cannot be removed.
	for _, list := range [][]string{
		{"container", "ls", "-a", "--filter", filter, "--format", proj + "{{.Names}}"},
		{"volume", "ls", "--filter", filter, "--format", proj + "{{.Name}}"},
		{"network", "ls", "--filter", filter, "--format", proj + "{{.Name}}"},
	} {
		out, _ := dockerCmd(list...)
		for _, line := range strings.Split(out, "\n") {
			p, name, ok := strings.Cut(line, " ")
			if !ok || !strings.HasPrefix(p, projectPrefix) {
				continue
			}
			fmt.Fprintf(os.Stderr, "e2e: removing leftover %s %s of project %s\n", list[0], name, p)
			if list[0] == "network" {
				_, _ = dockerCmd("network", "rm", name)
			} else {
				_, _ = dockerCmd(list[0], "rm", "-f", name)
			}
		}
	}
}

// dockerCmd runs the docker CLI with the suite's DOCKER_CONFIG and returns
// trimmed stdout; the error carries stderr.
func dockerCmd(args ...string) (string, error) {
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

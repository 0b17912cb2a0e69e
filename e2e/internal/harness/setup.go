package harness

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// setup builds the binaries and images and starts the Telemount stand-in.
// The returned teardown is always non-nil and safe to call.
func setup(opts Options) (teardown func(), err error) {
	var undo []func()
	teardown = func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	if suite.repoRoot, err = findRepoRoot(); err != nil {
		return teardown, err
	}
	if suite.dir, err = os.MkdirTemp("", "tpe2e-"); err != nil {
		return teardown, err
	}
	undo = append(undo, func() { _ = os.RemoveAll(suite.dir) })
	suite.binDir = filepath.Join(suite.dir, "bin")
	suite.dockerConfig = filepath.Join(suite.dir, "config")

	standin, telemount, err := buildBinaries(opts)
	if err != nil {
		return teardown, err
	}

	undo = append(undo, removeImages)
	if err := buildImages(standin); err != nil {
		return teardown, err
	}

	// The netns releases' daemons share the "telepresence" network. Made
	// here, once, it is never the stand-in's to create or remove, so tests
	// that run side by side cannot race on it. Removed at the end only if
	// this run made it.
	if _, err := Docker("network", "inspect", TPNetwork); err != nil {
		if _, err := Docker("network", "create", "--label", DaemonLabel, TPNetwork); err != nil {
			return teardown, err
		}
		undo = append(undo, func() { _, _ = Docker("network", "rm", TPNetwork) })
	}

	if opts.Registry {
		stop, err := startRegistry()
		undo = append(undo, stop)
		if err != nil {
			return teardown, err
		}
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

// buildBinaries builds the plugin (if opts ask for it) into
// DOCKER_CONFIG/cli-plugins, and the two stand-ins, and returns the paths
// of the stand-ins.
func buildBinaries(opts Options) (standin, telemount string, err error) {
	// E2E_SKIP_PLUGIN_BUILD=1 exists only to work on the stand-ins while the
	// plugin does not build; tests that need the plugin then fail.
	switch {
	case !opts.Plugin:
		fmt.Println("e2e: these tests do not run the plugin: not building it")
	case os.Getenv("E2E_SKIP_PLUGIN_BUILD") == "1":
		fmt.Println("e2e: E2E_SKIP_PLUGIN_BUILD=1: not building the plugin")
	default:
		plugin := filepath.Join(suite.dockerConfig, "cli-plugins", "docker-telepresence")
		if err := goBuild(plugin, module, false); err != nil {
			return "", "", fmt.Errorf("cannot build the plugin: %w", err)
		}
		if err := checkPluginMetadata(plugin); err != nil {
			return "", "", err
		}
		suite.pluginBuilt = true
		// Compose's own CLI plugin, at the version go.mod names: the tests
		// of what plain `docker compose` does to a project the plugin runs.
		compose := filepath.Join(suite.dockerConfig, "cli-plugins", "docker-compose")
		if err := goBuild(compose, composeMain, false); err != nil {
			return "", "", fmt.Errorf("cannot build Compose's CLI plugin: %w", err)
		}
	}
	standin = filepath.Join(suite.binDir, "telepresence")
	if err := goBuild(standin, "./e2e/standin/telepresence", true); err != nil {
		return "", "", fmt.Errorf("cannot build the telepresence stand-in: %w", err)
	}
	telemount = filepath.Join(suite.dir, "telemount-standin")
	if err := goBuild(telemount, "./e2e/standin/telemount", true); err != nil {
		return "", "", fmt.Errorf("cannot build the telemount stand-in: %w", err)
	}
	return standin, telemount, nil
}

// module is the module path in the go.mod at the repository root;
// composeMain is the main package of the Compose it requires.
const (
	module      = "github.com/telepresenceio/docker-telepresence"
	composeMain = "github.com/docker/compose/v5/cmd"
)

// findRepoRoot finds the repository root: the nearest directory, from the
// test package's (where go test runs it) up, with this module's go.mod.
func findRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if f, err := os.Open(filepath.Join(dir, "go.mod")); err == nil {
			sc := bufio.NewScanner(f)
			isModule := sc.Scan() && strings.TrimSpace(sc.Text()) == "module "+module
			_ = f.Close()
			if isModule {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run the tests from a package directory of the e2e tree (go test ./e2e/...): no go.mod of " + module + " above it")
		}
		dir = parent
	}
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
	if _, err := Docker("plugin", "create", TelemountDriver, dir); err != nil {
		return nil, err
	}
	if _, err := Docker("plugin", "enable", TelemountDriver); err != nil {
		remove()
		return nil, err
	}
	return remove, nil
}

func removeTelemount() {
	if _, err := Docker("plugin", "inspect", TelemountDriver); err == nil {
		_, _ = Docker("plugin", "disable", "-f", TelemountDriver)
		_, _ = Docker("plugin", "rm", "-f", TelemountDriver)
	}
}

func removeTelemountVolumes() {
	out, _ := Docker("volume", "ls", "-q", "--filter", "driver="+TelemountDriver)
	for _, v := range strings.Fields(out) {
		fmt.Fprintf(os.Stderr, "e2e: removing leftover volume %s\n", v)
		_, _ = Docker("volume", "rm", "-f", v)
	}
}

// sweep removes what tests leaked: stand-in daemon containers and anything
// of a compose project that the harness named (tpe2e-...).
func sweep() {
	out, _ := Docker("ps", "-aq", "--filter", "label="+DaemonLabel)
	for _, id := range strings.Fields(out) {
		_, _ = Docker("rm", "-f", id)
	}
	const proj = `{{.Label "com.docker.compose.project"}} `
	const filter = "label=com.docker.compose.project"
	out, _ = Docker("network", "ls", "-q", "--filter", "label="+DaemonLabel)
	defer func() {
		for _, id := range strings.Fields(out) {
			_, _ = Docker("network", "rm", id) // the stand-in's Teleroute networks
		}
	}()
	// Containers first: volumes and networks in use cannot be removed.
	for _, list := range [][]string{
		{"container", "ls", "-a", "--filter", filter, "--format", proj + "{{.Names}}"},
		{"volume", "ls", "--filter", filter, "--format", proj + "{{.Name}}"},
		{"network", "ls", "--filter", filter, "--format", proj + "{{.Name}}"},
	} {
		out, _ := Docker(list...)
		for _, line := range strings.Split(out, "\n") {
			p, name, ok := strings.Cut(line, " ")
			if !ok || !strings.HasPrefix(p, projectPrefix) {
				continue
			}
			fmt.Fprintf(os.Stderr, "e2e: removing leftover %s %s of project %s\n", list[0], name, p)
			if list[0] == "network" {
				_, _ = Docker("network", "rm", name)
			} else {
				_, _ = Docker(list[0], "rm", "-f", name)
			}
		}
	}
}

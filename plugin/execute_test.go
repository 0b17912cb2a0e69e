package plugin

import (
	"bytes"
	"encoding/json"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/docker/cli/cli/command"

	"github.com/telepresenceio/docker-telepresence/metadata"
)

// runPlugin runs a command line as the Docker CLI runs the plugin
// (`docker-telepresence telepresence ARGS...`), through the plugin
// framework, and returns stdout, what it printed on stderr and the exit
// status.
func runPlugin(t *testing.T, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	return runPluginWith(t, nil, append([]string{metadata.PluginName}, args...)...)
}

// runPluginWith runs the plugin binary's command line argv (which starts
// with the plugin's name, or with __complete and the name), with a Docker
// CLI made with these options.
func runPluginWith(t *testing.T, opts []command.CLIOption, argv ...string) (stdout, stderr string, status int) {
	t.Helper()
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	var out, errOut bytes.Buffer
	cli, err := command.NewDockerCli(append(opts, command.WithOutputStream(&out), command.WithErrorStream(&errOut))...)
	if err != nil {
		t.Fatal(err)
	}
	old := os.Args
	t.Cleanup(func() { os.Args = old })
	os.Args = append([]string{"docker-telepresence"}, argv...)
	status = exitStatus(&errOut, execute(cli, metadata.Metadata()))
	return out.String(), errOut.String(), status
}

// A bad flag exits 125 with the usage line, as `docker` and `docker
// compose` do, wherever it stands: before the subcommand too.
func TestBadFlagsExit125WithTheUsageLine(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		usage string
	}{
		{[]string{"--nope", "up"}, "Usage:  docker telepresence [OPTIONS] COMMAND"},
		{[]string{"--nope=1", "up"}, "Usage:  docker telepresence [OPTIONS] COMMAND"},
		{[]string{"--nope", "-d", "up"}, "Usage:  docker telepresence [OPTIONS] COMMAND"},
		{[]string{"-x=1", "config"}, "Usage:  docker telepresence [OPTIONS] COMMAND"},
		{[]string{"--telepresence-timeout=soon", "up"}, "Usage:  docker telepresence [OPTIONS] COMMAND"},
		{[]string{"up", "--nope"}, "Usage:  docker telepresence up [OPTIONS] [SERVICE...]"},
		{[]string{"down", "--volumes=maybe"}, "Usage:  docker telepresence down [OPTIONS]"},
	} {
		_, stderr, status := runPlugin(t, tc.args...)
		if status != 125 || !strings.Contains(stderr, tc.usage) || !strings.Contains(stderr, "--help' for more information") {
			t.Errorf("%q: status %d, stderr:\n%s\nwant 125 and %q", tc.args, status, stderr, tc.usage)
		}
	}
}

// version prints what `docker compose version` prints, for the plugin,
// without an engine.
func TestVersion(t *testing.T) {
	old := metadata.Version
	t.Cleanup(func() { metadata.Version = old })
	metadata.Version = "v0.3.1-2-gabcdef"
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
	t.Setenv(EnvTimeout, "soon") // not read by version

	pretty := "Docker Telepresence version v0.3.1-2-gabcdef (" + runtime.GOOS + "/" + runtime.GOARCH + "), with Docker Compose " + metadata.ComposeVersion() + "\n"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"version"}, pretty},
		{[]string{"version", "--format", "pretty"}, pretty},
		{[]string{"version", "-f", "pretty"}, pretty},
		{[]string{"version", "--short"}, "0.3.1-2-gabcdef\n"},
		{[]string{"version", "--format", "json"}, `{"version":"v0.3.1-2-gabcdef","platform":"` + runtime.GOOS + "/" + runtime.GOARCH +
			`","compose":"` + metadata.ComposeVersion() + `"}` + "\n"},
	} {
		stdout, stderr, status := runPlugin(t, tc.args...)
		if status != 0 || stdout != tc.want {
			t.Errorf("%q: status %d, stdout %q (stderr %q), want %q", tc.args, status, stdout, stderr, tc.want)
		}
	}
	stdout, _, _ := runPlugin(t, "version", "--format", "json")
	var v struct{ Version string }
	if err := json.Unmarshal([]byte(stdout), &v); err != nil || v.Version != metadata.Version {
		t.Errorf("json: %q, %v", stdout, err)
	}
	if _, stderr, status := runPlugin(t, "version", "--format", "xml"); status != 1 || !strings.Contains(stderr, "pretty or json") {
		t.Errorf("--format xml: status %d, %q", status, stderr)
	}
}

// A flag of Compose's that docker telepresence does not take is a bad flag
// (status 125, the usage line) whose error says why it does not apply.
func TestAComposeFlagThatDoesNotApplySaysWhy(t *testing.T) {
	for key, why := range notApplicable {
		name, flag, _ := strings.Cut(key, " ")
		_, stderr, status := runPlugin(t, name, flag)
		want := "docker telepresence " + name + " does not take it: " + why
		if status != 125 || !strings.Contains(stderr, want) || !strings.Contains(stderr, "Usage:  docker telepresence "+name) {
			t.Errorf("%s %s: status %d, stderr:\n%s\nwant 125 and %q", name, flag, status, stderr, want)
		}
	}
}

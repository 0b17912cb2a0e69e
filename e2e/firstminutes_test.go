package e2e

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/telepresenceio/docker-telepresence/e2e/internal/harness"
)

// What a new user meets in the first minutes, through the docker CLI:
// version, a mistyped flag, a missing compose file, a forgotten override
// file.
func TestFirstMinutesTranscript(t *testing.T) {
	e := newEnv(t)
	empty := e.WriteProject(map[string]string{"README": "no compose file here\n"})
	example := filepath.Join(harness.RepoRoot(), "examples", "echo")

	if out := e.MustRun(ctx(t), empty, "version"); !strings.HasPrefix(out, "Docker Telepresence version ") {
		t.Errorf("version: %q", out)
	}

	_, stderr, err := e.Run(ctx(t), empty, "--nope=1", "up")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 125 || !strings.Contains(stderr, "Usage:  docker telepresence [OPTIONS] COMMAND") {
		t.Errorf("a bad flag before the subcommand: %v, stderr:\n%s", err, stderr)
	}

	for _, args := range [][]string{{"config"}, {"up", "-d"}} {
		_, stderr, err = e.Run(ctx(t), empty, args...)
		if err == nil || !strings.Contains(stderr, "no compose file found") || !strings.Contains(stderr, "hint: run it in the project's directory, or name the files with -f") {
			t.Errorf("%s without a compose file: %v, stderr:\n%s", args[0], err, stderr)
		}
	}
	_, stderr, err = e.Run(ctx(t), empty, "-f", "compose.yml", "config")
	if err == nil || !strings.Contains(stderr, filepath.Join(empty, "compose.yml")+" (-f compose.yml) not found") {
		t.Errorf("a missing -f file: %v, stderr:\n%s", err, stderr)
	}

	_, stderr, err = e.Run(ctx(t), example, "-f", "compose.yaml", "config")
	if err != nil || !strings.Contains(stderr, "WARNING: no service declares x-telepresence") ||
		!strings.Contains(stderr, "docker telepresence -f compose.yaml -f compose.telepresence.yaml config") {
		t.Errorf("the example without its override file: %v, stderr:\n%s", err, stderr)
	}
	_, stderr, _ = e.Run(ctx(t), example, "-f", "compose.yaml", "-f", "compose.telepresence.yaml", "config")
	if strings.Contains(stderr, "no service declares") {
		t.Errorf("the example with its override file warns:\n%s", stderr)
	}
}

// A run that fails in Compose (the build), before it made anything, is undone without
// Compose's logrus lines ("No resource found to remove") in its output,
// and down says the daemon stays, and how to quit it.
func TestAFailedUpLeaksNoComposeWarnings(t *testing.T) {
	e := newEnv(t)
	dir := e.WriteProject(map[string]string{"compose.yaml": `
services:
  echo:
    image: ` + busyboxImage + `
    init: true
    command: ["sleep", "3600"]
    x-telepresence: {behavior: interceptHandler, intercept: {port: "8088"}}
  broken:
    build: .
`, "Dockerfile": "NOSUCHINSTRUCTION tpe2e\n"})
	_, stderr, err := e.Run(ctx(t), dir, "up", "-d")
	if err == nil {
		t.Fatal("up succeeded with a Dockerfile that does not build")
	}
	for _, noise := range []string{"level=warning", "WARN[", "No resource found to remove"} {
		if strings.Contains(stderr, noise) {
			t.Errorf("up's output has Compose's logrus line %q:\n%s", noise, stderr)
		}
	}
	if !strings.Contains(strings.ToLower(stderr), "nosuchinstruction") {
		t.Errorf("the error does not say what failed:\n%s", stderr)
	}

	fixed := e.WriteProject(map[string]string{"compose.yaml": `
services:
  echo:
    image: ` + busyboxImage + `
    init: true
    command: ["sleep", "3600"]
    x-telepresence: {behavior: interceptHandler, intercept: {port: "8088"}}
`})
	e.MustRun(ctx(t), fixed, "up", "-d")
	_, stderr, err = e.Run(ctx(t), fixed, "down")
	if err != nil || !strings.Contains(stderr, "The Telepresence daemon stays connected") || !strings.Contains(stderr, "`telepresence quit`") {
		t.Errorf("down: %v, stderr:\n%s", err, stderr)
	}
}

// An up whose image cannot be had (never pulled, and not on the engine)
// fails, and leaves nothing of the project behind: no container Compose
// created before it found out, no network, no volume.
func TestAFailedUpOnAMissingImageLeavesNothing(t *testing.T) {
	e := newEnv(t)
	dir := e.WriteProject(map[string]string{"compose.yaml": `
services:
  echo:
    image: ` + busyboxImage + `
    init: true
    command: ["sleep", "3600"]
    x-telepresence: {behavior: interceptHandler, intercept: {port: "8088"}}
  missing:
    image: tpe2e-no-such-image:1
    pull_policy: never
    volumes: [data:/data]
volumes:
  data: {}
`})
	_, stderr, err := e.Run(ctx(t), dir, "up", "-d")
	if err == nil {
		t.Fatal("up succeeded with an image that does not exist")
	}
	if !strings.Contains(stderr, "tpe2e-no-such-image") {
		t.Errorf("the error does not name the image:\n%s", stderr)
	}
	e.assertNoLeftovers()
}

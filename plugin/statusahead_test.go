//go:build unix

package plugin

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// `up` asks Telepresence for its status while Compose loads the project,
// not after. The compose file is a named pipe that only the telepresence
// program writes, when it is asked for its status: a plugin that loaded the
// project first would wait for the file forever.
func TestTheStatusIsAskedWhileTheProjectLoads(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "compose.yaml")
	if err := syscall.Mkfifo(file, 0o600); err != nil {
		t.Fatal(err)
	}
	project := "services:\n  web:\n    image: web\n    ports: [\"8080\"]\n    x-telepresence: {behavior: interceptHandler}\n"
	tp := filepath.Join(dir, "telepresence")
	script := "#!/bin/sh\nprintf '" + strings.ReplaceAll(project, "\n", `\n`) + "' >'" + file + "'\necho '{}'\n"
	if err := os.WriteFile(tp, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	// No engine answers: the run stops when it reads the project's state,
	// once the project has loaded.
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(dir, "no-engine.sock"))
	t.Setenv("XDG_RUNTIME_DIR", dir)
	done := make(chan struct{})
	defer close(done)
	go func() {
		// Only when the order is wrong: feed each read of the file (the
		// loader's, then the diagnosis of its error) one that does not
		// load, so that the test fails rather than hangs. The success path
		// never waits for this.
		select {
		case <-done:
			return
		case <-time.After(30 * time.Second):
		}
		for {
			_ = os.WriteFile(file, []byte("services: [\n"), 0o600)
		}
	}()
	_, stderr, status := runPlugin(t, "--telepresence", tp, "-f", file, "--project-name", "ahead", "up", "-d")
	if status == 0 || !strings.Contains(stderr, "no-engine.sock") {
		t.Errorf("up -d: status %d, stderr:\n%s\nwant the project loaded, and the engine's error", status, stderr)
	}
}

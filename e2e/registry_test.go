package e2e

import (
	"strings"
	"testing"

	"github.com/telepresenceio/docker-telepresence/e2e/internal/harness"
)

// Images come from a real registry (the suite's, on loopback): `pull`
// fetches what the project runs, and `up --pull always --quiet-pull` pulls
// it again, once, the handler's image like any other.
func TestPullFromARegistry(t *testing.T) {
	e := newEnv(t)
	image := harness.RegistryImage()
	e.WriteFixture(Fixture{})
	dir := e.WriteProject(map[string]string{"compose.yaml": `
services:
  echo:
    image: ` + image + `
    init: true
    command: ["sleep", "3600"]
    x-telepresence: {behavior: interceptHandler, intercept: {workload: echo-server, port: "8088"}}
  web:
    image: ` + image + `
    init: true
    command: ["sleep", "3600"]
`})
	removeImage := func() {
		if _, err := dockerCmd("image", "inspect", image); err == nil {
			if _, err := dockerCmd("rmi", image); err != nil {
				t.Fatal(err)
			}
		}
	}
	removeImage()
	t.Cleanup(func() {
		if _, err := dockerCmd("image", "inspect", image); err != nil {
			_, _ = dockerCmd("pull", image) // the next test finds it as the suite left it
		}
	})
	e.MustRun(ctx(t), dir, "pull")
	if _, err := dockerCmd("image", "inspect", image); err != nil {
		t.Fatalf("pull did not fetch %s: %v", image, err)
	}
	removeImage()
	stderr := e.mustRunStderr(t, dir, "up", "-d", "--pull", "always", "--quiet-pull")
	if !e.Running(e.container("echo")) || !e.Running(e.container("web")) {
		t.Errorf("up -d --pull always: the services do not run:\n%s", stderr)
	}
	// Both services run one image: it is pulled once, while Telepresence
	// attaches, and not again by create or start. (--quiet-pull only hides
	// the per-layer rows of the terminal display, which this plain output
	// never shows.)
	if n := strings.Count(stderr, " Pulled"); n != 1 {
		t.Errorf("%d pulls, want one:\n%s", n, stderr)
	}
	e.MustRun(ctx(t), dir, "down")
	e.assertNoLeftovers()
}

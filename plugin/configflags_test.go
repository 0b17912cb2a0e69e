package plugin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const shopYAML = `
name: shop
services:
  web:
    image: web:${TAG}
    depends_on: [api, db]
  api:
    build: ./api
    ports: ["8080"]
    networks: [back]
    x-telepresence: {behavior: interceptHandler}
  db:
    image: postgres
    x-telepresence: {behavior: remote}
  tools:
    image: tools
    profiles: [debug]
networks:
  back: {}
`

// runShopConfig runs `config ARGS...` on the shop project, with no
// Telepresence and no engine to ask.
func runShopConfig(t *testing.T, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	dir := writeFiles(t, map[string]string{"compose.yaml": shopYAML, ".env": "TAG=1\n"})
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(dir, "no-engine.sock"))
	return runPlugin(t, append([]string{"--telepresence", filepath.Join(dir, "no-telepresence"),
		"--project-directory", dir, "config"}, args...)...)
}

// `config` takes the flags of `docker compose config` that print one list
// of the project, and prints it for the transformed project: the remote
// service is the cluster's, and the handler joins the daemon's network.
func TestConfigPrintsTheListsComposeConfigPrints(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--services"}, "api\nweb\n"},
		{[]string{"--services", "web"}, "api\nweb\n"},
		{[]string{"--services", "api"}, "api\n"},
		{[]string{"--networks"}, "back\ndefault\nteleroute\n"},
		{[]string{"--volumes"}, ""},
		{[]string{"--profiles"}, "debug\n"},
		{[]string{"--images"}, "shop-api\nweb:1\n"},
		{[]string{"--models"}, ""},
		{[]string{"-q"}, ""},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			stdout, stderr, status := runShopConfig(t, tc.args...)
			if status != 0 || stdout != tc.want {
				t.Errorf("status %d, stdout %q, want %q; stderr:\n%s", status, stdout, tc.want, stderr)
			}
		})
	}
}

// --environment prints what the files were interpolated with, .env
// included.
func TestConfigPrintsTheEnvironmentOfTheInterpolation(t *testing.T) {
	stdout, stderr, status := runShopConfig(t, "--environment")
	if status != 0 || !strings.Contains("\n"+stdout, "\nTAG=1\n") || !strings.Contains(stdout, "COMPOSE_PROJECT_NAME=shop\n") {
		t.Errorf("status %d, stdout:\n%s\nstderr:\n%s", status, stdout, stderr)
	}
}

// -o writes what config prints to a file instead, and SERVICE... narrows
// it to the services and what they depend on; a remote service is no
// service of the printed project.
func TestConfigWritesTheNamedServicesToAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "out.yaml")
	stdout, stderr, status := runShopConfig(t, "-o", file, "api")
	if status != 0 || stdout != "" {
		t.Fatalf("status %d, stdout %q; stderr:\n%s", status, stdout, stderr)
	}
	out, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("-o out.yaml wrote nothing: %v", err)
	}
	if !strings.Contains(string(out), "\n  api:\n") || strings.Contains(string(out), "\n  web:\n") {
		t.Errorf("out.yaml has not api alone:\n%s", out)
	}
	_, stderr, status = runShopConfig(t, "db")
	if status == 0 || !strings.Contains(stderr, `service "db": the service is remote`) || !strings.Contains(stderr, "compose.yaml") {
		t.Errorf("config db: status %d, stderr:\n%s", status, stderr)
	}
}

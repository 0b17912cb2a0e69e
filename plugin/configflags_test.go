package plugin

import (
	"os"
	"path/filepath"
	"slices"
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
  cache:
    image: redis
    profiles: [cloud]
    x-telepresence: {behavior: remote}
  aaa:
    image: aaa
    depends_on: [zzz]
    volumes: [data:/data]
  zzz:
    image: zzz
networks:
  back: {}
volumes:
  data: {}
`

// runShopConfig runs `config ARGS...` on the shop project, with no
// Telepresence and no engine to ask.
// Arguments before "config" are the root's (--profile).
func runShopConfig(t *testing.T, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	dir := writeFiles(t, map[string]string{"compose.yaml": shopYAML, ".env": "TAG=1\n"})
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(dir, "no-engine.sock"))
	if !slices.Contains(args, "config") {
		args = append([]string{"config"}, args...)
	}
	return runPlugin(t, append([]string{"--telepresence", filepath.Join(dir, "no-telepresence"), "--project-directory", dir}, args...)...)
}

// `config` takes the flags of `docker compose config` that print one list
// of the project, and prints it for the transformed project: the remote
// service is the cluster's, and the handler joins the daemon's network.
func TestConfigPrintsTheListsComposeConfigPrints(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		// In the order they start: zzz before aaa, which depends on it.
		{[]string{"--services"}, "api\nweb\nzzz\naaa\n"},
		{[]string{"--services", "web"}, "api\nweb\n"},
		{[]string{"--services", "api"}, "api\n"},
		// Named, a service its profile disables is enabled, as Compose
		// enables it.
		{[]string{"--services", "tools"}, "tools\n"},
		{[]string{"--networks"}, "back\ndefault\nteleroute\n"},
		// Narrowed as up SERVICE... runs it: no service of zzz's needs the
		// daemon's network, nor back.
		{[]string{"--networks", "zzz"}, "default\n"},
		{[]string{"--volumes"}, "data\n"},
		{[]string{"--volumes", "api"}, ""},
		{[]string{"--profiles"}, "cloud\ndebug\n"},
		// A remote service is no service of the transformed project, but
		// its profile is the project's.
		{[]string{"--profile", "cloud", "config", "--profiles"}, "cloud\ndebug\n"},
		{[]string{"--images"}, "aaa\nshop-api\nweb:1\nzzz\n"},
		{[]string{"--models"}, ""},
		{[]string{"-q"}, ""},
		{[]string{"-q", "--services"}, ""},
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
	if _, _, status := runShopConfig(t, "-o", file, "--services", "web"); status != 0 {
		t.Fatalf("-o %s --services web: status %d", file, status)
	}
	if out, err := os.ReadFile(file); err != nil || string(out) != "api\nweb\n" {
		t.Errorf("-o with --services wrote %q, %v", out, err)
	}
	_, stderr, status = runShopConfig(t, "db")
	if status == 0 || !strings.Contains(stderr, `service "db": the service is remote`) || !strings.Contains(stderr, "compose.yaml") {
		t.Errorf("config db: status %d, stderr:\n%s", status, stderr)
	}
}

package plugin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/google/go-cmp/cmp"
)

func loadYAML(t *testing.T, dir string, content []byte) *types.Project {
	t.Helper()
	p, err := loader.LoadWithContext(t.Context(), types.ConfigDetails{
		WorkingDir: dir, ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(dir, "compose.yaml"), Content: content}},
		Environment: types.Mapping{"HOME": "/root"},
	}, func(o *loader.Options) { o.SetProjectName("p", true) })
	if err != nil {
		t.Fatalf("loading:\n%s\n%v", content, err)
	}
	return p
}

// What config prints, loaded again, is what it printed: literal dollars
// stay literal (written $$ as `docker compose config` does), and env_file,
// already merged into environment, is gone.
func TestRenderRoundTrips(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "app.env"), []byte("FROM_FILE=1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	in := loadYAML(t, dir, []byte(`
services:
  web:
    image: web
    env_file: [app.env]
    environment:
      HOME_LITERAL: "$$HOME"
      HOME_VALUE: "$HOME"
    labels:
      traefik.http.middlewares.auth.basicauth.users: "admin:$$apr1$$xyz$$abc"
    healthcheck:
      test: ["CMD-SHELL", "test \"$$(cat /run/secrets/token)\" = ok"]
`))
	for _, format := range []string{"yaml", "json"} {
		out, err := render(in, format)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(out), "env_file") {
			t.Errorf("%s: env_file stays in the output:\n%s", format, out)
		}
		back := loadYAML(t, dir, out)
		web := back.Services["web"]
		for k, want := range map[string]string{"HOME_LITERAL": "$HOME", "HOME_VALUE": "/root", "FROM_FILE": "1"} {
			if got := web.Environment[k]; got == nil || *got != want {
				t.Errorf("%s: %s = %v, want %q", format, k, got, want)
			}
		}
		if got := web.Labels["traefik.http.middlewares.auth.basicauth.users"]; got != "admin:$apr1$xyz$abc" {
			t.Errorf("%s: the basic-auth label is mangled: %q", format, got)
		}
		again, err := render(back, format)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(string(out), string(again)); d != "" {
			t.Errorf("%s: printed, loaded and printed again differs (-first +second):\n%s", format, d)
		}
	}
}

package plugin

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker/cli/cli/command"

	"github.com/telepresenceio/docker-telepresence/transform"
)

func newCli(t *testing.T) command.Cli {
	t.Helper()
	cli, err := command.NewDockerCli()
	if err != nil {
		t.Fatal(err)
	}
	return cli
}

// writeFiles writes files into a fresh directory and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestUnknownCommandIsAnError(t *testing.T) {
	cmd := RootCommand(newCli(t))
	err := cmd.RunE(cmd, []string{"bogus"})
	if err == nil || !strings.Contains(err.Error(), `unknown command "bogus"`) || !strings.Contains(err.Error(), "hint: docker compose -p PROJECT bogus runs Compose's own") {
		t.Fatalf("err = %v", err)
	}
	// One of Compose's that it does not offer says why.
	if err := cmd.RunE(cmd, []string{"publish"}); err == nil || !strings.Contains(err.Error(), "docker telepresence does not offer it: it publishes the compose application") {
		t.Errorf("publish: %v", err)
	}
	for _, name := range []string{"up", "watch", "down", "config", "status"} {
		sub, _, err := cmd.Find([]string{name})
		if err != nil || sub.Name() != name {
			t.Errorf("command %s: %v", name, err)
			continue
		}
		// up, watch and config take services, as their Compose namesakes do.
		takesServices := name == "up" || name == "watch" || name == "config"
		if err := sub.Args(sub, []string{"web"}); (err == nil) != takesServices {
			t.Errorf("%s: arguments accepted = %v, want %v", name, err == nil, takesServices)
		}
	}
}

// loadErr loads a project as the commands do, from files in dir.
func loadErr(t *testing.T, dir string, opts ProjectOptions) error {
	t.Helper()
	backend, err := newBackend(newCli(t), displayOptions{detached: true})
	if err != nil {
		t.Fatal(err)
	}
	if opts.ProjectDir == "" {
		opts.ProjectDir = dir
	}
	for i, f := range opts.ConfigPaths {
		opts.ConfigPaths[i] = filepath.Join(dir, f)
	}
	_, err = opts.loadProject(t.Context(), backend)
	return err
}

func TestLoadProjectErrorsNameTheFile(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		opts  ProjectOptions
		want  []string
	}{
		{"YAML that is not a mapping", map[string]string{"compose.yaml": "- a\n- b\n"},
			ProjectOptions{ConfigPaths: []string{"compose.yaml"}}, []string{"compose.yaml"}},
		{"an empty file", map[string]string{"compose.yaml": ""},
			ProjectOptions{ConfigPaths: []string{"compose.yaml"}}, []string{"compose.yaml", "empty"}},
		{"a missing --env-file", map[string]string{"compose.yaml": "services: {a: {image: x}}\n"},
			ProjectOptions{ConfigPaths: []string{"compose.yaml"}, EnvFiles: []string{"/nonexistent/.env"}}, []string{"--env-file /nonexistent/.env"}},
		{"a handler without image or build", map[string]string{"compose.yaml": "services: {h: {ports: [\"80\"], x-telepresence: {behavior: interceptHandler}}}\n"},
			ProjectOptions{ConfigPaths: []string{"compose.yaml"}}, []string{`service "h" has neither an image nor a build context`}},
		{"a missing env_file of a service", map[string]string{"compose.yaml": "services: {a: {image: x, env_file: [missing.env]}}\n"},
			ProjectOptions{ConfigPaths: []string{"compose.yaml"}}, []string{"missing.env"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, tc.files)
			err := loadErr(t, dir, tc.opts)
			if err == nil {
				t.Fatal("loaded")
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}

func TestIntentErrorsNameTheFileThatDeclaresThem(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"compose.yaml":              "services:\n  echo: {image: x, ports: [\"80\"]}\n  db: {image: y}\n",
		"compose.telepresence.yaml": "services:\n  echo:\n    x-telepresence: {behavior: nope}\n",
	})
	backend, err := newBackend(newCli(t), displayOptions{detached: true})
	if err != nil {
		t.Fatal(err)
	}
	opts := ProjectOptions{ProjectDir: dir, ConfigPaths: []string{filepath.Join(dir, "compose.yaml"), filepath.Join(dir, "compose.telepresence.yaml")}}
	p, err := opts.loadProject(t.Context(), backend)
	if err != nil {
		t.Fatal(err)
	}
	_, err = transform.ParseIntent(p, transform.Flags{Handlers: []string{"ghost"}})
	err = locateIntentErrors(err, p)
	msg := err.Error()
	for _, want := range []string{
		filepath.Join(dir, "compose.telepresence.yaml") + `: service "echo": x-telepresence.behavior: unknown behavior "nope"`,
		`--handler: service "ghost": no such service`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
}

// An intent error in an included file names that file.
func TestIntentErrorsInAnIncludedFileNameIt(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"compose.yaml": "include:\n  - sub/api.yaml\n  - path: [other.yaml]\nservices:\n  web: {image: w}\n",
		"other.yaml":   "services:\n  db: {image: d}\n",
	})
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	api := filepath.Join(dir, "sub", "api.yaml")
	if err := os.WriteFile(api, []byte("services:\n  api:\n    image: a\n    x-telepresence: {behavior: interceptHandler, intercept: {mount: maybe}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	backend, err := newBackend(newCli(t), displayOptions{detached: true})
	if err != nil {
		t.Fatal(err)
	}
	opts := ProjectOptions{ProjectDir: dir, ConfigPaths: []string{filepath.Join(dir, "compose.yaml")}}
	_, _, err = opts.loadIntent(t.Context(), backend, transform.Flags{}, nil, "up")
	if want := api + `: service "api": x-telepresence.intercept.mount: expected true or false`; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %v, want it to start with %q", err, want)
	}
}

func TestProfileDisablesAHandler(t *testing.T) {
	dir := writeFiles(t, map[string]string{"compose.yaml": `
services:
  web: {image: w}
  echo:
    image: x
    ports: ["80"]
    profiles: [debug]
    x-telepresence: {behavior: interceptHandler}
`})
	backend, err := newBackend(newCli(t), displayOptions{detached: true})
	if err != nil {
		t.Fatal(err)
	}
	opts := ProjectOptions{ProjectDir: dir, ConfigPaths: []string{filepath.Join(dir, "compose.yaml")}}
	p, err := opts.loadProject(t.Context(), backend)
	if err != nil {
		t.Fatal(err)
	}
	in, err := transform.ParseIntent(p, transform.Flags{})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := transform.NewPlan(p, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Attachments) != 0 {
		t.Errorf("a handler disabled by its profile is intercepted: %v", plan.Attachments)
	}
	opts.Profiles = []string{"debug"}
	if p, err = opts.loadProject(t.Context(), backend); err != nil {
		t.Fatal(err)
	}
	if in, err = transform.ParseIntent(p, transform.Flags{}); err != nil {
		t.Fatal(err)
	}
	if plan, err = transform.NewPlan(p, in); err != nil || len(plan.Attachments) != 1 {
		t.Errorf("with --profile debug: %v, %v", plan, err)
	}
}

func TestEnvDuration(t *testing.T) {
	t.Setenv("X_TIMEOUT", "45s")
	if d, err := envDuration("X_TIMEOUT", 0); d.String() != "45s" || err != nil {
		t.Errorf("got %v, %v", d, err)
	}
	for _, bad := range []string{"soon", "-5s", "0"} {
		t.Setenv("X_TIMEOUT", bad)
		if _, err := envDuration("X_TIMEOUT", 7); err == nil || !strings.Contains(err.Error(), `X_TIMEOUT="`+bad+`" is not a positive duration`) {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}

// An invalid DOCKER_TELEPRESENCE_TIMEOUT is an error, unless the flag
// overrides it.
func TestInvalidTimeoutInTheEnvironmentIsAnError(t *testing.T) {
	t.Setenv(EnvTimeout, "soon")
	cmd := RootCommand(newCli(t))
	down, _, err := cmd.Find([]string{"down"})
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.PersistentPreRunE(down, nil); err == nil || !strings.Contains(err.Error(), EnvTimeout+`="soon"`) {
		t.Errorf("err = %v", err)
	}
	if err := cmd.PersistentFlags().Set("telepresence-timeout", "1m"); err != nil {
		t.Fatal(err)
	}
	opts := &globalOptions{envErr: errors.New("bad " + EnvTimeout)}
	if err := opts.checkEnv(down); err != nil {
		t.Errorf("the flag should win over the environment: %v", err)
	}
}

// down needs no compose file: -p names the project, even next to a -f
// that does not load.
func TestDownProjectNameFromTheFlag(t *testing.T) {
	backend, err := newBackend(newCli(t), displayOptions{detached: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	opts := ProjectOptions{ProjectName: "shop", ProjectDir: dir, ConfigPaths: []string{filepath.Join(dir, "missing.yaml")}}
	if name, err := opts.projectName(t.Context(), backend); err != nil || name != "shop" {
		t.Errorf("projectName = %q, %v", name, err)
	}
	opts = ProjectOptions{ProjectDir: dir}
	t.Setenv("COMPOSE_PROJECT_NAME", "")
	if _, err := opts.projectName(t.Context(), backend); err == nil || !strings.Contains(err.Error(), "pass -p PROJECT") {
		t.Errorf("without -p nor a compose file: %v", err)
	}
}

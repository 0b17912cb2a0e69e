package plugin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// unsetenv unsets key for the test, and sets it back afterwards.
func unsetenv(t *testing.T, key string) {
	t.Helper()
	t.Setenv(key, "")
	if err := os.Unsetenv(key); err != nil {
		t.Fatal(err)
	}
}

// A compose file that is not there is "not found", with its path and a
// hint (compose-go calls it "invalid"); no compose file at all says where
// it was looked for and how to name the files, or the project for down
// and status.
func TestMissingComposeFilesAreNotFound(t *testing.T) {
	unsetenv(t, "COMPOSE_FILE")
	unsetenv(t, "COMPOSE_PROJECT_NAME")
	backend, err := newBackend(newCli(t), displayOptions{detached: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := writeFiles(t, map[string]string{"compose.yaml": "services: {a: {image: x}}\n"})
	empty := t.TempDir()
	missing := filepath.Join(dir, "compose.telepresence.yaml")

	for _, tc := range []struct {
		name    string
		env     string // COMPOSE_FILE
		opts    ProjectOptions
		want    []string
		wantNot []string
	}{
		{"a missing -f file", "", ProjectOptions{ConfigPaths: []string{filepath.Join(dir, "compose.yaml"), missing}},
			[]string{"compose file " + missing, "not found", "hint: check the path"}, []string{"invalid"}},
		{"a missing file in COMPOSE_FILE", filepath.Join(dir, "compose.yaml") + string(os.PathListSeparator) + missing, ProjectOptions{ProjectDir: dir},
			[]string{"compose file " + missing + " (COMPOSE_FILE", "not found"}, []string{"invalid"}},
		{"no compose file at all", "", ProjectOptions{ProjectDir: empty},
			[]string{"no compose file found", "compose.yaml, compose.yml", empty, "hint: run it in the project's directory, or name the files with -f"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env != "" {
				t.Setenv("COMPOSE_FILE", tc.env)
			}
			_, err := tc.opts.loadProject(t.Context(), backend)
			if err == nil {
				t.Fatal("loaded")
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			for _, not := range tc.wantNot {
				if strings.Contains(err.Error(), not) {
					t.Errorf("error %q has %q", err, not)
				}
			}
		})
	}

	// down and status need only the project's name.
	_, err = (&ProjectOptions{ProjectDir: empty}).projectName(t.Context(), backend)
	if err == nil || !strings.Contains(err.Error(), "no compose file found") || !strings.Contains(err.Error(), "pass -p PROJECT") {
		t.Errorf("down without a compose file: %v", err)
	}
	_, err = (&ProjectOptions{ConfigPaths: []string{missing}}).projectName(t.Context(), backend)
	if err == nil || !strings.Contains(err.Error(), missing+" (-f "+missing+") not found") {
		t.Errorf("down with a missing -f file: %v", err)
	}
}

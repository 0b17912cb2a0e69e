package plugin

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/telepresenceio/docker-telepresence/transform"
)

// A project that declares no intent runs everything locally: up, watch and
// config say so, and name the override file that was most likely
// forgotten.
func TestAProjectWithoutIntentSaysSo(t *testing.T) {
	unsetenv(t, "COMPOSE_FILE")
	backend, err := newBackend(newCli(t), displayOptions{detached: true})
	if err != nil {
		t.Fatal(err)
	}
	plain := "services:\n  echo: {image: x, ports: [\"80\"]}\n  db: {image: y}\n"
	override := "services:\n  echo:\n    x-telepresence: {behavior: interceptHandler}\n"
	for _, tc := range []struct {
		name    string
		files   map[string]string
		load    []string // the -f files, in order
		flags   transform.Flags
		want    []string // in the warning; none: no warning
		wantNot []string
	}{
		{"the override beside, not passed", map[string]string{"compose.yaml": plain, "compose.telepresence.yaml": override}, []string{"compose.yaml"}, transform.Flags{},
			[]string{"WARNING: no service declares x-telepresence or x-tele", "every service runs locally",
				"hint: pass the override file compose.telepresence.yaml too: docker telepresence -f DIR/compose.yaml -f DIR/compose.telepresence.yaml up"}, nil},
		{"an override of another name", map[string]string{"compose.yaml": plain, "telepresence-dev.yml": override}, []string{"compose.yaml"}, transform.Flags{},
			[]string{"pass the override file telepresence-dev.yml too"}, nil},
		{"no override anywhere", map[string]string{"compose.yaml": plain}, []string{"compose.yaml"}, transform.Flags{},
			[]string{"every service runs locally", "declare x-telepresence", "-f DIR/compose.yaml -f DIR/compose.telepresence.yaml up", "--handler and --remote"}, []string{"pass the override file"}},
		{"an override passed that declares nothing", map[string]string{"compose.yaml": plain, "compose.telepresence.yaml": "services: {echo: {environment: {A: b}}}\n"},
			[]string{"compose.yaml", "compose.telepresence.yaml"}, transform.Flags{}, []string{"every service runs locally"}, []string{"pass the override file"}},
		{"the override passed", map[string]string{"compose.yaml": plain, "compose.telepresence.yaml": override}, []string{"compose.yaml", "compose.telepresence.yaml"}, transform.Flags{}, nil, nil},
		{"x-tele", map[string]string{"compose.yaml": plain + "  web: {image: z, x-tele: {type: connect}}\n"}, []string{"compose.yaml"}, transform.Flags{}, nil, nil},
		{"mistyped extensions", map[string]string{"compose.yaml": "x-tel: {namespace: dev}\n" + plain, "compose.telepresence.yaml": "services:\n  echo:\n    x-telepresense: {behavior: interceptHandler}\n"},
			[]string{"compose.yaml", "compose.telepresence.yaml"}, transform.Flags{},
			[]string{"WARNING: DIR/compose.yaml: x-tel is not an extension docker telepresence reads, so it is ignored (hint: did you mean x-tele?)",
				`WARNING: DIR/compose.telepresence.yaml: service "echo": x-telepresense is not an extension docker telepresence reads, so it is ignored (hint: did you mean x-telepresence?)`,
				"every service runs locally"}, nil},
		{"--handler", map[string]string{"compose.yaml": plain}, []string{"compose.yaml"}, transform.Flags{Handlers: []string{"echo"}}, nil, nil},
		{"--remote", map[string]string{"compose.yaml": plain}, []string{"compose.yaml"}, transform.Flags{Remotes: []string{"db"}}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, tc.files)
			opts := ProjectOptions{ProjectDir: dir}
			for _, f := range tc.load {
				opts.ConfigPaths = append(opts.ConfigPaths, filepath.Join(dir, f))
			}
			var stderr bytes.Buffer
			if _, _, err := opts.loadIntent(t.Context(), backend, tc.flags, &stderr, "up"); err != nil {
				t.Fatal(err)
			}
			got := strings.ReplaceAll(stderr.String(), dir, "DIR")
			if len(tc.want) == 0 && got != "" {
				t.Errorf("warned: %s", got)
			}
			for _, want := range tc.want {
				if !strings.Contains(got, want) {
					t.Errorf("%q lacks %q", got, want)
				}
			}
			for _, not := range tc.wantNot {
				if strings.Contains(got, not) {
					t.Errorf("%q has %q", got, not)
				}
			}
		})
	}
}

// Files below the current directory are named relative to it in the hint,
// as the user would type them.
func TestTheHintNamesFilesAsTyped(t *testing.T) {
	dir := writeFiles(t, map[string]string{"compose.yaml": ""})
	t.Chdir(dir)
	got := commandLine([]string{filepath.Join(dir, "compose.yaml"), filepath.Join(dir, "compose.telepresence.yaml")}, "config")
	if got != "docker telepresence -f compose.yaml -f compose.telepresence.yaml config" {
		t.Errorf("got %q", got)
	}
}

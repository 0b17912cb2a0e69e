package plugin

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/google/go-cmp/cmp"
	"github.com/sirupsen/logrus"
	"go.yaml.in/yaml/v4"

	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
	"github.com/telepresenceio/docker-telepresence/transform"
)

var updateCorpus = flag.Bool("update-corpus", false, "rewrite testdata/corpus-skipped.txt")

// The corpus: the compose files shipped with the modules the plugin builds
// with, compose-go's loader test data and Compose's e2e fixtures. Every one
// that Compose loads gets a handler and a remote service declared on it,
// and is transformed in each model.
var corpusModules = []struct{ module, dir string }{
	{"github.com/compose-spec/compose-go/v2", "."},
	{"github.com/docker/compose/v5", "pkg/e2e/fixtures"},
}

// TestCorpus checks, on every corpus file Compose accepts, that the rewrite
// rules of docs/network-models.md hold, that what `config` prints loads back to what it
// printed, and that nothing else differs from the plain project. The files
// it skips, and why, are in testdata/corpus-skipped.txt.
func TestCorpus(t *testing.T) {
	logrus.SetOutput(io.Discard) // the loader's warnings about the fixtures
	t.Cleanup(func() { logrus.SetOutput(os.Stderr) })
	var skipped []string
	files := corpusFiles(t)
	for _, file := range files {
		name := file.module + ":" + file.rel
		t.Run(name, func(t *testing.T) {
			p, err := loadCorpusFile(t, file.path)
			if err == nil {
				_, err = render(p, "yaml") // what `docker compose config` also does
			}
			if err != nil {
				skipped = append(skipped, fmt.Sprintf("%s: Compose refuses it: %s", name, skipReason(err, file)))
				return
			}
			handler, remote := pickRoles(p)
			if handler == "" {
				skipped = append(skipped, name+": no service can be an intercept handler (each uses network_mode, is scaled, or has no image)")
				return
			}
			flags := transform.Flags{Handlers: []string{handler + "=corpus-workload:8080"}}
			if remote != "" {
				flags.Remotes = []string{remote + "=corpus-db"}
			}
			in, err := transform.ParseIntent(p, flags)
			if err == nil {
				_, err = transform.NewPlan(p, in)
			}
			if err != nil {
				t.Fatalf("--handler %s --remote %s: %v", handler, remote, err)
			}
			for _, model := range []vocab.Model{vocab.ModelNetns, vocab.ModelTeleroute} {
				res, err := transform.Apply(p, in, corpusRuntime(model, handler))
				if err != nil {
					t.Fatalf("%s: %v", model, err)
				}
				checkRules(t, p, res.Project, model, handler, remote)
				checkRoundTrip(t, res.Project)
				checkNothingElse(t, p, res, handler, remote)
			}
		})
	}
	checkSkipList(t, len(files), skipped)
}

type corpusFile struct{ module, rel, path, root string }

func corpusFiles(t *testing.T) []corpusFile {
	t.Helper()
	var out []corpusFile
	for _, m := range corpusModules {
		dir, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", m.module).Output()
		if err != nil || strings.TrimSpace(string(dir)) == "" {
			t.Fatalf("go list -m %s: %v (run go mod download)", m.module, err)
		}
		root := filepath.Join(strings.TrimSpace(string(dir)), m.dir)
		err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yml") && !strings.HasSuffix(path, ".yaml") {
				return err
			}
			if m.dir == "." && !strings.Contains(path, string(filepath.Separator)+"testdata"+string(filepath.Separator)) {
				return nil
			}
			rel, _ := filepath.Rel(root, path)
			out = append(out, corpusFile{module: m.module, rel: rel, path: path, root: root})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(out) < 100 {
		t.Fatalf("only %d corpus files found", len(out))
	}
	return out
}

// loadCorpusFile loads a file as `docker compose -f FILE config` does, with
// the .env beside it and no variables from this process.
func loadCorpusFile(t *testing.T, path string) (*types.Project, error) {
	opts, err := cli.NewProjectOptions([]string{path}, cli.WithWorkingDirectory(filepath.Dir(path)),
		cli.WithName("corpus"), cli.WithDotEnv, cli.WithDefaultProfiles("*"))
	if err != nil {
		return nil, err
	}
	return opts.LoadProject(t.Context())
}

// pickRoles chooses the handler (the first service that may be one) and the
// remote service (the first other one nothing shares a namespace or volumes
// with).
func pickRoles(p *types.Project) (handler, remote string) {
	names := p.ServiceNames()
	for _, name := range names {
		svc := p.Services[name]
		if svc.NetworkMode == "" && svc.GetScale() <= 1 && (svc.Image != "" || svc.Build != nil) {
			handler = name
			break
		}
	}
	for _, name := range names {
		if name != handler && handler != "" && !sharedWith(p, name) {
			return handler, name
		}
	}
	return handler, ""
}

func sharedWith(p *types.Project, target string) bool {
	for _, svc := range p.Services {
		for _, mode := range []string{svc.NetworkMode, svc.Ipc, svc.Pid, svc.Uts, svc.Cgroup} {
			if mode == types.ServicePrefix+target {
				return true
			}
		}
		for _, vf := range svc.VolumesFrom {
			if strings.TrimPrefix(strings.SplitN(vf, ":", 2)[0], types.ServicePrefix) == target {
				return true
			}
		}
	}
	return false
}

func corpusRuntime(model vocab.Model, handler string) transform.Runtime {
	network := "corpus-cn"
	if model == vocab.ModelNetns {
		network = transform.DefaultNetwork
	}
	return transform.Runtime{
		Model: model, VolumeDriver: "telemount",
		Daemons: map[string]transform.DaemonRuntime{"": {Container: "tp-corpus", ID: "c0ffee", IP: "172.17.0.9", Network: network,
			DNS: "172.30.0.9", Subnets: []string{"10.96.0.0/12"}}},
		Attachments: map[string]vocab.Attachment{handler: {Name: "corpus-workload", MountPort: 34439,
			Environment: map[string]string{"TELEPRESENCE_CONTAINER": "app", "POD_ONLY": "from the pod"},
			Mounts:      []vocab.Mount{{Path: "/var/run/secrets/pod", Policy: vocab.PolicyRemote}, {Path: "/cache", Policy: vocab.PolicyLocal}}}},
	}
}

// skipReason is the loader's error, made the same on every machine and run:
// the module's directory named <module>, and the keys of a file that is no
// compose file (which the loader lists in random order) left out.
func skipReason(err error, file corpusFile) string {
	line, _, _ := strings.Cut(err.Error(), "\n")
	if _, after, ok := strings.Cut(line, "additional properties"); ok && strings.Contains(after, "not allowed") {
		return "not a compose file: its top-level keys are not Compose's"
	}
	return strings.ReplaceAll(line, file.root, "<module>")
}

// checkSkipList compares the skipped files with testdata/corpus-skipped.txt.
func checkSkipList(t *testing.T, total int, skipped []string) {
	t.Helper()
	slices.Sort(skipped)
	text := fmt.Sprintf("# %d corpus files, %d skipped (go test ./plugin -run TestCorpus -update-corpus rewrites this list)\n", total, len(skipped)) +
		strings.Join(skipped, "\n") + "\n"
	path := filepath.Join("testdata", "corpus-skipped.txt")
	if *updateCorpus {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil || string(want) != text {
		t.Errorf("the skipped corpus files differ from %s (err %v); now:\n%s", path, err, text)
	}
}

// asMap renders a project as config prints it and reads it back generically.
func asMap(t *testing.T, p *types.Project) map[string]any {
	t.Helper()
	out, err := render(p, "yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// checkRoundTrip: what config prints, loaded again, prints the same.
func checkRoundTrip(t *testing.T, p *types.Project) {
	t.Helper()
	for _, format := range []string{"yaml", "json"} {
		out, err := render(p, format)
		if err != nil {
			t.Fatal(err)
		}
		back, err := loader.LoadWithContext(t.Context(), types.ConfigDetails{
			WorkingDir: p.WorkingDir, ConfigFiles: []types.ConfigFile{{Filename: "config." + format, Content: out}},
			Environment: types.Mapping{},
		}, func(o *loader.Options) { o.SetProjectName(p.Name, true); o.Profiles = []string{"*"} })
		if err != nil {
			t.Fatalf("%s output does not load back: %v\n%s", format, err, out)
		}
		again, err := render(back, format)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(string(out), string(again)); d != "" {
			t.Errorf("%s output, loaded and printed again, differs (-printed +again):\n%s", format, d)
		}
	}
}

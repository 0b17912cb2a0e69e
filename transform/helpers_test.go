package transform

import (
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/telepresenceio/docker-telepresence/internal/labels"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// load parses compose YAML the way Compose does (normalised, validated), in
// memory, under the project name "p". Several documents are merged in order,
// like several -f files.
func load(t testing.TB, docs ...string) *types.Project {
	t.Helper()
	p, err := loadErr(t, docs...)
	if err != nil {
		t.Fatalf("loading compose YAML: %v", err)
	}
	return p
}

func loadErr(tb testing.TB, docs ...string) (*types.Project, error) {
	files := make([]types.ConfigFile, len(docs))
	for i, d := range docs {
		files[i] = types.ConfigFile{Filename: "compose" + strings.Repeat(".override", i) + ".yaml", Content: []byte(d)}
	}
	return loader.LoadWithContext(tb.Context(), types.ConfigDetails{
		WorkingDir:  "/work",
		ConfigFiles: files,
		Environment: types.Mapping{},
	}, func(o *loader.Options) {
		o.SetProjectName("p", true)
		o.SkipConsistencyCheck = false
		o.Profiles = []string{"*"}
	})
}

// yamlOf renders a project the way `config` prints it.
func yamlOf(t testing.TB, p *types.Project) string {
	t.Helper()
	b, err := p.MarshalYAML()
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return string(b)
}

// assertSameProject compares two projects through their YAML rendering, so a
// difference reads like a compose file diff.
func assertSameProject(t testing.TB, got *types.Project, wantYAML string) {
	t.Helper()
	want := load(t, wantYAML)
	if d := cmp.Diff(yamlOf(t, want), yamlOf(t, got)); d != "" {
		t.Errorf("transformed project differs from the expected YAML (-want +got):\n%s", d)
	}
}

func mustIntent(t testing.TB, p *types.Project, flags Flags) *Intent {
	t.Helper()
	in, err := ParseIntent(p, flags)
	if err != nil {
		t.Fatalf("ParseIntent: %v", err)
	}
	return in
}

func assertErrorContains(t testing.TB, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("expected an error containing %q, got none", parts)
	}
	for _, part := range parts {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not contain %q", err.Error(), part)
		}
	}
}

// The tests' names for what an intercept returns.
type (
	Intercept = vocab.Attachment
	Mount     = vocab.Mount
)

const (
	PolicyRemote         = vocab.PolicyRemote
	PolicyRemoteReadOnly = vocab.PolicyRemoteReadOnly
	PolicyLocal          = vocab.PolicyLocal
	PolicyIgnore         = vocab.PolicyIgnore
)

// paths are pod volumes listed without policies (Telepresence 2.20, 2.21):
// all mounted.
func paths(list ...string) []Mount {
	out := make([]Mount, len(list))
	for i, p := range list {
		out[i] = Mount{Path: p, Policy: PolicyRemote}
	}
	return out
}

// telemountKeys are the compose keys of the project's Telemount volumes,
// sorted.
func telemountKeys(p *types.Project) []string {
	var keys []string
	for key, v := range p.Volumes {
		if v.Labels[labels.Telemount] == "true" {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	return keys
}

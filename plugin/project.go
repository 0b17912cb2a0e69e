package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/errdefs"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/compose/v5/pkg/api"
	"github.com/spf13/pflag"

	"github.com/telepresenceio/docker-telepresence/lifecycle"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// ProjectOptions are the compose project flags, as `docker compose` has them.
type ProjectOptions struct {
	ConfigPaths []string
	ProjectName string
	Profiles    []string
	EnvFiles    []string
	ProjectDir  string
}

func (o *ProjectOptions) addFlags(f *pflag.FlagSet) {
	f.StringArrayVarP(&o.ConfigPaths, "file", "f", nil, "Compose configuration files")
	f.StringVarP(&o.ProjectName, "project-name", "p", "", "Project name")
	f.StringArrayVar(&o.Profiles, "profile", nil, "Specify a profile to enable")
	f.StringArrayVar(&o.EnvFiles, "env-file", nil, "Specify an alternate environment file")
	f.StringVar(&o.ProjectDir, "project-directory", "", "Specify an alternate working directory\n(default: the path of the, first specified, Compose file)")
}

func (o *ProjectOptions) loadOptions(fns ...cli.ProjectOptionsFn) api.ProjectLoadOptions {
	return api.ProjectLoadOptions{
		ProjectName:       o.ProjectName,
		ConfigPaths:       o.ConfigPaths,
		WorkingDir:        o.ProjectDir,
		EnvFiles:          o.EnvFiles,
		Profiles:          o.Profiles,
		ProjectOptionsFns: fns,
	}
}

// loadProject loads the project with Compose's own loader, so the
// com.docker.compose.* labels are set as `docker compose` sets them. A
// service named in enable that a profile disables is enabled, as Compose
// enables a service named on its command line: the project is loaded
// again with that service's profiles active too.
func (o *ProjectOptions) loadProject(ctx context.Context, backend api.Compose, enable ...string) (*types.Project, error) {
	if err := o.checkEnvFiles(); err != nil {
		return nil, err
	}
	p, err := backend.LoadProject(ctx, o.loadOptions())
	if err != nil {
		if ferr := o.missingFiles(err, "run it in the project's directory, or name the files with -f, as in -f compose.yaml -f compose.telepresence.yaml"); ferr != nil {
			return nil, ferr
		}
		if ferr := o.diagnoseFiles(); ferr != nil {
			return nil, ferr
		}
		return nil, fmt.Errorf("loading the compose project: %w", err)
	}
	if profiles := profilesEnabling(p, enable); len(profiles) > 0 {
		with := *o
		with.Profiles = profiles
		return with.loadProject(ctx, backend)
	}
	return p, nil
}

// profilesEnabling are the project's active profiles and those of the
// services in names that a profile disables; none when no named service
// is disabled.
func profilesEnabling(p *types.Project, names []string) []string {
	var extra []string
	for _, name := range names {
		if s, disabled := p.DisabledServices[name]; disabled {
			extra = append(extra, s.Profiles...)
		}
	}
	if len(extra) == 0 {
		return nil
	}
	profiles := slices.Concat(p.Profiles, extra)
	slices.Sort(profiles)
	return slices.Compact(profiles)
}

// namedFiles are the compose files the user named, and how: with -f, else
// in COMPOSE_FILE; none when neither names any.
func (o *ProjectOptions) namedFiles() (paths []string, origin string) {
	if len(o.ConfigPaths) > 0 {
		return o.ConfigPaths, "-f"
	}
	if env := os.Getenv("COMPOSE_FILE"); env != "" {
		return filepath.SplitList(env), "COMPOSE_FILE"
	}
	return nil, ""
}

// defaultComposeFiles are the names Compose looks for, in the project
// directory and the directories above it, when no file is named.
var defaultComposeFiles = []string{"compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"}

// missingFiles says what compose-go does not say plainly when a compose
// file is missing: that a file named by -f or COMPOSE_FILE is not found
// (compose-go calls it "invalid"), or that there is no compose file at
// all, with hint, which says how to name the project or its files.
func (o *ProjectOptions) missingFiles(loadErr error, hint string) error {
	paths, origin := o.namedFiles()
	for _, path := range paths {
		if path == "-" || strings.Contains(path, "://") || strings.HasPrefix(path, "oci:") || strings.HasPrefix(path, "git@") {
			continue // stdin or a remote resource: the loader's error says it
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			continue
		}
		if _, err := os.Stat(abs); errors.Is(err, fs.ErrNotExist) {
			wd, _ := os.Getwd()
			return fmt.Errorf("compose file %s (%s %s) not found (hint: check the path; it is relative to the current directory, %s)", abs, origin, path, wd)
		}
	}
	if len(paths) == 0 && errors.Is(loadErr, errdefs.ErrNotFound) {
		dir := o.ProjectDir
		if dir == "" {
			dir, _ = os.Getwd()
		}
		if abs, err := filepath.Abs(dir); err == nil {
			dir = abs
		}
		return fmt.Errorf("no compose file found: none of %s is in %s or a directory above it (hint: %s)",
			strings.Join(defaultComposeFiles, ", "), dir, hint)
	}
	return nil
}

// loadIntent loads the project, with the services in enable enabled, and
// reads its intent, with the flags' on top.
// A project that declares none is warned about on stderr, naming the
// command in the hint.
func (o *ProjectOptions) loadIntent(ctx context.Context, backend api.Compose, flags transform.Flags, stderr io.Writer, command string, enable ...string) (*types.Project, *transform.Intent, error) {
	project, err := o.loadProject(ctx, backend, enable...)
	if err != nil {
		return nil, nil, err
	}
	intent, err := transform.ParseIntent(project, flags)
	if err != nil {
		return nil, nil, locateIntentErrors(err, project)
	}
	if stderr != nil {
		for _, w := range typoWarnings(project) {
			fmt.Fprintln(stderr, "WARNING: "+w)
		}
		if w := noIntentWarning(project, flags, command); w != "" {
			fmt.Fprintln(stderr, "WARNING: "+w)
		}
	}
	return project, intent, nil
}

// diagnoseFiles finds the compose file the loader choked on when its error
// does not say: an empty file, or one whose top level is not a mapping.
func (o *ProjectOptions) diagnoseFiles() error {
	paths, _ := o.namedFiles()
	if len(paths) == 0 {
		for _, name := range defaultComposeFiles {
			if _, err := os.Stat(filepath.Join(o.ProjectDir, name)); err == nil {
				paths = []string{filepath.Join(o.ProjectDir, name)}
				break
			}
		}
	}
	for _, path := range paths {
		doc, err := readYAMLDoc(path)
		if err != nil {
			continue // the loader's own error says it better
		}
		if doc == nil {
			return fmt.Errorf("%s: the file is empty (hint: a compose file is a mapping with at least a services: section)", path)
		}
		if _, ok := doc.(map[string]any); !ok {
			return fmt.Errorf("%s: the top level is %s, not a mapping (hint: a compose file is a mapping with a services: section)", path, kindOf(doc))
		}
	}
	return nil
}

func kindOf(v any) string {
	switch v.(type) {
	case []any:
		return "a list"
	case string:
		return "a string"
	default:
		return fmt.Sprintf("a %T", v)
	}
}

// checkEnvFiles reports a missing --env-file by name; the loader would
// otherwise mention it without saying it came from the flag.
func (o *ProjectOptions) checkEnvFiles() error {
	for _, f := range o.EnvFiles {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("--env-file %s: %w (hint: check the path; it is relative to the current directory)", f, err)
		}
	}
	return nil
}

// projectName resolves the project name for `down`: -p wins (down needs no
// compose file, everything is found from labels), else the compose files
// name it, else COMPOSE_PROJECT_NAME.
func (o *ProjectOptions) projectName(ctx context.Context, backend api.Compose) (string, error) {
	if o.ProjectName != "" {
		return o.ProjectName, nil
	}
	p, err := backend.LoadProject(ctx, o.loadOptions(cli.WithDiscardEnvFile, cli.WithoutEnvironmentResolution))
	if err == nil {
		return p.Name, nil
	}
	if name := os.Getenv("COMPOSE_PROJECT_NAME"); name != "" {
		return name, nil
	}
	if ferr := o.missingFiles(err, "pass -p PROJECT: nothing more is needed, or name the compose files with -f"); ferr != nil {
		return "", fmt.Errorf("finding the project name: %w", ferr)
	}
	return "", fmt.Errorf("finding the project name: %w (hint: pass -p PROJECT)", err)
}

// locateIntentErrors says in which compose file each intent error (or
// release limit) was declared: the transform and the lifecycle know
// services and keys, not files.
func locateIntentErrors(err error, p *types.Project) error {
	if p == nil {
		return err
	}
	locate := func(source *string, service, key string) {
		if *source != "" {
			return
		}
		if key == "" {
			key = transform.ExtensionKey
		}
		*source = declaringFileForKey(p, service, key)
	}
	for _, e := range intentErrors(err) {
		locate(&e.Source, e.Service, e.Key)
	}
	var re *lifecycle.ReleaseError
	if errors.As(err, &re) {
		locate(&re.Source, re.Service, re.Key)
	}
	return err
}

func intentErrors(err error) []*transform.IntentError {
	var list transform.Errors
	if errors.As(err, &list) {
		return list
	}
	var one *transform.IntentError
	if errors.As(err, &one) {
		return []*transform.IntentError{one}
	}
	return nil
}

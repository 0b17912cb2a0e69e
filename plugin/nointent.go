package plugin

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/telepresenceio/docker-telepresence/metadata"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// noIntentWarning is the warning for a project that declares no intent:
// no service has x-telepresence or x-tele and no --handler or --remote was
// given, so everything runs locally, as plain `docker compose` would run
// it. That is most often an override file forgotten; when one with
// "telepresence" in its name sits beside the compose file, the hint names
// it. "" when the project declares intent.
func noIntentWarning(p *types.Project, flags transform.Flags, command string) string {
	if len(flags.Handlers) > 0 || len(flags.Remotes) > 0 {
		return ""
	}
	for _, services := range []types.Services{p.Services, p.DisabledServices} {
		for _, svc := range services {
			_, tp := svc.Extensions[transform.ExtensionKey]
			_, tele := svc.Extensions[transform.TeleKey]
			if tp || tele {
				return ""
			}
		}
	}
	msg := "no service declares x-telepresence or x-tele, and no --handler or --remote was given: every service runs locally, as with docker compose"
	files := slices.Clone(p.ComposeFiles)
	if len(files) == 0 {
		return msg
	}
	if override := overrideBeside(files); override != "" {
		files = append(files, override)
		return fmt.Sprintf("%s (hint: pass the override file %s too: %s)", msg, filepath.Base(override), commandLine(files, command))
	}
	example := []string{files[0], filepath.Join(filepath.Dir(files[0]), "compose.telepresence.yaml")}
	return fmt.Sprintf("%s (hint: declare x-telepresence on the services that run in the cluster, in an override file passed with a second -f: %s; or use --handler and --remote)",
		msg, commandLine(example, command))
}

// overrideBeside finds, in the directory of the first compose file, a YAML
// file with "telepresence" in its name that the project does not load.
func overrideBeside(files []string) string {
	entries, err := os.ReadDir(filepath.Dir(files[0]))
	if err != nil {
		return ""
	}
	for _, e := range entries {
		name := e.Name()
		ext := filepath.Ext(name)
		path := filepath.Join(filepath.Dir(files[0]), name)
		if !e.IsDir() && (ext == ".yaml" || ext == ".yml") && strings.Contains(strings.ToLower(name), "telepresence") && !slices.Contains(files, path) {
			return path
		}
	}
	return ""
}

// commandLine is `docker telepresence -f F1 -f F2 COMMAND`, each file
// relative to the current directory when it is below it.
func commandLine(files []string, command string) string {
	wd, _ := os.Getwd()
	args := []string{"docker", metadata.PluginName}
	for _, f := range files {
		if rel, err := filepath.Rel(wd, f); err == nil && !strings.HasPrefix(rel, "..") {
			f = rel
		}
		args = append(args, "-f", f)
	}
	return strings.Join(append(args, command), " ")
}

// typoWarnings name the extensions whose names are close to ours, each
// with its file and service: Compose ignores them, so the project would
// run without what they declare.
func typoWarnings(p *types.Project) []string {
	var out []string
	for _, typo := range transform.ExtensionTypos(p) {
		where := declaringFileForKey(p, typo.Service, typo.Key) + ": "
		if typo.Service != "" {
			where += fmt.Sprintf("service %q: ", typo.Service)
		}
		out = append(out, fmt.Sprintf("%s%s is not an extension docker telepresence reads, so it is ignored (hint: did you mean %s?)", where, typo.Key, typo.Suggest))
	}
	return out
}

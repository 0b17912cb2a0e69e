package plugin

import (
	"context"
	"fmt"
	"os"
	"slices"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/transform"
)

// target is what one of Compose's other commands works on: the project's
// name, and, when its compose files are read, the project without its
// remote services (what runs here) and the intent that says which are
// remote.
type target struct {
	name string
	// local is the project without its remote services; nil when only the
	// name is known (-p without -f), as Compose's commands then work from
	// the containers' labels alone.
	local  *types.Project
	intent *transform.Intent
}

// target finds what a command works on as Compose's own commands find it
// (cmd/compose/compose.go projectOrName): the compose files are read when
// -f names them or no -p names the project; a project that cannot be
// loaded is still named by COMPOSE_PROJECT_NAME. No Telepresence is asked.
func (o *ProjectOptions) target(ctx context.Context, backend api.Compose) (target, error) {
	if o.ProjectName != "" && len(o.ConfigPaths) == 0 {
		return target{name: o.ProjectName}, nil
	}
	project, err := backend.LoadProject(ctx, o.loadOptions(cli.WithoutEnvironmentResolution))
	if err != nil {
		if name := os.Getenv("COMPOSE_PROJECT_NAME"); name != "" && o.ProjectName == "" {
			return target{name: name}, nil
		}
		if ferr := o.missingFiles(err, "pass -p PROJECT to name the project, or name the compose files with -f"); ferr != nil {
			return target{}, ferr
		}
		return target{}, fmt.Errorf("loading the compose project: %w", err)
	}
	in, err := transform.ParseIntent(project, transform.Flags{})
	if err != nil {
		return target{}, locateIntentErrors(err, project)
	}
	local, err := transform.WithoutRemote(project, in)
	if err != nil {
		return target{}, locateIntentErrors(err, project)
	}
	return target{name: project.Name, local: local, intent: in}, nil
}

// checkServices refuses services the project does not run here: one it
// does not have, in Compose's words, and a remote one, saying where it
// runs. Without the compose files, Compose's own checks answer.
func (t target) checkServices(services ...string) error {
	if t.local == nil {
		return nil
	}
	for _, s := range services {
		if _, ok := t.local.Services[s]; ok {
			continue
		}
		if t.intent.Behavior(s) == transform.Remote {
			return fmt.Errorf("service %q is remote: it runs in the cluster, not here (hint: `docker telepresence status` shows the cluster service it resolves to)", s)
		}
		return fmt.Errorf("no such service: %s", s)
	}
	return nil
}

// servicesOrAll are the services named, else every service that runs
// here, as Compose's commands choose when none is named.
func (t target) servicesOrAll(services []string) []string {
	if len(services) > 0 || t.local == nil {
		return services
	}
	return t.local.ServiceNames()
}

// attached are the services a command that streams logs follows when none
// is named: those without attach: false, as `docker compose logs` does.
func (t target) attached(services []string) []string {
	if len(services) > 0 || t.local == nil {
		return services
	}
	var out []string
	for _, name := range t.local.ServiceNames() {
		if a := t.local.Services[name].Attach; a == nil || *a {
			out = append(out, name)
		}
	}
	return slices.Clip(out)
}

// backend is the Compose service for a command that works on the project
// as it runs: its progress on stderr, as `docker compose` shows it.
func (c *verbContext) backend() (*composeBackend, error) {
	return newBackend(c.dockerCli, displayOptions{progress: c.global.progress, detached: true, dryRun: c.global.dryRun})
}

// target is what the command works on, with the Compose service that
// works on it; the services named must be of the project, and run here.
func (c *verbContext) target(ctx context.Context, services ...string) (target, *composeBackend, error) {
	backend, err := c.backend()
	if err != nil {
		return target{}, nil, err
	}
	t, err := c.targetOf(ctx, backend, services...)
	return t, backend, err
}

// targetOf is target with a Compose service of the command's own (one
// that asks the user, for rm).
func (c *verbContext) targetOf(ctx context.Context, backend api.Compose, services ...string) (target, error) {
	t, err := c.global.target(ctx, backend)
	if err == nil {
		err = t.checkServices(services...)
	}
	return t, err
}

// localProject loads the project, and keeps the services that run here:
// what build, pull and push work on. Services named that are remote, or
// not in the project, are refused.
func (c *verbContext) localProject(ctx context.Context, backend api.Compose, services []string) (*types.Project, error) {
	project, err := c.global.loadProject(ctx, backend)
	if err != nil {
		return nil, err
	}
	in, err := transform.ParseIntent(project, transform.Flags{})
	if err != nil {
		return nil, locateIntentErrors(err, project)
	}
	local, err := transform.WithoutRemote(project, in)
	if err != nil {
		return nil, locateIntentErrors(err, project)
	}
	t := target{name: project.Name, local: local, intent: in}
	return local, t.checkServices(services...)
}

// namedProject is localProject narrowed to the services named, with what
// they depend on only when deps (pull and push --include-deps).
func (c *verbContext) namedProject(ctx context.Context, backend api.Compose, services []string, deps bool) (*types.Project, error) {
	project, err := c.localProject(ctx, backend, services)
	if err == nil && !deps {
		project, err = project.WithSelectedServices(services, types.IgnoreDependencies)
	}
	return project, err
}

package plugin

import (
	"context"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/compose/v5/pkg/api"
)

var pullVerb = verb{name: "pull", services: true, read: func(f *verbFlags) (verbRun, error) {
	o := api.PullOptions{Quiet: f.Bool("quiet"), IgnoreFailures: f.Bool("ignore-pull-failures"), IgnoreBuildable: f.Bool("ignore-buildable")}
	deps, policy := f.Bool("include-deps"), f.String("policy")
	f.Bool("parallel")    // Compose's hidden, deprecated flags: no effect
	f.Bool("no-parallel") //
	return func(ctx context.Context, c *verbContext, services []string) error {
		backend, err := c.backend()
		if err != nil {
			return err
		}
		project, err := c.namedProject(ctx, backend, services, deps)
		if err != nil {
			return err
		}
		if policy != "" {
			project, err = project.WithServicesTransform(func(_ string, svc types.ServiceConfig) (types.ServiceConfig, error) {
				if svc.Image != "" {
					svc.PullPolicy = policy
				}
				return svc, nil
			})
			if err != nil {
				return err
			}
		}
		return backend.Pull(ctx, project, o)
	}, nil
}}

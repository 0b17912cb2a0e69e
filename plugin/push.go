package plugin

import (
	"context"

	"github.com/docker/compose/v5/pkg/api"
)

var pushVerb = verb{name: "push", services: true, read: func(f *verbFlags) (verbRun, error) {
	o := api.PushOptions{IgnoreFailures: f.Bool("ignore-push-failures"), Quiet: f.Bool("quiet")}
	deps := f.Bool("include-deps")
	return func(ctx context.Context, c *verbContext, services []string) error {
		backend, err := c.backend()
		if err != nil {
			return err
		}
		project, err := c.namedProject(ctx, backend, services, deps)
		if err != nil {
			return err
		}
		return backend.Push(ctx, project, o)
	}, nil
}}

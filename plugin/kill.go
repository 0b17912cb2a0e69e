package plugin

import (
	"context"
	"errors"
	"fmt"

	"github.com/docker/compose/v5/pkg/api"
)

var killVerb = verb{name: "kill", services: true, read: func(f *verbFlags) (verbRun, error) {
	o := api.KillOptions{RemoveOrphans: f.Bool("remove-orphans"), Signal: f.String("signal")}
	return func(ctx context.Context, c *verbContext, services []string) error {
		t, backend, err := c.target(ctx, services...)
		if err != nil {
			return err
		}
		opts := o
		opts.Project, opts.Services = t.local, services
		err = backend.Kill(ctx, t.name, opts)
		if errors.Is(err, api.ErrNoResources) {
			fmt.Fprintln(c.dockerCli.Out(), "No container to kill")
			return nil
		}
		return err
	}, nil
}}

package plugin

import (
	"context"
	"errors"
	"fmt"

	"github.com/docker/compose/v5/pkg/api"
)

var rmVerb = verb{name: "rm", services: true, read: func(f *verbFlags) (verbRun, error) {
	o := api.RemoveOptions{Force: f.Bool("force"), Stop: f.Bool("stop"), Volumes: f.Bool("volumes")}
	f.Bool("all") // Compose's hidden, deprecated -a: one-off containers are always removed
	return func(ctx context.Context, c *verbContext, services []string) error {
		backend, err := newBackend(c.dockerCli, displayOptions{progress: c.global.progress, detached: true, dryRun: c.global.dryRun, ask: !o.Force})
		if err != nil {
			return err
		}
		t, err := c.targetOf(ctx, backend, services...)
		if err != nil {
			return err
		}
		opts := o
		opts.Project, opts.Services = t.local, services
		err = backend.Remove(ctx, t.name, opts)
		if errors.Is(err, api.ErrNoResources) {
			fmt.Fprintln(c.dockerCli.Out(), "No stopped containers")
			return nil
		}
		return err
	}, nil
}}

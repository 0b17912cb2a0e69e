package plugin

import (
	"context"
	"fmt"

	"github.com/docker/cli/cli/command/container"
	"github.com/docker/compose/v5/pkg/api"
	"github.com/moby/moby/client"
)

var statsVerb = verb{name: "stats", services: true, read: func(f *verbFlags) (verbRun, error) {
	o := container.StatsOptions{All: f.Bool("all"), NoStream: f.Bool("no-stream"), NoTrunc: f.Bool("no-trunc"), Format: f.String("format")}
	return func(ctx context.Context, c *verbContext, services []string) error {
		t, _, err := c.target(ctx, services...)
		if err != nil {
			return err
		}
		opts := o
		opts.Filters = make(client.Filters).Add("label", fmt.Sprintf("%s=%s", api.ProjectLabel, t.name))
		if len(services) > 0 {
			opts.Filters.Add("label", fmt.Sprintf("%s=%s", api.ServiceLabel, services[0]))
		}
		return container.RunStats(ctx, c.dockerCli, &opts)
	}, nil
}}

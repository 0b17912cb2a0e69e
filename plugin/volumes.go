package plugin

import (
	"context"
	"fmt"
	"slices"

	"github.com/docker/cli/cli/command/formatter"
	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/lifecycle/records"
)

var volumesVerb = verb{name: "volumes", services: true, read: func(f *verbFlags) (verbRun, error) {
	quiet, format := f.Bool("quiet"), f.String("format")
	return func(ctx context.Context, c *verbContext, services []string) error {
		t, backend, err := c.target(ctx, services...)
		if err != nil {
			return err
		}
		volumes, err := backend.Volumes(ctx, t.name, api.VolumesOptions{Services: services})
		if err != nil {
			return err
		}
		volumes = slices.DeleteFunc(volumes, func(v api.VolumesSummary) bool { return records.IsRecordLabels(v.Labels) })
		if quiet {
			for _, v := range volumes {
				fmt.Fprintln(c.dockerCli.Out(), v.Name)
			}
			return nil
		}
		return formatter.VolumeWrite(formatter.Context{Output: c.dockerCli.Out(), Format: formatter.NewVolumeFormat(format, quiet)}, volumes)
	}, nil
}}

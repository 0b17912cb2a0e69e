package plugin

import (
	"context"

	"github.com/docker/cli/cli"
	"github.com/docker/compose/v5/pkg/api"
)

var waitVerb = verb{name: "wait", services: true, read: func(f *verbFlags) (verbRun, error) {
	down := f.Bool("down-project")
	return func(ctx context.Context, c *verbContext, services []string) error {
		t, backend, err := c.target(ctx, services...)
		if err != nil {
			return err
		}
		code, err := backend.Wait(ctx, t.name, api.WaitOptions{Services: services, DownProjectOnContainerExit: down})
		if err == nil && code != 0 {
			return cli.StatusError{StatusCode: int(code)} // the first container's, as Compose exits with it
		}
		return err
	}, nil
}}

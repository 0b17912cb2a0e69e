package plugin

import (
	"context"

	"github.com/docker/compose/v5/pkg/api"
)

var attachVerb = verb{name: "attach", services: true, read: func(f *verbFlags) (verbRun, error) {
	o := api.AttachOptions{Index: f.Int("index"), DetachKeys: f.String("detach-keys"), NoStdin: f.Bool("no-stdin"), Proxy: f.Bool("sig-proxy")}
	return func(ctx context.Context, c *verbContext, args []string) error {
		t, backend, err := c.target(ctx, args[0])
		if err != nil {
			return err
		}
		opts := o
		opts.Service = args[0]
		return backend.Attach(ctx, t.name, opts)
	}, nil
}}

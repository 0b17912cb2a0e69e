package plugin

import (
	"context"

	"github.com/docker/compose/v5/pkg/api"
)

var exportVerb = verb{name: "export", services: true, read: func(f *verbFlags) (verbRun, error) {
	o := api.ExportOptions{Index: f.Int("index"), Output: f.String("output")}
	return func(ctx context.Context, c *verbContext, args []string) error {
		t, backend, err := c.target(ctx, args[0])
		if err != nil {
			return err
		}
		opts := o
		opts.Service = args[0]
		return backend.Export(ctx, t.name, opts)
	}, nil
}}

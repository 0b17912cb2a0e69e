package plugin

import (
	"context"

	"github.com/docker/cli/opts"
	"github.com/docker/compose/v5/pkg/api"
)

var commitVerb = verb{name: "commit", services: true, read: func(f *verbFlags) (verbRun, error) {
	changes := opts.NewListOpts(nil)
	for _, c := range f.Strings("change") {
		_ = changes.Set(c)
	}
	o := api.CommitOptions{Index: f.Int("index"), Pause: f.Bool("pause"), Comment: f.String("message"), Author: f.String("author"), Changes: changes}
	return func(ctx context.Context, c *verbContext, args []string) error {
		t, backend, err := c.target(ctx, args[0])
		if err != nil {
			return err
		}
		opts := o
		opts.Service = args[0]
		if len(args) > 1 {
			opts.Reference = args[1]
		}
		return backend.Commit(ctx, t.name, opts)
	}, nil
}}

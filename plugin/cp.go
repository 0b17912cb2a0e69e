package plugin

import (
	"context"

	"github.com/docker/compose/v5/pkg/api"
)

var cpVerb = verb{name: "cp", read: func(f *verbFlags) (verbRun, error) {
	o := api.CopyOptions{All: f.Bool("all"), Index: f.Int("index"), FollowLink: f.Bool("follow-link"), CopyUIDGID: f.Bool("archive")}
	return func(ctx context.Context, c *verbContext, args []string) error {
		t, backend, err := c.target(ctx)
		if err != nil {
			return err
		}
		opts := o
		opts.Source, opts.Destination = args[0], args[1]
		return backend.Copy(ctx, t.name, opts)
	}, nil
}}

package plugin

import (
	"context"

	"github.com/docker/compose/v5/pkg/api"
)

var (
	pauseVerb   = verb{name: "pause", services: true, read: pauseOrUnpause(false)}
	unpauseVerb = verb{name: "unpause", services: true, read: pauseOrUnpause(true)}
)

// pauseOrUnpause pauses the project's containers, or unpauses them, as
// Compose's pause and unpause do; a paused handler takes its traffic again
// when unpaused, its attachment live all along.
func pauseOrUnpause(unpause bool) func(*verbFlags) (verbRun, error) {
	return func(*verbFlags) (verbRun, error) {
		return func(ctx context.Context, c *verbContext, services []string) error {
			t, backend, err := c.target(ctx, services...)
			if err != nil {
				return err
			}
			opts := api.PauseOptions{Project: t.local, Services: services}
			if unpause {
				return backend.UnPause(ctx, t.name, opts)
			}
			return backend.Pause(ctx, t.name, opts)
		}, nil
	}
}

package lifecycle

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/transform"
)

// StartOptions are the options of `start` and `restart`.
type StartOptions struct {
	Project *types.Project
	Intent  *transform.Intent
	// Services are the services to start; none means every service that
	// has containers.
	Services []string
	// Wait waits for them to run, or be healthy, for up to WaitTimeout
	// (start --wait).
	Wait        bool
	WaitTimeout time.Duration
	// NoDeps restarts the services named without what they depend on;
	// Timeout stops them (restart -t; nil is Compose's default).
	NoDeps  bool
	Timeout *time.Duration
}

// Start starts the project's containers again, as Telepresence's own
// compose does: its attachments, which `stop` ended, are made again, and
// the handlers get what they give, as `up -d` gives it. Nothing is built,
// and no service that has no container is created.
func (r *Runner) Start(ctx context.Context, opts StartOptions) error {
	services, err := r.withContainers(ctx, opts)
	if err != nil {
		return err
	}
	return r.Up(ctx, UpOptions{Project: opts.Project, Intent: opts.Intent, Services: services, Mode: Detached, Build: BuildNever,
		NoDeps: opts.NoDeps, Wait: opts.Wait, WaitTimeout: opts.WaitTimeout})
}

// Restart restarts the project's containers, as `docker compose restart`
// does, and keeps their attachments live: one that ended is made again
// first, as `up -d` makes it.
func (r *Runner) Restart(ctx context.Context, opts StartOptions) error {
	if err := r.Start(ctx, opts); err != nil {
		return err
	}
	local, err := transform.WithoutRemote(opts.Project, opts.Intent)
	if err != nil {
		return err
	}
	return r.Compose.Restart(ctx, opts.Project.Name, api.RestartOptions{Project: local, Services: opts.Services, NoDeps: opts.NoDeps, Timeout: opts.Timeout})
}

// withContainers are the services to start: those named, which must have
// containers, or every service that has, as `docker compose start` finds
// them.
func (r *Runner) withContainers(ctx context.Context, opts StartOptions) ([]string, error) {
	state, err := r.find(ctx, opts.Project.Name)
	if err != nil {
		return nil, err
	}
	var have []string
	for _, c := range state.Containers {
		if _, ok := opts.Project.Services[c.Service]; ok && !slices.Contains(have, c.Service) {
			have = append(have, c.Service)
		}
	}
	slices.Sort(have)
	for _, s := range opts.Services {
		if opts.Intent.Behavior(s) == transform.Remote {
			return nil, fmt.Errorf("service %q is remote: it runs in the cluster, not here", s)
		}
		if !slices.Contains(have, s) {
			return nil, fmt.Errorf("service %q has no container to start (hint: `docker telepresence up %s` creates it)", s, s)
		}
	}
	switch {
	case len(opts.Services) > 0:
		return opts.Services, nil
	case len(have) == 0:
		return nil, fmt.Errorf("project %q has no container to start (hint: `docker telepresence up` creates and starts them)", opts.Project.Name)
	}
	return have, nil
}

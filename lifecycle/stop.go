package lifecycle

import (
	"context"
	"errors"
	"time"

	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/lifecycle/records"
)

// StopOptions are the options of `stop`.
type StopOptions struct {
	ProjectName string
	// Services are the services to stop; none means all.
	Services []string
	// Timeout is -t; nil is Compose's default.
	Timeout *time.Duration
}

// Stop stops the project's containers and ends their attachments, as
// Telepresence's own compose does: the connection stays (the containers
// are on its network), and so do the records, so that `up` makes the
// attachments again and `down` removes what is left.
func (r *Runner) Stop(ctx context.Context, opts StopOptions) error {
	r, state, unlock, err := r.openProject(ctx, opts.ProjectName)
	if err != nil || unlock == nil {
		return err
	}
	defer unlock()
	stopErr := r.Compose.Stop(ctx, opts.ProjectName, api.StopOptions{Services: opts.Services, Timeout: opts.Timeout})
	return errors.Join(stopErr, r.endAttachments(ctx, state, opts.Services))
}

// openProject is how stop and down begin on a project that exists: the
// runner that dry-runs if asked, the project's lock and what the Docker
// side holds of it. A project with nothing is said so, and unlock is nil:
// there is nothing to do.
func (r *Runner) openProject(ctx context.Context, project string) (*Runner, records.State, func(), error) {
	if r.DryRun && !isDry(r.Telepresence) {
		r = r.dryRun()
	}
	unlock, err := r.lock(project)
	if err != nil {
		return r, records.State{}, nil, err
	}
	state, err := r.find(ctx, project)
	if err == nil && state.Empty() {
		r.printf("Nothing to do: project %q has no containers, networks, volumes or attachments", project)
	}
	if err != nil || state.Empty() {
		unlock()
		return r, state, nil, err
	}
	return r, state, unlock, nil
}

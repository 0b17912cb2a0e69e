package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/telepresenceio/docker-telepresence/lifecycle/records"

	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
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

// endAttachments ends the recorded attachments of the services (all when
// none is named), each through the daemon that holds it; records stay.
func (r *Runner) endAttachments(ctx context.Context, state records.State, services []string) error {
	var ends []vocab.DetachOptions
	for _, rec := range state.Attachments {
		if len(services) == 0 || slices.Contains(services, rec.Service) {
			ends = append(ends, rec.Ref())
		}
	}
	if len(ends) == 0 {
		return nil
	}
	st, err := r.Telepresence.Status(ctx)
	switch {
	case err != nil:
		return fmt.Errorf("cannot end attachments %s: %w", names(ends), err)
	case !st.Running():
		r.printf("Telepresence is not connected: attachments %s ended with it", names(ends))
		return nil
	}
	var errs []error
	for _, a := range ends {
		errs = append(errs, r.detachHeld(ctx, state, st, a))
	}
	return errors.Join(errs...)
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

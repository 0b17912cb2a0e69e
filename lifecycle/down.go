package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/telepresence"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// DownOptions are the options of `down`.
type DownOptions struct {
	ProjectName   string
	Volumes       bool
	RemoveOrphans bool
}

// Down removes the project's containers and networks, leaves its intercepts
// and removes its Telemount volumes. Everything is found from labels on the
// Docker side, so it works from a new process and after a crash.
func (r *Runner) Down(ctx context.Context, opts DownOptions) error {
	found, err := r.find(ctx, opts.ProjectName)
	if err != nil {
		return err
	}
	if found.empty() {
		r.printf("Nothing to do: project %q has no containers, networks, volumes or intercepts", opts.ProjectName)
		return nil
	}
	daemons := found.daemons
	st, stErr := r.Telepresence.Status(ctx)
	if stErr == nil && st.Running {
		daemons = append(daemons, st.DaemonContainer())
	}
	// Leave first: the labels are the only record of the intercepts, so a
	// record goes only once its intercept is gone, and a failed leave can be
	// retried by the next down.
	var errs []error
	keep := map[string]bool{}
	switch {
	case len(found.intercepts) == 0:
	case stErr != nil:
		errs = append(errs, fmt.Errorf("cannot leave intercepts %v (their records are kept for the next down): %w", found.intercepts, stErr))
		for _, name := range found.intercepts {
			keep[name] = true
		}
	case !st.Running:
		r.printf("Telepresence is not connected: intercepts %v ended with it", found.intercepts)
	default:
		var err error
		keep, err = r.leave(ctx, found.intercepts)
		errs = append(errs, err)
	}
	if found.hasResources {
		errs = append(errs, r.removeProject(ctx, opts.ProjectName, found.networks, daemons, api.DownOptions{
			Volumes: opts.Volumes, RemoveOrphans: opts.RemoveOrphans,
		}, keep))
	} else {
		errs = append(errs, r.removeVolumes(ctx, opts.ProjectName, keep))
	}
	return errors.Join(errs...)
}

// found is what belongs to a project on the Docker side.
type found struct {
	containers   []Container
	networks     []Network
	volumes      []Volume
	hasResources bool
	intercepts   []string
	daemons      []string
}

func (f found) empty() bool { return !f.hasResources && len(f.intercepts) == 0 }

func (r *Runner) find(ctx context.Context, project string) (found, error) {
	var f found
	containers, err := r.Engine.ProjectContainers(ctx, project)
	if err != nil {
		return f, r.engineError(err)
	}
	networks, err := r.Engine.ProjectNetworks(ctx, project)
	if err != nil {
		return f, r.engineError(err)
	}
	volumes, err := r.Engine.ProjectVolumes(ctx, project)
	if err != nil {
		return f, r.engineError(err)
	}
	f.containers, f.networks, f.volumes = containers, networks, volumes
	f.hasResources = len(containers)+len(networks) > 0 || slices.ContainsFunc(volumes, func(v Volume) bool {
		_, marker := v.Labels[transform.LabelIntercept]
		return !marker
	})
	for _, c := range containers {
		if name := c.Labels[transform.LabelIntercept]; name != "" {
			f.intercepts = append(f.intercepts, name)
		}
		if d := c.Labels[transform.LabelDaemon]; d != "" {
			f.daemons = append(f.daemons, d)
		}
	}
	for _, v := range volumes {
		if name := v.Labels[transform.LabelIntercept]; name != "" {
			f.intercepts = append(f.intercepts, name)
		}
	}
	sort.Strings(f.intercepts)
	f.intercepts = slices.Compact(f.intercepts)
	return f, nil
}

// removeProject detaches the daemons from the project's networks (a network
// with a foreign endpoint cannot be removed), runs Compose down and removes
// the Telemount volumes and intercept records.
func (r *Runner) removeProject(ctx context.Context, project string, networks []Network, daemons []string, down api.DownOptions, keep map[string]bool) error {
	var errs []error
	for _, n := range networks {
		for _, c := range n.Containers {
			if slices.Contains(daemons, c) {
				errs = append(errs, r.Engine.DisconnectNetwork(ctx, n.Name, c))
			}
		}
	}
	if err := r.Compose.Down(ctx, project, down); err != nil {
		errs = append(errs, fmt.Errorf("compose down: %w", err))
	}
	errs = append(errs, r.removeVolumes(ctx, project, keep))
	return errors.Join(errs...)
}

// removeVolumes removes the project's Telemount volumes and the records of
// its intercepts, except those of the intercepts in keep (still live).
func (r *Runner) removeVolumes(ctx context.Context, project string, keep map[string]bool) error {
	volumes, err := r.Engine.ProjectVolumes(ctx, project)
	if err != nil {
		return r.engineError(err)
	}
	var errs []error
	for _, v := range volumes {
		_, telemount := v.Labels[transform.LabelTelemount]
		intercept, marker := v.Labels[transform.LabelIntercept]
		if !telemount && (!marker || keep[intercept]) {
			continue
		}
		if err := r.Engine.RemoveVolume(ctx, v.Name); err != nil {
			errs = append(errs, fmt.Errorf("removing volume %s: %w", v.Name, err))
		}
	}
	return errors.Join(errs...)
}

// leave leaves intercepts; one that is already gone is fine. It returns
// the intercepts it could not leave.
func (r *Runner) leave(ctx context.Context, intercepts []string) (map[string]bool, error) {
	var errs []error
	failed := map[string]bool{}
	for _, name := range intercepts {
		err := r.Telepresence.Leave(ctx, name)
		switch {
		case err == nil:
			r.printf("Left intercept %s", name)
		case errors.Is(err, telepresence.ErrNotFound):
		default:
			failed[name] = true
			errs = append(errs, err)
		}
	}
	return failed, errors.Join(errs...)
}

package lifecycle

import (
	"context"
	"fmt"
	"slices"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/transform"
)

// OneOffOptions are the options of `run`.
type OneOffOptions struct {
	Project *types.Project
	Intent  *transform.Intent
	// Run are Compose's options of the one-off container, its service
	// among them.
	Run api.RunOptions
	// Service changes the service for its one-off (run's --publish,
	// --volume, a TTY...), in the project as up ran it; nil changes
	// nothing.
	Service func(types.ServiceConfig) (types.ServiceConfig, error)
}

// RunOneOff runs a one-off container of a service in the project as `up`
// ran it, and returns its exit status. It gets what the service gets: a
// handler's the pod's environment and volumes of its live attachment, and
// the daemon's network and DNS (Teleroute) or namespace (netns); in the
// Teleroute model a one-off of any service joins the cluster, so that it
// reaches the remote services by their compose names. Nothing is attached:
// a handler whose attachment is not live is refused.
func (r *Runner) RunOneOff(ctx context.Context, opts OneOffOptions) (int, error) {
	service := opts.Run.Service
	if opts.Intent.Behavior(service) == transform.Remote {
		return 0, fmt.Errorf("service %q is remote: it runs in the cluster, not here (hint: run a local service or a handler)", service)
	}
	up, err := r.recorded(ctx, opts.Project, opts.Intent, service)
	if err != nil {
		return 0, err
	}
	if slices.Contains(up.detached, service) {
		return 0, fmt.Errorf("%w: service %q has no live attachment to its workload, so a one-off would lack the pod's environment (hint: `docker telepresence up` or `start` attaches it)",
			ErrNotUp, service)
	}
	project := up.project
	if opts.Service != nil {
		project, err = project.WithServicesTransform(func(name string, svc types.ServiceConfig) (types.ServiceConfig, error) {
			if name != service {
				return svc, nil
			}
			return opts.Service(svc)
		})
		if err != nil {
			return 0, err
		}
	}
	run := opts.Run
	run.Project = project
	return r.Compose.RunOneOffContainer(ctx, project, run)
}

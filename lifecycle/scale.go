package lifecycle

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/transform"
)

// ScaleOptions are the options of `scale`.
type ScaleOptions struct {
	Project *types.Project
	Intent  *transform.Intent
	// Replicas are the number of containers each service is scaled to.
	Replicas map[string]int
	// NoDeps scales the services named, not what they depend on.
	NoDeps bool
}

// Scale scales services of the project as `up` ran it. A handler cannot
// have more than one container: one workload's traffic cannot go to two.
func (r *Runner) Scale(ctx context.Context, opts ScaleOptions) error {
	services := slices.Sorted(maps.Keys(opts.Replicas))
	for _, name := range services {
		b := opts.Intent.Behavior(name)
		switch {
		case b == transform.Remote:
			return fmt.Errorf("service %q is remote: it runs in the cluster, not here, so it cannot be scaled here", name)
		case b.Attaches() && opts.Replicas[name] > 1:
			return fmt.Errorf("service %q is an %s service: one container takes one attachment, several replicas cannot take it (hint: scale it to 1, or make it local)",
				name, b)
		}
	}
	up, err := r.recorded(ctx, opts.Project, opts.Intent, "")
	if err != nil {
		return err
	}
	project := up.project
	if opts.NoDeps {
		if project, err = project.WithSelectedServices(services, types.IgnoreDependencies); err != nil {
			return err
		}
	}
	return r.Compose.Scale(ctx, project, api.ScaleOptions{Replicas: opts.Replicas, Services: services})
}

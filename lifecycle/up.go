package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/telepresence"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// ErrNothingToWatch is what `watch` says, as `docker compose watch` does,
// when no service that runs declares develop.watch.
var ErrNothingToWatch = errors.New("none of the selected services is configured for watch, consider setting a 'develop' section")

// UpOptions are the options of `up` and `watch`.
type UpOptions struct {
	Project *types.Project
	Intent  *transform.Intent
	// Services are the services to run (with what they depend on); none
	// means all.
	Services []string
	// Detach returns once the containers run; otherwise Up streams logs to
	// Logs until interrupted.
	Detach bool
	// WatchCommand runs Compose Watch after a detached start (`watch`).
	WatchCommand bool
	// NoWatch turns off the automatic watch of attached `up`.
	NoWatch bool
	// Build is nil with --no-build; ForceBuild is --build.
	Build         *api.BuildOptions
	ForceBuild    bool
	RemoveOrphans bool
	Wait          bool
	WaitTimeout   time.Duration
	Logs          api.LogConsumer
}

// upRun is one `up`: what it did, in its journal, and the intercepts the
// project runs with.
type upRun struct {
	*Runner
	project string
	journal journal
	// intercepts are those this run created or took over, in order:
	// stopping the project ends them.
	intercepts []string
}

// Up runs the project with its intercepts. The project is checked before
// anything is asked of Telepresence; on failure Up undoes what it did.
func (r *Runner) Up(ctx context.Context, opts UpOptions) error {
	plan, err := transform.NewPlan(opts.Project, opts.Intent)
	if err != nil {
		return err
	}
	selected, err := transform.Select(opts.Project, opts.Intent, opts.Services)
	if err != nil {
		return err
	}
	plan = plan.Only(selected)
	if opts.WatchCommand && len(plan.Watch) == 0 {
		return ErrNothingToWatch
	}
	r.warn(plan.Warnings...)
	unlock, err := r.lock(opts.Project.Name)
	if err != nil {
		return err
	}
	defer unlock()
	u := &upRun{Runner: r, project: opts.Project.Name}
	err = u.up(ctx, plan, selected, opts)
	// After a failure the journal undoes the run; once the project has
	// started, it holds what ending the run must do.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	if uerr := u.journal.undo(cctx); uerr != nil {
		if err != nil {
			uerr = fmt.Errorf("while undoing this up: %w", uerr)
		}
		err = errors.Join(err, uerr)
	}
	return err
}

// up is the sequence of steps; each pushes its undo on the journal.
func (u *upRun) up(ctx context.Context, plan *transform.Plan, selected []string, opts UpOptions) error {
	state, err := u.find(ctx, u.project)
	if err != nil {
		return err
	}
	s, err := u.connect(ctx, plan, opts.Intent.Connection)
	if err != nil {
		return err
	}
	driver, err := u.volumeDriver(ctx, plan)
	if err != nil {
		return err
	}
	intercepts, err := u.intercept(ctx, s, plan, state, opts.Intent.ServicesWith(transform.InterceptHandler))
	if err != nil {
		return err
	}
	if err := u.setDNS(ctx, s, plan, state); err != nil {
		return err
	}
	rt, err := u.runtime(ctx, s, driver, intercepts, state)
	if err != nil {
		return err
	}
	res, err := transform.Apply(opts.Project, opts.Intent.Only(selected), rt)
	if err != nil {
		return err
	}
	u.warn(res.Warnings...)
	// Compose runs the project narrowed to the selection (its dependencies
	// are rewired already), as `docker compose up SERVICE...` does.
	project, err := res.Project.WithSelectedServices(selected)
	if err == nil {
		project, err = withBuildPolicy(withoutUnusedTeleroute(project), opts)
	}
	if err != nil {
		return err
	}
	return u.run(ctx, s, project, res, len(plan.Watch) > 0, opts, state)
}

// runtime is what the transform needs to know of the daemon and Docker.
func (r *Runner) runtime(ctx context.Context, s *session, driver string, intercepts map[string]transform.Intercept, state projectState) (transform.Runtime, error) {
	rt := transform.Runtime{DaemonContainer: s.daemon.Container(), DaemonID: s.info.ID, VolumeDriver: driver, Intercepts: intercepts}
	if s.model() == telepresence.ModelNetns {
		rt.Model, rt.Network = transform.Netns, netnsNetwork(s.info)
		rt.DaemonIP = s.info.Networks[rt.Network].IP
		return rt, nil
	}
	rt.Model, rt.Network = transform.Teleroute, s.daemon.Network()
	rt.DNS = s.info.Networks[rt.Network].IP
	// The Telemount plugin runs on the host and reaches the daemon on the
	// default bridge (pkg/client/cli/docker/compose: ContainerIP).
	rt.DaemonIP = s.info.Networks["bridge"].IP
	rt.Subnets = slices.Concat(s.daemon.Subnets, s.daemon.AlsoProxySubnets)
	if len(rt.Subnets) == 0 {
		return rt, nil
	}
	networks, err := r.Engine.ListNetworks(ctx)
	if err != nil {
		return rt, r.engineError(err)
	}
	rt.ProjectSubnets = map[string]string{}
	for _, n := range networks {
		own := slices.ContainsFunc(state.networks, func(p Network) bool { return p.Name == n.Name })
		switch {
		case own && len(n.Subnets) > 0:
			rt.ProjectSubnets[n.Name] = n.Subnets[0]
		case !own:
			rt.TakenSubnets = append(rt.TakenSubnets, n.Subnets...)
		}
	}
	return rt, nil
}

// netnsNetwork is the daemon's own network in the netns model:
// "telepresence", or the first the daemon is on.
func netnsNetwork(info DaemonInfo) string {
	if _, ok := info.Networks[transform.DefaultNetwork]; ok || len(info.Networks) == 0 {
		return transform.DefaultNetwork
	}
	names := make([]string, 0, len(info.Networks))
	for n := range info.Networks {
		names = append(names, n)
	}
	sort.Strings(names)
	return names[0]
}

// withoutUnusedTeleroute drops the Teleroute network when no service that
// runs joins it (up SERVICE...): Compose would look for it, and a daemon
// that routes nothing has none.
func withoutUnusedTeleroute(p *types.Project) *types.Project {
	if _, ok := p.Networks[transform.TelerouteNetwork]; !ok {
		return p
	}
	for _, svc := range p.Services {
		if _, ok := svc.Networks[transform.TelerouteNetwork]; ok {
			return p
		}
	}
	delete(p.Networks, transform.TelerouteNetwork)
	return p
}

// withBuildPolicy makes --build rebuild every service that has a build
// section, and `watch` rebuild those that also declare develop, as
// `docker compose watch` does.
func withBuildPolicy(project *types.Project, opts UpOptions) (*types.Project, error) {
	if !opts.ForceBuild && (!opts.WatchCommand || opts.Build == nil) {
		return project, nil
	}
	return project.WithServicesTransform(func(_ string, s types.ServiceConfig) (types.ServiceConfig, error) {
		if s.Build != nil && (opts.ForceBuild || s.Develop != nil) {
			s.PullPolicy = types.PullPolicyBuild
		}
		return s, nil
	})
}

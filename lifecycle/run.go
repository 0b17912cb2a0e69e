package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/containerd/errdefs"
	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/lifecycle/engine"
	"github.com/telepresenceio/docker-telepresence/lifecycle/records"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// ErrDaemonGone means the Telepresence daemon container stopped while the
// project ran attached.
var ErrDaemonGone = errors.New("the Telepresence daemon container is gone")

// run creates the containers, attaches the daemon to the handlers'
// networks (netns model) and starts the project in the run's mode. Once it
// has started, the journal holds what ending the run must do.
// declaresWatch tells that a service it runs declares develop.watch.
func (u *upRun) run(ctx context.Context, project *types.Project, res *transform.Result, declaresWatch bool) error {
	create := u.createOptions(project)
	u.op.done(true)
	if len(u.before.Containers) == 0 {
		// A failed create may leave containers, networks and volumes.
		u.journal.push("the project's containers", func(ctx context.Context) error { return u.removeCreated(ctx, res) })
	}
	build := create.Build
	if u.DryRun {
		if err := u.dryCompose(ctx, project, create); err != nil || u.opts.Mode != Create {
			return err
		}
		return u.endAll(ctx) // says which attachments create would end
	}
	if u.opts.Mode == Watch && u.opts.NoUp {
		return u.watch(ctx, project, build) // watch --no-up: the project runs already
	}
	if u.opts.Mode == Detached && u.netnsSession() == nil && u.subnetsHeld == nil {
		return u.upDetached(ctx, project, res, create)
	}
	err := u.Compose.Create(ctx, project, create)
	u.madeNetworks() // they exist now, or Compose failed
	if err != nil {
		return err
	}
	if err := u.attachHandlers(ctx, project, res); err != nil {
		return err
	}
	// Create has built and pulled what needed it. Up fetches images again
	// as the pull policies say: a second build (--build is pull_policy:
	// build), or a second pull (always, or a refresh that is due), which
	// could find a newer image and recreate the containers just made. So
	// Up builds nothing and pulls only what is missing, which is nothing;
	// the pull policy is not part of a container's configuration hash
	// (pkg/compose/hash.go of Compose), so no container differs for it.
	// Watch keeps the project as it was: its rebuilds follow the policies.
	create.Build = nil
	upProject, err := fetched(project)
	if err != nil {
		return err
	}
	start := api.StartOptions{Project: upProject, Wait: u.opts.Wait, WaitTimeout: u.opts.WaitTimeout}
	switch u.opts.Mode {
	case Create:
		u.endCreated()
		return nil
	case Detached:
		if err := u.Compose.Up(ctx, upProject, api.UpOptions{Create: create, Start: start}); err != nil {
			return err
		}
		u.journal.clear() // up -d leaves everything running
		return nil
	case Watch:
		if err := u.Compose.Up(ctx, upProject, api.UpOptions{Create: create, Start: start}); err != nil {
			return err
		}
		return u.watch(ctx, project, build)
	}
	start.Attach = u.opts.Logs
	start.AttachTo = attachTo(project, u.opts.Services, u.opts.Attach)
	start.Services = u.opts.Services
	start.Watch = (declaresWatch || u.opts.Watch) && !u.opts.NoWatch
	start.OnExit, start.ExitCodeFrom = u.opts.OnExit, u.opts.ExitCodeFrom
	if start.Watch { // its rebuilds follow the policies
		upProject, start.Project = project, project
	}
	return u.runAttached(ctx, upProject, api.UpOptions{Create: create, Start: start})
}

// upDetached is `up -d` in the Teleroute model: one Compose up, as `docker
// compose up -d` runs, so that an unchanged project costs what Compose's
// own costs. The handlers that run get their Teleroute aliases back first:
// Compose keeps them running unless it recreates them, with their aliases.
// (The netns model attaches the daemon to the handlers' networks between
// create and start.)
func (u *upRun) upDetached(ctx context.Context, project *types.Project, res *transform.Result, create api.CreateOptions) error {
	if err := u.attachHandlers(ctx, project, res); err != nil {
		return err
	}
	start := api.StartOptions{Project: project, Wait: u.opts.Wait, WaitTimeout: u.opts.WaitTimeout}
	if err := u.Compose.Up(ctx, project, api.UpOptions{Create: create, Start: start}); err != nil {
		return err
	}
	u.journal.clear() // up -d leaves everything running
	return nil
}

// fetched is the project with its images fetched: a service pulls its
// image only when it is missing.
func fetched(project *types.Project) (*types.Project, error) {
	return pullingMissing(project, func(_ string, s types.ServiceConfig) bool { return s.PullPolicy != types.PullPolicyNever })
}

// attachTo is what an attached run streams, as Compose chooses it
// (cmd/compose/up.go): --attach as given; else the services named (and,
// with --attach-dependencies, what they depend on; all when none is
// named) but those that declare attach: false, and but --no-attach.
func attachTo(project *types.Project, named []string, a AttachOptions) []string {
	if len(a.Only) > 0 {
		return slices.DeleteFunc(slices.Clone(a.Only), func(s string) bool { _, ok := project.Services[s]; return !ok })
	}
	var out []string
	for _, name := range project.ServiceNames() {
		svc := project.Services[name]
		listed := len(named) == 0 || a.Dependencies || slices.Contains(named, name)
		if listed && (svc.Attach == nil || *svc.Attach) && !slices.Contains(a.Not, name) {
			out = append(out, name)
		}
	}
	return out
}

// createOptions are Compose's create options for the run: everything that
// runs is built as the build policy says (remote services are gone).
func (u *upRun) createOptions(project *types.Project) api.CreateOptions {
	create := api.CreateOptions{
		Services:             u.opts.Services,
		RemoveOrphans:        u.opts.RemoveOrphans,
		Recreate:             or(u.opts.Recreate, api.RecreateDiverged),
		RecreateDependencies: or(u.opts.RecreateDependencies, api.RecreateDiverged),
		Inherit:              !u.opts.RenewAnonVolumes,
		Timeout:              u.opts.Timeout,
		QuietPull:            u.opts.QuietPull,
	}
	if u.opts.RenewAnonVolumes {
		create.Recreate = api.RecreateForce // as -V does in docker compose up
	}
	if u.opts.Build != BuildNever {
		create.Build = &api.BuildOptions{Deps: !u.opts.NoDeps, Services: project.ServiceNames(), Quiet: u.opts.QuietBuild}
	}
	return create
}

func or(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// runAttached runs Compose up attached until the project ends, is
// interrupted, or the daemon goes.
func (u *upRun) runAttached(ctx context.Context, project *types.Project, opts api.UpOptions) error {
	upCtx, stop := u.monitorDaemon(ctx)
	defer stop()
	err := u.Compose.Up(upCtx, project, opts)
	gone := errors.Is(context.Cause(upCtx), ErrDaemonGone)
	if err != nil && !gone && ctx.Err() == nil {
		// A failure before anything ran: the journal undoes everything.
		// Once a container ran, what the project made (data volumes) stays.
		ran, ferr := u.anythingRan(ctx)
		if ferr == nil && !ran {
			return err
		}
	}
	u.endWith(project)
	if gone {
		return context.Cause(upCtx)
	}
	return ignoreCanceled(err)
}

// watch runs Compose Watch until interrupted; the journal then stops the
// project and ends its attachments.
func (u *upRun) watch(ctx context.Context, project *types.Project, build *api.BuildOptions) error {
	u.endWith(project)
	wctx, stop := u.monitorDaemon(ctx)
	defer stop()
	err := u.Compose.Watch(wctx, project, api.WatchOptions{Build: build, LogTo: u.opts.Logs, Prune: !u.opts.NoPrune, Services: u.opts.Services})
	if gone := context.Cause(wctx); errors.Is(gone, ErrDaemonGone) {
		return gone
	}
	return ignoreCanceled(err)
}

// stopIfRunning stops the project if a container of it runs.
func (u *upRun) stopIfRunning(ctx context.Context, project *types.Project) error {
	containers, err := u.Engine.ProjectContainers(ctx, u.project)
	if err == nil && !slices.ContainsFunc(containers, func(c engine.Container) bool { return c.Running }) {
		return nil
	}
	return u.Compose.Stop(ctx, project.Name, api.StopOptions{Project: project})
}

// anythingRan tells whether a container of the project has run, now or
// before: then the project has started, whatever Compose returned.
func (u *upRun) anythingRan(ctx context.Context) (bool, error) {
	containers, err := u.Engine.ProjectContainers(ctx, u.project)
	if err != nil {
		return false, u.engineError(err)
	}
	return slices.ContainsFunc(containers, func(c engine.Container) bool { return c.Started }), nil
}

func ignoreCanceled(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// monitorDaemon returns a context that is canceled, with ErrDaemonGone as
// its cause, when the daemon container stops running or is replaced: the
// handlers cannot work without it.
func (u *upRun) monitorDaemon(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	every := u.DaemonCheck
	if every <= 0 {
		every = 2 * time.Second
	}
	go func() {
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			for _, s := range u.sessions {
				if err := u.daemonStillServes(ctx, s); err != nil {
					s.gone.Store(true)
					cancel(err)
					return
				}
			}
		}
	}()
	return ctx, func() { cancel(nil) }
}

// daemonStillServes is nil while the daemon container the run started with
// runs; a passing engine error is not its end.
func (u *upRun) daemonStillServes(ctx context.Context, s *session) error {
	name := s.daemon.Container()
	info, err := u.Engine.InspectDaemon(ctx, name)
	switch {
	case ctx.Err() != nil, err != nil && !errdefs.IsNotFound(err):
		return nil
	case err == nil && info.Running && info.ID == s.info.ID:
		return nil
	}
	u.printf("The Telepresence daemon container %s stopped: stopping the project", name)
	return fmt.Errorf("%w: %s stopped while the project ran (hint: run `docker telepresence down`, then `up` again to reconnect)", ErrDaemonGone, name)
}

// composeDown removes the project's containers and networks. A container
// whose create the engine finished after Compose gave up on it (its
// request canceled when another service failed) can land after Compose
// listed the containers: a second down takes it.
func (u *upRun) composeDown(ctx context.Context) error {
	if err := u.Compose.Down(ctx, u.project, api.DownOptions{}); err != nil {
		return fmt.Errorf("compose down: %w", err)
	}
	if left, err := u.Engine.ProjectContainers(ctx, u.project); err != nil || len(left) == 0 {
		return nil
	}
	if err := u.Compose.Down(ctx, u.project, api.DownOptions{}); err != nil {
		return fmt.Errorf("compose down: %w", err)
	}
	return nil
}

// removeCreated undoes the creation of a project that did not exist
// before this run: the daemon leaves its networks, Compose removes the
// containers and networks, and the volumes this run created go (the
// records of attachments are left to the attachments' own undo).
func (u *upRun) removeCreated(ctx context.Context, res *transform.Result) error {
	var errs []error
	if s := u.netnsSession(); s != nil {
		var networks []string
		for _, a := range res.DaemonNetworks {
			networks = append(networks, a.Name)
		}
		errs = append(errs, u.disconnectDaemon(ctx, u.project, s.daemon.Container(), networks))
	}
	errs = append(errs, u.composeDown(ctx))
	volumes, err := u.Engine.ProjectVolumes(ctx, u.project)
	if err != nil {
		return errors.Join(append(errs, u.engineError(err))...)
	}
	for _, v := range volumes {
		existed := slices.ContainsFunc(u.before.Volumes, func(b engine.Volume) bool { return b.Name == v.Name })
		if !existed && !records.IsRecord(v) {
			errs = append(errs, u.Engine.RemoveVolume(ctx, v.Name))
		}
	}
	return errors.Join(errs...)
}

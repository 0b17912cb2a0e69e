package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/containerd/errdefs"
	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/telepresence"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// ErrDaemonGone means the Telepresence daemon container stopped while the
// project ran attached.
var ErrDaemonGone = errors.New("the Telepresence daemon container is gone")

// run creates the containers, attaches the daemon to the handlers'
// networks (netns model) and starts the project, attached or not (with
// Compose watch when a service it runs declares develop.watch). Once it has
// started, the journal holds what ending the run must do.
func (u *upRun) run(ctx context.Context, s *session, project *types.Project, res *transform.Result, watch bool, opts UpOptions, before projectState) error {
	var build *api.BuildOptions
	if opts.Build != nil {
		b := *opts.Build
		b.Services = project.ServiceNames() // remote services are gone
		build = &b
	}
	create := api.CreateOptions{
		Build:                build,
		Services:             opts.Services,
		RemoveOrphans:        opts.RemoveOrphans,
		Recreate:             api.RecreateDiverged,
		RecreateDependencies: api.RecreateDiverged,
		Inherit:              true,
	}
	if len(before.containers) == 0 {
		// A failed create may leave containers, networks and volumes.
		u.journal.push("the project's containers", func(ctx context.Context) error { return u.removeCreated(ctx, s, res, before) })
	}
	if err := u.Compose.Create(ctx, project, create); err != nil {
		return err
	}
	if err := u.attachDaemon(ctx, s, res, before); err != nil {
		return err
	}
	start := api.StartOptions{Project: project, Wait: opts.Wait, WaitTimeout: opts.WaitTimeout}
	// Create has built what needed building; with --build (pull_policy:
	// build) a second build would run and could recreate the containers.
	create.Build = nil
	if opts.Detach || opts.WatchCommand {
		if err := u.Compose.Up(ctx, project, api.UpOptions{Create: create, Start: start}); err != nil {
			return err
		}
		u.journal = journal{} // up -d leaves everything running
		if !opts.WatchCommand {
			return nil
		}
		return u.watch(ctx, s, project, build, opts.Logs, opts.Services)
	}
	logs := &startedLogs{LogConsumer: opts.Logs}
	start.Attach = logs
	start.AttachTo = project.ServiceNames()
	start.Services = opts.Services
	start.Watch = watch && !opts.NoWatch
	upCtx, stop := u.monitorDaemon(ctx, s)
	defer stop()
	err := u.Compose.Up(upCtx, project, api.UpOptions{Create: create, Start: start})
	stopProject := func(ctx context.Context) error {
		return u.Compose.Stop(ctx, project.Name, api.StopOptions{Project: project})
	}
	if gone := context.Cause(upCtx); errors.Is(gone, ErrDaemonGone) {
		// The intercepts went with the daemon; stop the project, whether or
		// not Compose did.
		u.journal.replace("the project", func(ctx context.Context) error { _ = u.leaveAll(ctx, s); return stopProject(ctx) })
		return gone
	}
	if err != nil && ctx.Err() == nil && !logs.started.Load() {
		return err // a failure before the project started: the journal undoes everything
	}
	// Interrupted, or failed once running: stop the project (Compose may
	// have) and leave the intercepts; what the project made, its data
	// volumes among them, stays for `down`.
	u.journal.replace("the project", func(ctx context.Context) error { return errors.Join(stopProject(ctx), u.leaveAll(ctx, s)) })
	return ignoreCanceled(err)
}

// startedLogs notes that an attached project has started: Compose streams
// something of it.
type startedLogs struct {
	api.LogConsumer
	started atomic.Bool
}

func (l *startedLogs) Log(container, message string) {
	l.started.Store(true)
	l.LogConsumer.Log(container, message)
}

func (l *startedLogs) Err(container, message string) {
	l.started.Store(true)
	l.LogConsumer.Err(container, message)
}

func (l *startedLogs) Status(container, message string) {
	l.started.Store(true)
	l.LogConsumer.Status(container, message)
}

// watch runs Compose Watch until interrupted; the journal then stops the
// project and leaves its intercepts.
func (u *upRun) watch(ctx context.Context, s *session, project *types.Project, build *api.BuildOptions, logs api.LogConsumer, services []string) error {
	stopProject := func(ctx context.Context) error {
		return u.Compose.Stop(ctx, project.Name, api.StopOptions{Project: project})
	}
	u.journal.replace("the project", func(ctx context.Context) error { return errors.Join(stopProject(ctx), u.leaveAll(ctx, s)) })
	wctx, stop := u.monitorDaemon(ctx, s)
	defer stop()
	err := u.Compose.Watch(wctx, project, api.WatchOptions{Build: build, LogTo: logs, Prune: true, Services: services})
	if gone := context.Cause(wctx); errors.Is(gone, ErrDaemonGone) {
		u.journal.replace("the project", func(ctx context.Context) error { _ = u.leaveAll(ctx, s); return stopProject(ctx) })
		return gone
	}
	return ignoreCanceled(err)
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
func (u *upRun) monitorDaemon(ctx context.Context, s *session) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	every := u.DaemonCheck
	if every <= 0 {
		every = 2 * time.Second
	}
	name := s.daemon.Container()
	go func() {
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			info, err := u.Engine.InspectDaemon(ctx, name)
			if ctx.Err() != nil {
				return
			}
			if err != nil && !errdefs.IsNotFound(err) {
				continue // a passing engine error is not the daemon's end
			}
			if err == nil && info.Running && info.ID == s.info.ID {
				continue
			}
			u.printf("The Telepresence daemon container %s stopped: stopping the project", name)
			cancel(fmt.Errorf("%w: %s stopped while the project ran (hint: run `docker telepresence down`, then `up` again to reconnect)", ErrDaemonGone, name))
			return
		}
	}()
	return ctx, func() { cancel(nil) }
}

// attachDaemon puts the daemon on the handlers' networks with their names
// (netns model): it is attached again where its aliases differ, since
// Docker cannot change them in place, and detached from the networks it
// joined for handlers the project no longer has.
func (u *upRun) attachDaemon(ctx context.Context, s *session, res *transform.Result, before projectState) error {
	if s.model() != telepresence.ModelNetns {
		return nil
	}
	daemon := s.daemon.Container()
	var wanted []string
	for _, a := range res.DaemonNetworks {
		wanted = append(wanted, a.Name)
		ep, attached := s.info.Networks[a.Name]
		if attached && sameAliases(ep.Aliases, a.Aliases, s.info) {
			continue
		}
		if attached {
			if err := u.Engine.DisconnectNetwork(ctx, a.Name, daemon); err != nil {
				return fmt.Errorf("detaching the Telepresence daemon %q from network %q to update its aliases: %w", daemon, a.Name, err)
			}
		}
		if err := u.Engine.ConnectNetwork(ctx, a.Name, daemon, a.Aliases); err != nil {
			return fmt.Errorf("attaching the Telepresence daemon %q to network %q: %w", daemon, a.Name, err)
		}
	}
	var stale []string
	for _, n := range before.daemonNetworks(daemon) {
		if !slices.Contains(wanted, n) {
			stale = append(stale, n)
		}
	}
	return u.detachDaemon(ctx, u.project, daemon, stale)
}

// sameAliases tells whether a daemon's aliases on a network are those a
// handler needs; Docker adds the container's short ID itself.
func sameAliases(have, want []string, info DaemonInfo) bool {
	for _, a := range have {
		if !slices.Contains(want, a) && a != info.Name && (len(info.ID) < 12 || a != info.ID[:12]) {
			return false
		}
	}
	for _, a := range want {
		if !slices.Contains(have, a) {
			return false
		}
	}
	return true
}

// detachDaemon detaches a daemon from networks it joined for a project,
// but not from one that another project's handler still needs.
func (r *Runner) detachDaemon(ctx context.Context, project, daemon string, networks []string) error {
	if len(networks) == 0 {
		return nil
	}
	users, err := r.Engine.DaemonUsers(ctx, daemon)
	if err != nil {
		return r.engineError(err)
	}
	var errs []error
	for _, n := range networks {
		needed := slices.ContainsFunc(users, func(c Container) bool {
			return c.Project != project && slices.Contains(daemonNetworksOf(c), n)
		})
		if !needed {
			errs = append(errs, r.Engine.DisconnectNetwork(ctx, n, daemon))
		}
	}
	return errors.Join(errs...)
}

// removeCreated undoes the creation of a project that did not exist
// before this run: the daemon leaves its networks, Compose removes the
// containers and networks, and the volumes this run created go (the
// records of intercepts are left to the intercepts' own undo).
func (u *upRun) removeCreated(ctx context.Context, s *session, res *transform.Result, before projectState) error {
	var errs []error
	if s.model() == telepresence.ModelNetns {
		var networks []string
		for _, a := range res.DaemonNetworks {
			networks = append(networks, a.Name)
		}
		errs = append(errs, u.detachDaemon(ctx, u.project, s.daemon.Container(), networks))
	}
	if err := u.Compose.Down(ctx, u.project, api.DownOptions{}); err != nil {
		errs = append(errs, fmt.Errorf("compose down: %w", err))
	}
	volumes, err := u.Engine.ProjectVolumes(ctx, u.project)
	if err != nil {
		return errors.Join(append(errs, u.engineError(err))...)
	}
	for _, v := range volumes {
		existed := slices.ContainsFunc(before.volumes, func(b Volume) bool { return b.Name == v.Name })
		if !existed && !isRecord(v) {
			errs = append(errs, u.Engine.RemoveVolume(ctx, v.Name))
		}
	}
	return errors.Join(errs...)
}

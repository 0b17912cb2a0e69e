// Package lifecycle runs a compose project with Telepresence: it connects
// the daemon, creates the intercepts, transforms the project and drives
// Compose in-process, and undoes what it did when something fails.
package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/containerd/errdefs"
	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/telepresence"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// Compose is the part of the Compose SDK (api.Compose) the plugin drives.
type Compose interface {
	Create(ctx context.Context, project *types.Project, options api.CreateOptions) error
	Up(ctx context.Context, project *types.Project, options api.UpOptions) error
	Stop(ctx context.Context, projectName string, options api.StopOptions) error
	Down(ctx context.Context, projectName string, options api.DownOptions) error
	Watch(ctx context.Context, project *types.Project, options api.WatchOptions) error
}

// DefaultVolumePlugin is the Telemount Docker plugin, tagged with the
// engine's architecture, as Telepresence itself installs it.
const DefaultVolumePlugin = "datawire/telemount"

// cleanupTimeout bounds the undo work done after a failure or a signal.
const cleanupTimeout = 2 * time.Minute

// Runner drives one project. Its fields are the seams tests replace.
type Runner struct {
	Compose      Compose
	Engine       Engine
	Telepresence telepresence.Client
	// Err receives progress, notes and warnings.
	Err io.Writer
	// VolumeDriver overrides the Telemount plugin. It is used as it is (a
	// managed plugin or a legacy plugin socket) and never installed.
	VolumeDriver string
	// EngineName says which engine errors are about: Docker context and host.
	EngineName string
	// DaemonCheck is how often an attached up checks that the Telepresence
	// daemon container still runs (default 2s).
	DaemonCheck time.Duration
	// Locker serialises runs of one project; nil means no locking.
	Locker Locker
}

// UpOptions are the options of `up` and `watch`.
type UpOptions struct {
	Project *types.Project
	Intent  *transform.Intent
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

func (r *Runner) printf(format string, args ...any) {
	if r.Err != nil {
		fmt.Fprintf(r.Err, format+"\n", args...)
	}
}

func (r *Runner) warn(warnings ...string) {
	for _, w := range warnings {
		r.printf("WARNING: %s", w)
	}
}

// Up runs the project with its intercepts. On failure it undoes what it did.
func (r *Runner) Up(ctx context.Context, opts UpOptions) (err error) {
	plan, err := transform.NewPlan(opts.Project, opts.Intent)
	if err != nil {
		return err
	}
	r.warn(plan.Warnings...)
	if r.Locker != nil {
		unlock, err := r.Locker.Lock(opts.Project.Name)
		if err != nil {
			return err
		}
		defer unlock()
	}
	u := &upRun{Runner: r, project: opts.Project.Name}
	defer func() {
		if err != nil {
			if uerr := u.undo(context.WithoutCancel(ctx)); uerr != nil {
				err = errors.Join(err, fmt.Errorf("while undoing this up: %w", uerr))
			}
		}
	}()
	if err := u.checkExisting(ctx); err != nil {
		return err
	}
	st, err := u.connect(ctx, plan, opts.Intent.Connection)
	if err != nil {
		return err
	}
	daemon, err := r.Engine.Daemon(ctx, st.DaemonContainer())
	if err != nil {
		return err
	}
	if !daemon.Running {
		return fmt.Errorf("the Telepresence daemon container %q is not running (hint: run `telepresence quit` and try again)", daemon.Name)
	}
	u.daemon = daemon.Name
	driver, err := u.volumeDriver(ctx, plan)
	if err != nil {
		return err
	}
	intercepts, err := u.intercept(ctx, plan)
	if err != nil {
		return err
	}
	if err := u.setDNS(ctx, plan, st); err != nil {
		return err
	}
	res, err := transform.Apply(opts.Project, opts.Intent, transform.Runtime{
		DaemonContainer: daemon.Name, DaemonIP: daemon.IP, Network: daemon.Network,
		VolumeDriver: driver, Intercepts: intercepts,
	})
	if err != nil {
		return err
	}
	r.warn(res.Warnings...)
	project, err := withBuildPolicy(res.Project, opts.ForceBuild)
	if err != nil {
		return err
	}
	return u.run(ctx, project, res, opts)
}

// run creates the containers, attaches the daemon to the handlers' networks
// and starts the project, attached or not.
func (u *upRun) run(ctx context.Context, project *types.Project, res *transform.Result, opts UpOptions) error {
	r := u.Runner
	var build *api.BuildOptions
	if opts.Build != nil {
		b := *opts.Build
		b.Services = project.ServiceNames() // remote services are gone
		build = &b
	}
	create := api.CreateOptions{
		Build:                build,
		RemoveOrphans:        opts.RemoveOrphans,
		Recreate:             api.RecreateDiverged,
		RecreateDependencies: api.RecreateDiverged,
		Inherit:              true,
	}
	u.created = true
	if err := r.Compose.Create(ctx, project, create); err != nil {
		return err
	}
	for _, n := range res.DaemonNetworks {
		if err := r.Engine.ConnectNetwork(ctx, n.Name, u.daemon, n.Aliases); err != nil {
			return fmt.Errorf("attaching the Telepresence daemon %q to network %q: %w", u.daemon, n.Name, err)
		}
	}
	start := api.StartOptions{Project: project, Wait: opts.Wait, WaitTimeout: opts.WaitTimeout}
	// Create has built what needed building; with --build (pull_policy:
	// build) a second build would run and could recreate the containers.
	create.Build = nil
	if opts.Detach || opts.WatchCommand {
		if err := r.Compose.Up(ctx, project, api.UpOptions{Create: create, Start: start}); err != nil {
			return err
		}
		if !opts.WatchCommand {
			return nil
		}
		return u.watch(ctx, project, build, opts.Logs)
	}
	start.Attach = opts.Logs
	start.AttachTo = project.ServiceNames()
	start.Watch = res.Watch && !opts.NoWatch
	upCtx, stop := u.monitorDaemon(ctx)
	defer stop()
	err := r.Compose.Up(upCtx, project, api.UpOptions{Create: create, Start: start})
	if gone := context.Cause(upCtx); errors.Is(gone, ErrDaemonGone) {
		// Compose has stopped the project; the intercepts went with the daemon.
		u.committed = true
		_ = u.leaveAll(context.WithoutCancel(ctx))
		return gone
	}
	if err != nil && ctx.Err() == nil {
		return err // a real failure: undo everything
	}
	// Interrupted: Compose has stopped the containers; leave the intercepts.
	u.committed = true
	return errors.Join(ignoreCanceled(err), u.leaveAll(context.WithoutCancel(ctx)))
}

// ErrDaemonGone means the Telepresence daemon container stopped while the
// project ran attached.
var ErrDaemonGone = errors.New("the Telepresence daemon container is gone")

// monitorDaemon returns a context that is canceled, with ErrDaemonGone as
// its cause, when the daemon container stops running: the handlers share
// its network namespace and cannot work without it.
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
			info, err := u.Engine.Daemon(ctx, u.daemon)
			if ctx.Err() != nil {
				return
			}
			if err != nil && !errdefs.IsNotFound(err) {
				continue // a passing engine error is not the daemon's end
			}
			if err == nil && info.Running {
				continue
			}
			u.printf("The Telepresence daemon container %s stopped: stopping the project", u.daemon)
			cancel(fmt.Errorf("%w: %s stopped while the project ran (hint: run `docker telepresence down`, then `up` again to reconnect)", ErrDaemonGone, u.daemon))
			return
		}
	}()
	return ctx, func() { cancel(nil) }
}

// watch runs Compose Watch until interrupted, then stops the project and
// leaves its intercepts.
func (u *upRun) watch(ctx context.Context, project *types.Project, build *api.BuildOptions, logs api.LogConsumer) error {
	u.committed = true
	wctx, stop := u.monitorDaemon(ctx)
	defer stop()
	werr := u.Compose.Watch(wctx, project, api.WatchOptions{Build: build, LogTo: logs})
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	serr := u.Compose.Stop(cctx, project.Name, api.StopOptions{Project: project})
	if gone := context.Cause(wctx); errors.Is(gone, ErrDaemonGone) {
		_ = u.leaveAll(cctx)
		return errors.Join(gone, serr)
	}
	return errors.Join(ignoreCanceled(werr), serr, u.leaveAll(cctx))
}

func ignoreCanceled(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// withBuildPolicy makes --build rebuild every service that has a build section.
func withBuildPolicy(project *types.Project, force bool) (*types.Project, error) {
	if !force {
		return project, nil
	}
	return project.WithServicesTransform(func(_ string, s types.ServiceConfig) (types.ServiceConfig, error) {
		if s.Build != nil {
			s.PullPolicy = types.PullPolicyBuild
		}
		return s, nil
	})
}

// upRun remembers what one `up` did, so that a failure undoes exactly that.
type upRun struct {
	*Runner
	project string
	// existing is true when the project already had containers.
	existing bool
	// records are the intercepts the Docker side says the project owns, and
	// found what else it held, when this run began.
	records map[string]bool
	found   found
	// connected is true when this run connected the daemon.
	connected bool
	daemon    string
	// intercepts are the intercepts this run created, in order.
	intercepts []string
	// recorded are the intercepts this run recorded on the Docker side (see
	// mark); their records are the volumes named by markerVolume.
	recorded []string
	// reused are the live intercepts of an earlier up that this run took over.
	reused []string
	// created is set once Compose may have created the project's containers.
	created bool
	// committed is set once the project runs: from then on an interruption
	// stops it and leaves the intercepts instead of removing it.
	committed bool
}

func (u *upRun) checkExisting(ctx context.Context) error {
	found, err := u.find(ctx, u.project)
	if err != nil {
		return err
	}
	u.existing = len(found.containers) > 0
	u.found = found
	u.records = map[string]bool{}
	for _, name := range found.intercepts {
		u.records[name] = true
	}
	return nil
}

// alreadyExists tells a refused intercept because it exists.
func alreadyExists(err error) bool {
	var ce *telepresence.CommandError
	return errors.As(err, &ce) && errors.Is(err, telepresence.ErrFailed) && strings.Contains(strings.ToLower(ce.Message), "already exist")
}

// reuse takes over a live intercept that a previous `up` of this project
// created: its environment is what the running handler got beyond its
// image, its volumes are the project's Telemount volumes for it.
func (u *upRun) reuse(ctx context.Context, req transform.InterceptRequest) (transform.Intercept, error) {
	ic, live, err := u.liveIntercept(ctx, u.found, req)
	if err != nil {
		return ic, err
	}
	if !live {
		return ic, fmt.Errorf("service %q: intercept %q of this project is live but its handler container does not run (hint: run `docker telepresence down`, then `up` again)", req.Service, req.Workload)
	}
	u.printf("Reusing the live intercept %s of this project for service %s", req.Workload, req.Service)
	return ic, nil
}

// liveIntercept reads what a previous `up` of the project gave a handler
// from what find found on the Docker side: the running container labelled
// with the intercept, its environment beyond its image's, and the project's
// Telemount volumes.
func (r *Runner) liveIntercept(ctx context.Context, f found, req transform.InterceptRequest) (transform.Intercept, bool, error) {
	ic := transform.Intercept{Name: req.Workload}
	containers := f.containers
	// The intercept's name is usually the workload's, but Telepresence may
	// name it otherwise: the handler container's label says which it is.
	i := slices.IndexFunc(containers, func(c Container) bool {
		return c.Service == req.Service && c.Labels[transform.LabelIntercept] != "" && c.Running
	})
	if i < 0 {
		return ic, false, nil
	}
	ic.Name = containers[i].Labels[transform.LabelIntercept]
	var err error
	if ic.Environment, err = r.Engine.HandlerEnv(ctx, containers[i].Name); err != nil {
		return ic, false, r.engineError(err)
	}
	volumes := slices.Clone(f.volumes)
	sort.Slice(volumes, func(a, b int) bool { return volumeIndex(volumes[a].Name) < volumeIndex(volumes[b].Name) })
	for _, v := range volumes {
		if _, tm := v.Labels[transform.LabelTelemount]; tm && v.Labels[transform.LabelIntercept] == ic.Name {
			ic.Mounts = append(ic.Mounts, v.Options["dir"])
			ic.MountPort, _ = strconv.Atoi(v.Options["port"])
		}
	}
	return ic, true, nil
}

// volumeIndex is the i of a Telemount volume named ..._<container>-<i>.
func volumeIndex(name string) int {
	i := strings.LastIndex(name, "-")
	n, err := strconv.Atoi(name[i+1:])
	if err != nil {
		return -1
	}
	return n
}

// connect connects Telepresence in docker mode unless it already is.
func (u *upRun) connect(ctx context.Context, plan *transform.Plan, conn transform.Connection) (*telepresence.Status, error) {
	st, err := u.Telepresence.Status(ctx)
	if err != nil {
		return nil, err
	}
	if st.Running {
		u.checkConnection(st, plan, conn)
		return st, nil
	}
	u.printf("Connecting Telepresence in docker mode...")
	opts := telepresence.ConnectOptions{
		Context: conn.Context, Namespace: conn.Namespace, ManagerNamespace: conn.ManagerNamespace,
		MappedNamespaces: conn.MappedNamespaces, Expose: plan.Expose,
	}
	u.connected = true // a failed or interrupted connect may still leave a daemon
	if err := u.Telepresence.Connect(ctx, opts); err != nil {
		return nil, fmt.Errorf("connecting Telepresence: %w%s", err, u.portHint(ctx, err, plan.Expose))
	}
	if st, err = u.Telepresence.Status(ctx); err != nil {
		return nil, err
	}
	if !st.Running {
		return nil, fmt.Errorf("telepresence connect succeeded but `telepresence status` shows no running daemon (%s)", st.Status)
	}
	u.printf("Telepresence connected: daemon container %s", st.DaemonContainer())
	return st, nil
}

// portHint explains a connect that failed because a host port the daemon
// must publish is taken, naming the container that holds it if Docker knows.
func (u *upRun) portHint(ctx context.Context, err error, expose []string) string {
	msg := err.Error()
	if !strings.Contains(msg, "already allocated") && !strings.Contains(msg, "address already in use") {
		return ""
	}
	for _, e := range expose {
		parts := strings.Split(e, ":")
		if len(parts) < 2 {
			continue
		}
		host := parts[len(parts)-2]
		if !strings.Contains(msg, ":"+host+" ") && !strings.Contains(msg, ":"+host+":") && !strings.HasSuffix(msg, ":"+host) {
			continue
		}
		by := "another program"
		if users, uerr := u.Engine.PortUsers(ctx, host); uerr == nil && len(users) > 0 {
			by = "container " + strings.Join(users, ", ")
		}
		return fmt.Sprintf(" (hint: host port %s, published by an intercept handler, is already in use by %s; stop it or change the handler's published port)", host, by)
	}
	return " (hint: a host port the handlers publish is already in use)"
}

// checkConnection warns when the running daemon cannot serve the project as
// declared: ports not exposed, or another context or namespace.
func (u *upRun) checkConnection(st *telepresence.Status, plan *transform.Plan, conn transform.Connection) {
	var missing []string
	for _, e := range plan.Expose {
		if !slices.Contains(st.ExposedPorts, e) {
			missing = append(missing, e)
		}
	}
	if len(missing) > 0 {
		expose := slices.Concat(st.ExposedPorts, missing)
		cmd := "telepresence quit && telepresence connect --docker --expose " + strings.Join(expose, " --expose ")
		for _, m := range missing {
			u.warn(fmt.Sprintf("the running Telepresence daemon does not expose port %s, so it is not reachable from this host; reconnect with: %s", m, cmd))
		}
	}
	if conn.Context != "" && st.Context != "" && conn.Context != st.Context {
		u.warn(fmt.Sprintf("x-telepresence.context is %q but Telepresence is connected to %q; run `telepresence quit` to reconnect", conn.Context, st.Context))
	}
	if conn.Namespace != "" && st.Namespace != "" && conn.Namespace != st.Namespace {
		u.warn(fmt.Sprintf("x-telepresence.namespace is %q but Telepresence is connected to %q; run `telepresence quit` to reconnect", conn.Namespace, st.Namespace))
	}
}

// volumeDriver returns the Telemount driver, installing the default plugin
// when a handler mounts the pod's volumes.
func (u *upRun) volumeDriver(ctx context.Context, plan *transform.Plan) (string, error) {
	if u.VolumeDriver != "" {
		return u.VolumeDriver, nil
	}
	needed := slices.ContainsFunc(plan.Intercepts, func(r transform.InterceptRequest) bool { return r.Mount })
	if !needed {
		return "", nil
	}
	arch, err := u.Engine.Architecture(ctx)
	if err != nil {
		return "", u.engineError(err)
	}
	name := DefaultVolumePlugin + ":" + arch
	if err := u.Engine.EnsureVolumePlugin(ctx, name, name, u.Err); err != nil {
		return "", fmt.Errorf("installing the Telemount volume plugin %s: %w (hint: set `mount: false` under x-telepresence.intercept to run without the pod's volumes, or name another driver with --volume-driver)", name, err)
	}
	return name, nil
}

// intercept creates the intercepts one by one, recording each first on the
// Docker side so that `down` finds it even if this process dies.
func (u *upRun) intercept(ctx context.Context, plan *transform.Plan) (map[string]transform.Intercept, error) {
	out := map[string]transform.Intercept{}
	for _, req := range plan.Intercepts {
		if err := u.mark(ctx, req.Workload); err != nil {
			return nil, err
		}
		ic, err := u.Telepresence.Intercept(ctx, telepresence.InterceptOptions{
			Workload: req.Workload, Port: req.Port, Service: req.K8sService, HTTPHeaders: req.HTTPHeaders, Mount: req.Mount,
		})
		if err != nil && alreadyExists(err) && u.records[req.Workload] {
			// The record belongs to the up that made it.
			u.recorded = u.recorded[:len(u.recorded)-1]
			reused, rerr := u.reuse(ctx, req)
			if rerr != nil {
				return nil, rerr
			}
			u.reused = append(u.reused, reused.Name)
			out[req.Service] = reused
			continue
		}
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, telepresence.ErrTimeout) {
				// It may exist even though we never heard back.
				u.intercepts = append(u.intercepts, req.Workload)
			}
			hint := ""
			if alreadyExists(err) {
				hint = fmt.Sprintf(" (hint: another project or user intercepts %q; leave that intercept first, or declare intercept.httpHeaders for a personal intercept)", req.Workload)
			}
			return nil, fmt.Errorf("service %q: intercepting workload %q: %w%s", req.Service, req.Workload, err, hint)
		}
		u.intercepts = append(u.intercepts, ic.Name)
		if ic.Name != req.Workload {
			if err := u.mark(ctx, ic.Name); err != nil {
				return nil, err
			}
		}
		u.printf("Intercepted workload %s (intercept %s) for service %s on port %s", req.Workload, ic.Name, req.Service, req.Port)
		out[req.Service] = transform.Intercept{Name: ic.Name, Environment: ic.Environment, MountPort: ic.MountPort, Mounts: ic.Mounts}
	}
	return out, nil
}

// mark records an intercept of the project in a labelled volume.
func (u *upRun) mark(ctx context.Context, intercept string) error {
	name := markerVolume(u.project, intercept)
	err := u.Engine.CreateVolume(ctx, name, map[string]string{
		api.ProjectLabel: u.project, transform.LabelIntercept: intercept,
	})
	if err != nil {
		return u.engineError(err)
	}
	u.recorded = append(u.recorded, intercept)
	return nil
}

func markerVolume(project, intercept string) string {
	return project + "_telepresence-intercept-" + intercept
}

func (u *upRun) setDNS(ctx context.Context, plan *transform.Plan, st *telepresence.Status) error {
	if len(plan.DNSMappings) == 0 {
		return nil
	}
	mappings := make([]telepresence.DNSMapping, len(plan.DNSMappings))
	for i, m := range plan.DNSMappings {
		mappings[i] = telepresence.DNSMapping{Name: m.Service, AliasFor: m.AliasFor(st.Namespace)}
		u.printf("Remote service %s resolves to %s in the daemon's network", m.Service, mappings[i].AliasFor)
	}
	return u.Telepresence.SetDNSMappings(ctx, st.DaemonPort, mappings)
}

// leaveIntercepts leaves the intercepts this run created, newest first,
// and, once the run is committed (it ran and was stopped), also those it
// reused from an earlier up: stopping the project ends them all. It returns
// the intercepts it could not leave.
func (u *upRun) leaveIntercepts(ctx context.Context) (map[string]bool, error) {
	names := slices.Clone(u.intercepts)
	slices.Reverse(names)
	if u.committed {
		names = append(names, u.reused...)
	}
	return u.leave(ctx, names)
}

// leaveAll is leaveIntercepts for the paths that only report the error.
func (u *upRun) leaveAll(ctx context.Context) error {
	_, err := u.leaveIntercepts(ctx)
	return err
}

// undo reverts what this run did: it leaves the intercepts it created
// first, so that their records are removed only once they are gone, then
// removes the project if this run created it, then quits a daemon this run
// connected, unless another project uses it meanwhile.
func (u *upRun) undo(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, cleanupTimeout)
	defer cancel()
	if u.committed {
		return nil
	}
	failed, err := u.leaveIntercepts(ctx)
	errs := []error{err}
	if u.created && !u.existing {
		// Also removes the Telemount volumes and the intercept records.
		networks, err := u.Engine.ProjectNetworks(ctx, u.project)
		if err != nil {
			errs = append(errs, u.engineError(err))
		}
		errs = append(errs, u.removeProject(ctx, u.project, networks, []string{u.daemon}, api.DownOptions{}, failed))
	} else {
		for _, name := range u.recorded {
			if !failed[name] {
				errs = append(errs, u.Engine.RemoveVolume(ctx, markerVolume(u.project, name)))
			}
		}
	}
	if u.connected {
		errs = append(errs, u.quitDaemon(ctx))
	}
	return errors.Join(errs...)
}

// quitDaemon quits the daemon this run connected, unless a container of
// another project now shares its network namespace.
func (u *upRun) quitDaemon(ctx context.Context) error {
	if u.daemon != "" {
		users, err := u.Engine.DaemonUsers(ctx, u.daemon)
		if err == nil {
			users = slices.DeleteFunc(users, func(p string) bool { return p == u.project })
		}
		if err != nil || len(users) > 0 {
			u.printf("Leaving Telepresence connected: other projects use its daemon %s %v", u.daemon, users)
			return nil
		}
	}
	u.printf("Disconnecting Telepresence (this up connected it)")
	return u.Telepresence.Quit(ctx)
}

// engineError says which engine did not answer and what to check.
func (r *Runner) engineError(err error) error {
	engine := "the Docker Engine"
	if r.EngineName != "" {
		engine += " (" + r.EngineName + ")"
	}
	return fmt.Errorf("talking to %s: %w (hint: is Docker running? check `docker context ls` and DOCKER_HOST)", engine, err)
}

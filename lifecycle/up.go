package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/lifecycle/engine"
	"github.com/telepresenceio/docker-telepresence/lifecycle/records"
	"github.com/telepresenceio/docker-telepresence/telepresence"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// ErrNothingToWatch is what `watch` says, as `docker compose watch` does,
// when no service that runs declares develop.watch.
var ErrNothingToWatch = errors.New("none of the selected services is configured for watch, consider setting a 'develop' section")

// Mode is how `up` runs the project once it has started.
type Mode int

const (
	// Attached streams the project's logs until it is interrupted, with
	// Compose watch when a service it runs declares develop.watch.
	Attached Mode = iota
	// Detached returns once the containers run (up -d).
	Detached
	// Watch starts the project detached, then runs Compose watch until
	// interrupted (the `watch` command).
	Watch
	// Create makes the containers, then ends the attachments: `create`
	// (and up --no-start), as Telepresence's own compose does.
	Create
)

// AttachOptions choose the services whose logs an attached run streams,
// as `docker compose up` chooses them (--attach, --no-attach,
// --attach-dependencies; a service's `attach: false`).
type AttachOptions struct {
	Only, Not    []string
	Dependencies bool
}

// BuildPolicy is what `up` builds before it creates the containers.
type BuildPolicy int

const (
	// BuildMissing builds the images that do not exist (the default).
	BuildMissing BuildPolicy = iota
	// BuildAlways rebuilds every service that has a build section (--build).
	BuildAlways
	// BuildNever builds nothing (--no-build).
	BuildNever
)

// UpOptions are the options of `up` and `watch`.
type UpOptions struct {
	Project *types.Project
	Intent  *transform.Intent
	// Services are the services to run (with what they depend on); none
	// means all.
	Services []string
	Mode     Mode
	// NoWatch turns off the automatic watch of an Attached run; Watch
	// turns it on (up --watch).
	NoWatch, Watch bool
	Build          BuildPolicy
	RemoveOrphans  bool
	Wait           bool
	WaitTimeout    time.Duration
	// Recreate and RecreateDependencies are Compose's recreate policies
	// (api.RecreateDiverged when empty); RenewAnonVolumes is -V.
	Recreate, RecreateDependencies string
	RenewAnonVolumes               bool
	// Timeout stops containers (up -t); nil is Compose's default.
	Timeout               *time.Duration
	QuietPull, QuietBuild bool
	// NoDeps starts the named services without what they depend on.
	NoDeps bool
	// OnExit and ExitCodeFrom end an attached run when a container exits
	// (--abort-on-container-exit/-failure, --exit-code-from).
	OnExit       api.Cascade
	ExitCodeFrom string
	Attach       AttachOptions
	// NoPrune (watch --prune=false) keeps dangling images; NoUp (watch
	// --no-up) watches a project that is up without starting it again.
	NoPrune, NoUp bool
	// Logs receives the project's logs (Attached) or Compose watch's
	// events (Watch).
	Logs api.LogConsumer
	// Status is Telepresence's status asked ahead (AskStatus), if it was;
	// the run asks for it itself otherwise.
	Status *StatusAhead
}

// upRun is one `up`: what it works with, what it did (its journal), and
// the attachments the project runs with.
type upRun struct {
	*Runner
	project string
	opts    UpOptions
	// before is the project as it was on the Docker side when the run began.
	before records.State
	// sessions are the daemons of the connections it uses, by connection
	// name, once connected.
	sessions map[string]*session
	journal  journal
	// started is true once the project has started: ending the run no
	// longer undoes it.
	started bool
	// op is the display's operation of Telepresence's steps; it ends where
	// Compose's begin.
	op *operation
	// attached are the attachments this run made or took over, in order:
	// stopping the project ends them.
	attached []attached
	// status, state and networks are read as the run begins (the status
	// possibly before, while the project loaded), until the steps that
	// need them take them (early.go).
	status   *pending[*telepresence.Status]
	state    *pending[records.State]
	networks *pending[[]engine.Network]
	// subnetsHeld releases the subnets lock while the run holds it
	// (subnets.go).
	subnetsHeld func()
}

// Up runs the project with its attachments. The project is checked before
// Telepresence is asked for anything but its status; on failure Up undoes
// what it did. A dry run says what it would do.
func (r *Runner) Up(ctx context.Context, opts UpOptions) error {
	if r.DryRun && !isDry(r.Telepresence) {
		r = r.dryRun()
	}
	plan, err := transform.NewPlan(opts.Project, opts.Intent)
	if err != nil {
		return err
	}
	selectServices := transform.Select
	if opts.NoDeps {
		selectServices = transform.SelectNamed
	}
	selected, err := selectServices(opts.Project, opts.Intent, opts.Services)
	if err != nil {
		return err
	}
	plan = plan.Only(selected)
	if opts.Mode == Watch && len(plan.Watch) == 0 {
		return ErrNothingToWatch
	}
	r.warn(plan.Warnings...)
	opts.Status = opts.Status.current(r.Locker)
	unlock, err := r.lock(opts.Project.Name)
	if err != nil {
		return err
	}
	defer unlock()
	u := &upRun{Runner: r, project: opts.Project.Name, opts: opts}
	u.op = r.start(ctx, "up")
	err = u.up(ctx, plan, selected)
	u.madeNetworks() // if the run failed before Compose made them: other runs need not wait for the undo
	u.op.done(err == nil)
	if r.DryRun {
		u.journal.clear() // nothing was done
		return err
	}
	// After a failure the journal undoes the run; once the project has
	// started, it holds what ending the run must do.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	uerr := u.journal.undo(cctx)
	if ctx.Err() != nil && (err == nil || errors.Is(err, context.Canceled)) {
		return interrupted(u.started, uerr)
	}
	if uerr != nil {
		if err != nil {
			uerr = fmt.Errorf("while undoing this up: %w", uerr)
		}
		err = errors.Join(err, uerr)
	}
	return err
}

// up is the sequence of steps; each pushes its undo on the journal. The
// images are fetched while Telepresence connects and attaches; a fetch that
// fails stops the run at once, and one that runs when another step fails
// is canceled.
func (u *upRun) up(ctx context.Context, plan *transform.Plan, selected []string) error {
	ectx, cancelEarly := context.WithCancel(ctx)
	defer cancelEarly()
	u.readEarly(ectx)
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	pf := u.startPrefetch(ctx, selected, stop)
	defer pf.stop()
	driver, attachments, err := u.prepare(ctx, plan)
	if cause := context.Cause(ctx); err != nil && cause != nil && !errors.Is(cause, context.Canceled) {
		return errors.Join(cause, ignoreCanceled(err)) // the prefetch failed, and canceled this step
	}
	if err != nil {
		return err
	}
	endWait := u.Trace.Step("wait for the images")
	fetched, err := pf.wait(ctx)
	endWait()
	if err != nil {
		return err
	}
	// The transform comes once the images are there: it may choose the
	// subnets of networks to make, under a lock other runs wait for
	// (subnets.go), which it holds until Compose has made them.
	project, res, err := u.transform(ctx, selected, driver, attachments)
	if err != nil {
		return err
	}
	if project, err = withFetched(project, fetched); err != nil {
		return err
	}
	defer u.Trace.Step("compose: create and start")()
	return u.run(ctx, project, res, len(plan.Watch) > 0)
}

// prepare connects, attaches and maps: it says which volume driver the
// pod's volumes use, and the attachments the handlers run with.
func (u *upRun) prepare(ctx context.Context, plan *transform.Plan) (string, map[string]vocab.Attachment, error) {
	in := u.opts.Intent
	if err := u.connect(ctx, plan); err != nil {
		return "", nil, err
	}
	attachments, err := u.attach(ctx, plan, in.Handlers())
	if err != nil {
		return "", nil, err
	}
	driver, err := u.volumeDriver(ctx, u.opts.Project, in, plan, attachments)
	if err != nil {
		return "", nil, err
	}
	if err := u.setDNS(ctx, plan); err != nil {
		return "", nil, err
	}
	return driver, attachments, nil
}

// transform is the project Compose runs: the user's, with the attachments,
// the daemons and the volume driver in it, narrowed to the selection.
func (u *upRun) transform(ctx context.Context, selected []string, driver string, attachments map[string]vocab.Attachment) (*types.Project, *transform.Result, error) {
	defer u.Trace.Step("transform")()
	rt, err := u.runtime(ctx, u.sessions, driver, attachments, u.before, u.networksToChooseFrom)
	if err != nil {
		return nil, nil, err
	}
	res, err := transform.Apply(u.opts.Project, u.opts.Intent.Only(selected), rt)
	if err != nil {
		return nil, nil, err
	}
	u.warn(res.Warnings...)
	project, err := narrowed(res.Project, selected)
	if err == nil {
		project, err = withBuildPolicy(project, u.opts)
	}
	return project, res, err
}

// narrowed is the transformed project narrowed to the selection (its
// dependencies are rewired already), as `docker compose up SERVICE...`
// runs it; none selected is every service.
func narrowed(p *types.Project, selected []string) (*types.Project, error) {
	p, err := p.WithSelectedServices(selected)
	if err != nil {
		return nil, err
	}
	return withoutUnusedTeleroute(p), nil
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
	always := opts.Build == BuildAlways
	if !always && (opts.Mode != Watch || opts.Build == BuildNever) {
		return project, nil
	}
	return project.WithServicesTransform(func(_ string, s types.ServiceConfig) (types.ServiceConfig, error) {
		if s.Build != nil && (always || s.Develop != nil) {
			s.PullPolicy = types.PullPolicyBuild
		}
		return s, nil
	})
}

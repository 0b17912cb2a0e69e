package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/internal/lock"
	"github.com/telepresenceio/docker-telepresence/internal/trace"
	"github.com/telepresenceio/docker-telepresence/lifecycle/engine"
	"github.com/telepresenceio/docker-telepresence/telepresence"
)

// Compose is the part of the Compose SDK (api.Compose) the plugin drives.
type Compose interface {
	Create(ctx context.Context, project *types.Project, options api.CreateOptions) error
	Up(ctx context.Context, project *types.Project, options api.UpOptions) error
	Stop(ctx context.Context, projectName string, options api.StopOptions) error
	Down(ctx context.Context, projectName string, options api.DownOptions) error
	Watch(ctx context.Context, project *types.Project, options api.WatchOptions) error
	Restart(ctx context.Context, projectName string, options api.RestartOptions) error
	RunOneOffContainer(ctx context.Context, project *types.Project, options api.RunOptions) (int, error)
	Scale(ctx context.Context, project *types.Project, options api.ScaleOptions) error
	Build(ctx context.Context, project *types.Project, options api.BuildOptions) error
	Pull(ctx context.Context, project *types.Project, options api.PullOptions) error
}

// cleanupTimeout bounds the undo work done after a failure or a signal.
const cleanupTimeout = 2 * time.Minute

// Runner drives one project: the seams tests replace (Compose, the engine,
// Telepresence), and its Settings.
type Runner struct {
	Compose      Compose
	Engine       engine.Engine
	Telepresence telepresence.Client
	Settings

	// errMu keeps the lines of concurrent steps whole.
	errMu sync.Mutex
}

// Settings are how a Runner works; a dry run's Runner has a copy.
type Settings struct {
	// Err receives notes and warnings (and the steps, without Events).
	Err io.Writer
	// Events is Compose's progress display, where the steps are shown.
	Events api.EventProcessor
	// VolumeDriver overrides the Telemount plugin. It is used as it is (a
	// managed plugin or a legacy plugin socket) and never installed.
	VolumeDriver string
	// EngineName says which engine errors are about: Docker context and host.
	EngineName string
	// DaemonCheck is how often an attached up checks that the Telepresence
	// daemon container still runs (default 2s).
	DaemonCheck time.Duration
	// Locker serialises runs of one project; nil means no locking.
	Locker lock.Locker
	// DNSLockWait bounds the wait for another run that changes the same
	// daemon's DNS mappings (default a minute).
	DNSLockWait time.Duration
	// DryRun says what a run would change instead of changing it; Compose
	// must be given a dry-run backend (compose.WithDryRun).
	DryRun bool
	// BuildProgress is the builder's progress output of the images built
	// while Telepresence attaches (Compose's BuildOptions.Progress), and
	// CaptureBuild keeps that output off the terminal, which the progress
	// display holds then: a failed build quotes its end instead.
	BuildProgress string
	CaptureBuild  bool
	// Trace times the steps, when the user asks where the time goes; nil
	// times nothing.
	Trace *trace.Trace
}

func (r *Runner) printf(format string, args ...any) {
	if r.Err != nil {
		r.errMu.Lock()
		defer r.errMu.Unlock()
		fmt.Fprintf(r.Err, format+"\n", args...)
	}
}

func (r *Runner) warn(warnings ...string) {
	for _, w := range warnings {
		r.printf("WARNING: %s", w)
	}
}

// lock takes the project's lock, if the Runner has a Locker (a dry run
// takes none: it changes nothing).
func (r *Runner) lock(project string) (func(), error) {
	if r.Locker == nil || r.DryRun {
		return func() {}, nil
	}
	return r.Locker.Lock(project)
}

// lockDNS takes the lock of a daemon's DNS mappings, which others hold
// only briefly, waiting for it up to DNSLockWait (a minute by default).
func (r *Runner) lockDNS(ctx context.Context, daemon string) (func(), error) {
	wait := r.DNSLockWait
	if wait <= 0 {
		wait = time.Minute
	}
	if r.Locker == nil || r.DryRun {
		return func() {}, nil
	}
	unlock, err := lock.Wait(ctx, r.Locker, "daemon@"+daemon, wait)
	var busy *lock.BusyError
	if errors.As(err, &busy) {
		return nil, fmt.Errorf("waited %s for the DNS mappings of the Telepresence daemon %s, which another docker telepresence command (pid %s) is changing "+
			"(hint: if that command hangs, stop it, then try again)", wait, daemon, busy.PID)
	}
	return unlock, err
}

// engineError says which engine did not answer and what to check.
func (r *Runner) engineError(err error) error {
	name := "the Docker Engine"
	if r.EngineName != "" {
		name += " (" + r.EngineName + ")"
	}
	return fmt.Errorf("talking to %s: %w (hint: is Docker running? check `docker context ls` and DOCKER_HOST)", name, err)
}

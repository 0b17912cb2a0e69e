package plugin

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/docker/cli/cli/command"
	"github.com/docker/compose/v5/cmd/display"
	"github.com/docker/compose/v5/cmd/prompt"
	"github.com/docker/compose/v5/pkg/api"
	"github.com/docker/compose/v5/pkg/compose"
	"github.com/sirupsen/logrus"

	"github.com/telepresenceio/docker-telepresence/internal/lock"
	"github.com/telepresenceio/docker-telepresence/lifecycle"
	"github.com/telepresenceio/docker-telepresence/lifecycle/engine"
)

// composeBackend is the in-process Compose service and the progress
// display it renders on, which the lifecycle's steps share.
type composeBackend struct {
	api.Compose
	events api.EventProcessor
}

// displayOptions say how Compose's progress display renders a command.
type displayOptions struct {
	// progress is Compose's --progress (COMPOSE_PROGRESS): auto, tty,
	// plain, json or quiet; empty is auto.
	progress string
	detached bool
	dryRun   bool
	// ask has Compose ask the user, as `docker compose rm` does without
	// --force; otherwise every question is answered yes.
	ask bool
}

// progressModes are the values of --progress, as Compose has them.
var progressModes = []string{display.ModeAuto, display.ModeTTY, display.ModePlain, display.ModeJSON, display.ModeQuiet}

// newBackend creates the in-process Compose service, rendering its progress
// on stderr like `docker compose` does; in a dry run, Compose's own dry run
// (it reads the engine and writes nothing), its lines marked as such.
func newBackend(dockerCli command.Cli, d displayOptions) (*composeBackend, error) {
	ep, err := eventProcessor(dockerCli, d)
	if err != nil {
		return nil, err
	}
	answer := compose.AlwaysOkPrompt()
	if d.ask {
		answer = prompt.NewPrompt(dockerCli.In(), dockerCli.Out()).Confirm
	}
	options := []compose.Option{compose.WithEventProcessor(ep), compose.WithPrompt(answer)}
	if d.dryRun {
		options = append(options, compose.WithDryRun)
	}
	backend, err := compose.NewComposeService(dockerCli, options...)
	if err != nil {
		return nil, fmt.Errorf("creating the Compose service: %w", err)
	}
	quietCompose()
	return &composeBackend{Compose: backend, events: ep}, nil
}

// eventProcessor is the progress display --progress asks for, chosen as
// Compose chooses it (cmd/compose/compose.go selectEventProcessor): auto
// is the terminal display when stderr is a terminal, else plain lines. It
// sets Compose's display.Mode too, which its build output follows.
func eventProcessor(dockerCli command.Cli, d displayOptions) (api.EventProcessor, error) {
	mode := d.progress
	if mode == "" || mode == display.ModeAuto {
		mode = display.ModePlain
		if dockerCli.Err().IsTerminal() {
			mode = display.ModeTTY
		}
	}
	var ep api.EventProcessor
	switch mode {
	case display.ModeTTY:
		var opts []display.TermOption
		if d.dryRun {
			opts = append(opts, display.WithDryRun()) // marks its own lines
		}
		ep = display.Full(dockerCli.Err(), dockerCli.Err(), d.detached, opts...)
	case display.ModePlain:
		ep = display.Plain(dockerCli.Err())
	case display.ModeJSON:
		ep = display.JSON(dockerCli.Err())
	case display.ModeQuiet, "none":
		mode, ep = display.ModeQuiet, display.Quiet()
	default:
		return nil, fmt.Errorf("--progress %q: unsupported (hint: use one of %s)", d.progress, strings.Join(progressModes, ", "))
	}
	display.Mode = mode
	if d.dryRun && mode != display.ModeTTY {
		ep = dryRunEvents{ep}
	}
	return &nestedEvents{EventProcessor: ep, terminal: mode == display.ModeTTY}, nil
}

// quietCompose keeps Compose's logrus warnings out of the plugin's output.
// Compose logs them through the global logrus logger, which in a plugin
// writes to stderr as `level=warning msg=...` lines, and some are only
// noise here: the undo of a failed up that had started nothing says
// "Warning: No resource found to remove". The plugin says itself what
// matters to the user; errors still show. The Docker CLI's initialisation
// sets the level (Info, unless --log-level), and so does Compose's dry run
// (compose.WithDryRun initialises a CLI of its own), so this runs once the
// Compose service exists; a level a user chose is kept.
func quietCompose() {
	if logrus.GetLevel() == logrus.InfoLevel {
		logrus.SetLevel(logrus.ErrorLevel)
	}
}

// dryRunEvents marks the lines of Compose's plain display in a dry run, as
// its terminal display marks them (the plain one has no such option).
type dryRunEvents struct{ api.EventProcessor }

func (d dryRunEvents) On(events ...api.Resource) {
	for i := range events {
		events[i].ID = strings.TrimSpace(display.DRYRUN_PREFIX) + " " + events[i].ID
	}
	d.EventProcessor.On(events...)
}

// newRunner wires the lifecycle to Compose, its progress display, the
// Docker API and Telepresence.
func newRunner(dockerCli command.Cli, opts *globalOptions, backend *composeBackend) *lifecycle.Runner {
	return &lifecycle.Runner{
		Compose:      backend,
		Engine:       engine.Docker{Client: dockerCli.Client()},
		Telepresence: opts.telepresenceClient(),
		Settings: lifecycle.Settings{
			Err:           dockerCli.Err(),
			Events:        backend.events,
			VolumeDriver:  opts.volumeDriver,
			EngineName:    engineName(dockerCli),
			DryRun:        opts.dryRun,
			Locker:        lock.FileLocker{Dir: lock.DefaultDir()},
			BuildProgress: prefetchProgress(),
			CaptureBuild:  display.Mode == display.ModeTTY,
			Trace:         opts.trace,
		},
	}
}

// engineName says which engine the Docker CLI talks to, for error messages.
func engineName(dockerCli command.Cli) string {
	return fmt.Sprintf("context %q at %s", dockerCli.CurrentContext(), dockerCli.DockerEndpoint().Host)
}

// withSignals returns a context that is canceled by the first SIGINT or
// SIGTERM, so that the lifecycle can undo its work. A second signal forces
// the exit at once.
func withSignals(ctx context.Context, dockerCli command.Cli) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-ch:
			cancel()
		case <-done:
			return
		}
		select {
		case <-ch:
			fmt.Fprintln(dockerCli.Err(), "Forced exit: run `docker telepresence down` to remove what is left")
			os.Exit(130)
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel()
	}
}

// runnerByName is the runner of a command that finds the project from
// labels (down, status), and the project's name.
func runnerByName(ctx context.Context, dockerCli command.Cli, opts *globalOptions) (*lifecycle.Runner, string, error) {
	backend, err := newBackend(dockerCli, displayOptions{progress: opts.progress, detached: true, dryRun: opts.dryRun})
	if err != nil {
		return nil, "", err
	}
	name, err := opts.projectName(ctx, backend)
	if err != nil {
		return nil, "", err
	}
	return newRunner(dockerCli, opts, backend), name, nil
}

package plugin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/cli/cli"
	"github.com/docker/cli/cli/command"
	"github.com/docker/compose/v5/cmd/formatter"
	"github.com/docker/compose/v5/pkg/api"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/telepresenceio/docker-telepresence/lifecycle"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// intentOptions are the flags that declare intent on the command line.
type intentOptions struct {
	handlers []string
	remotes  []string
}

func (o *intentOptions) addFlags(cmd *cobra.Command, dockerCli command.Cli, project *ProjectOptions) {
	f := cmd.Flags()
	f.StringArrayVar(&o.handlers, "handler", nil, "Make SERVICE[=WORKLOAD][:PORT] an intercept handler (repeatable; wins over x-telepresence)")
	f.StringArrayVar(&o.remotes, "remote", nil, "Make SERVICE[=NAME[.NAMESPACE]] remote (repeatable; wins over x-telepresence)")
	for _, flag := range []string{"handler", "remote"} {
		_ = cmd.RegisterFlagCompletionFunc(flag, completeServiceFlag(dockerCli, project))
	}
}

func (o *intentOptions) flags() transform.Flags {
	return transform.Flags{Handlers: o.handlers, Remotes: o.remotes}
}

// upOptions are the flags of up, watch and create.
type upOptions struct {
	*globalOptions
	intent intentOptions
	create createFlags
	attach attachFlags
	// up's own
	detach, noStart, wait                 bool
	waitTimeout, timeout                  int
	noColor, noLogPrefix, timestamps      bool
	abortOnExit, abortOnFailure           bool
	exitCodeFrom                          string
	noDeps, alwaysRecreateDeps, renewAnon bool
	quietBuild, watch, noWatch            bool
	// watch's own
	noUp, prune bool
	// flags are the command's, to tell which were given.
	flags *pflag.FlagSet
}

func upCommand(dockerCli command.Cli, global *globalOptions) *cobra.Command {
	opts := &upOptions{globalOptions: global}
	cmd := &cobra.Command{
		Use:   "up [OPTIONS] [SERVICE...]",
		Short: "Attach, transform and start the project",
		Long: "Connects Telepresence in docker mode if needed, attaches every service that declares it to its workload\n" +
			"(intercept, replace, wiretap or ingest), and runs the transformed project with Compose. Attached by\n" +
			"default: Ctrl-C stops the containers and ends the attachments. With SERVICE..., runs those services and\n" +
			"what they depend on. Takes the flags of `docker compose up`.",
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runUp(cmd.Context(), dockerCli, opts, args, lifecycle.Attached)
		},
		ValidArgsFunction: completeServiceArgs(dockerCli, &global.ProjectOptions),
	}
	opts.intent.addFlags(cmd, dockerCli, &global.ProjectOptions)
	opts.addUpFlags(cmd.Flags())
	return cmd
}

// addUpFlags adds the flags of `docker compose up`.
func (o *upOptions) addUpFlags(f *pflag.FlagSet) {
	o.flags = f
	o.create.add(f)
	o.attach.add(f)
	f.BoolVarP(&o.detach, "detach", "d", false, "Detached mode: run containers in the background")
	f.BoolVar(&o.noStart, "no-start", false, "Don't start the services after creating them (the attachments are ended)")
	f.BoolVar(&o.wait, "wait", false, "Wait for services to be running|healthy. Implies detached mode")
	f.IntVar(&o.waitTimeout, "wait-timeout", 0, "Maximum duration in seconds to wait for the project to be running|healthy")
	f.IntVarP(&o.timeout, "timeout", "t", 0, "Use this timeout in seconds for container shutdown when attached or when containers are already running")
	f.BoolVar(&o.noColor, "no-color", false, "Produce monochrome output")
	f.BoolVar(&o.noLogPrefix, "no-log-prefix", false, "Don't print prefix in logs")
	f.BoolVar(&o.timestamps, "timestamps", false, "Show timestamps")
	f.BoolVar(&o.abortOnExit, "abort-on-container-exit", false, "Stops all containers if any container was stopped, and ends the attachments. Incompatible with -d")
	f.BoolVar(&o.abortOnFailure, "abort-on-container-failure", false, "Stops all containers if any container exited with failure, and ends the attachments. Incompatible with -d")
	f.StringVar(&o.exitCodeFrom, "exit-code-from", "", "Return the exit code of the selected service container. Implies --abort-on-container-exit")
	f.BoolVar(&o.noDeps, "no-deps", false, "Don't start linked services")
	f.BoolVar(&o.alwaysRecreateDeps, "always-recreate-deps", false, "Recreate dependent containers. Incompatible with --no-recreate")
	f.BoolVarP(&o.renewAnon, "renew-anon-volumes", "V", false, "Recreate anonymous volumes instead of retrieving data from the previous containers")
	f.BoolVar(&o.quietBuild, "quiet-build", false, "Suppress the build output")
	f.BoolVarP(&o.watch, "watch", "w", false, "Watch source code and rebuild/refresh containers when files are updated")
	f.BoolVar(&o.noWatch, "no-watch", false, "Do not start Compose watch for services that declare develop.watch")
}

// validate refuses flags that do not go together, as docker compose up
// does (cmd/compose/up.go validateFlags).
func (o *upOptions) validate(invoked lifecycle.Mode) error {
	detach := o.detach || o.wait
	switch {
	case o.abortOnExit && o.abortOnFailure:
		return errors.New("--abort-on-container-exit and --abort-on-container-failure are incompatible")
	case detach && (o.abortOnExit || o.abortOnFailure || o.exitCodeFrom != ""):
		return errors.New("-d, --wait and --abort-on-container-exit (or -failure, --exit-code-from) are incompatible")
	case o.watch && (detach || o.create.noBuild):
		return errors.New("--watch is incompatible with -d, --wait and --no-build")
	case o.watch && o.noWatch:
		return errors.New("--watch and --no-watch are incompatible")
	case o.alwaysRecreateDeps && o.create.noRecreate:
		return errors.New("--always-recreate-deps and --no-recreate are incompatible")
	case invoked == lifecycle.Attached && o.noStart && (detach || o.watch):
		return errors.New("--no-start is incompatible with -d, --wait and --watch")
	}
	if err := validAttach(o.attach, detach); err != nil {
		return err
	}
	return o.create.validate()
}

// mode is how the project runs, from the command and its flags.
func (o *upOptions) mode(invoked lifecycle.Mode) lifecycle.Mode {
	switch {
	case invoked != lifecycle.Attached:
		return invoked
	case o.noStart:
		return lifecycle.Create
	case o.detach || o.wait:
		return lifecycle.Detached
	}
	return lifecycle.Attached
}

// options are the lifecycle's options of the flags.
func (o *upOptions) options(project *types.Project, intent *transform.Intent, services []string, mode lifecycle.Mode) lifecycle.UpOptions {
	up := lifecycle.UpOptions{
		Project: project, Intent: intent, Services: services, Mode: mode,
		NoWatch: o.noWatch, Watch: o.watch, Build: o.create.buildPolicy(), RemoveOrphans: o.create.removeOrphans,
		Wait: o.wait, WaitTimeout: time.Duration(o.waitTimeout) * time.Second,
		Recreate: o.create.recreate(), RenewAnonVolumes: o.renewAnon, Timeout: optionalTimeout(o.flags, o.timeout),
		QuietPull: o.create.quietPull, QuietBuild: o.quietBuild, NoDeps: o.noDeps,
		ExitCodeFrom: o.exitCodeFrom, Attach: o.attach.options(), NoPrune: !o.prune && mode == lifecycle.Watch, NoUp: o.noUp,
	}
	if o.create.noRecreate {
		up.RecreateDependencies = api.RecreateNever
	}
	if o.alwaysRecreateDeps {
		up.RecreateDependencies = api.RecreateForce
	}
	switch {
	case o.abortOnFailure:
		up.OnExit = api.CascadeFail
	case o.abortOnExit || o.exitCodeFrom != "":
		up.OnExit = api.CascadeStop
	}
	return up
}

func runUp(ctx context.Context, dockerCli command.Cli, opts *upOptions, services []string, invoked lifecycle.Mode) error {
	if err := opts.validate(invoked); err != nil {
		return err
	}
	mode := opts.mode(invoked)
	ctx, stop := withSignals(ctx, dockerCli)
	defer stop()
	backend, err := newBackend(dockerCli, displayOptions{progress: opts.progress, detached: mode != lifecycle.Attached, dryRun: opts.dryRun})
	if err != nil {
		return err
	}
	verb := map[lifecycle.Mode]string{lifecycle.Watch: "watch", lifecycle.Create: "create"}[invoked]
	if verb == "" {
		verb = "up"
	}
	runner := newRunner(dockerCli, opts.globalOptions, backend)
	// Telepresence's status is asked while Compose loads the project, which
	// takes as long.
	status := runner.AskStatus(ctx)
	defer status.Close()
	endLoad := opts.trace.Step("load the project")
	project, intent, err := opts.loadIntent(ctx, backend, opts.intent.flags(), dockerCli.Err(), verb, services...)
	endLoad()
	if err != nil {
		return err
	}
	if project, err = opts.create.apply(project, intent); err != nil {
		return err
	}
	if opts.exitCodeFrom != "" {
		if _, ok := project.Services[opts.exitCodeFrom]; !ok {
			return fmt.Errorf("--exit-code-from %s: no such service in the project", opts.exitCodeFrom)
		}
	}
	up := opts.options(project, intent, services, mode)
	up.Status = status
	up.Logs = formatter.NewLogConsumer(ctx, dockerCli.Out(), dockerCli.Err(), !opts.noColor && dockerCli.Out().IsTerminal(), !opts.noLogPrefix, opts.timestamps)
	err = runner.Up(ctx, up)
	if errors.Is(err, lifecycle.ErrInterrupted) {
		// As `docker compose up` after Ctrl-C: exit 130, saying what became
		// of what the run had done.
		return cli.StatusError{StatusCode: 130, Status: capitalized(err.Error())}
	}
	return locateIntentErrors(err, project)
}

func capitalized(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

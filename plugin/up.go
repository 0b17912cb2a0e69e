package plugin

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/docker/cli/cli"
	"github.com/docker/cli/cli/command"
	"github.com/docker/compose/v5/cmd/formatter"
	"github.com/spf13/cobra"

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

type upOptions struct {
	*globalOptions
	intent        intentOptions
	detach        bool
	build         bool
	noBuild       bool
	removeOrphans bool
	wait          bool
	waitTimeout   int
	noWatch       bool
}

func upCommand(dockerCli command.Cli, global *globalOptions) *cobra.Command {
	opts := &upOptions{globalOptions: global}
	cmd := &cobra.Command{
		Use:   "up [OPTIONS] [SERVICE...]",
		Short: "Intercept, transform and start the project",
		Long: "Connects Telepresence in docker mode if needed, creates an intercept for every interceptHandler service,\n" +
			"and runs the transformed project with Compose. Attached by default: Ctrl-C stops the containers and\n" +
			"leaves the intercepts. With SERVICE..., runs those services and what they depend on.",
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runUp(cmd.Context(), dockerCli, opts, args, false)
		},
		ValidArgsFunction: completeServiceArgs(dockerCli, &global.ProjectOptions),
	}
	f := cmd.Flags()
	opts.intent.addFlags(cmd, dockerCli, &global.ProjectOptions)
	f.BoolVarP(&opts.detach, "detach", "d", false, "Detached mode: run containers in the background")
	f.BoolVar(&opts.build, "build", false, "Build images before starting containers")
	f.BoolVar(&opts.noBuild, "no-build", false, "Don't build an image, even if it's policy")
	f.BoolVar(&opts.removeOrphans, "remove-orphans", false, "Remove containers for services not defined in the Compose file")
	f.BoolVar(&opts.wait, "wait", false, "Wait for services to be running|healthy. Implies detached mode")
	f.IntVar(&opts.waitTimeout, "wait-timeout", 0, "Maximum duration in seconds to wait for the project to be running|healthy")
	f.BoolVar(&opts.noWatch, "no-watch", false, "Do not start Compose watch for services that declare develop.watch")
	cmd.MarkFlagsMutuallyExclusive("build", "no-build")
	return cmd
}

func watchCommand(dockerCli command.Cli, global *globalOptions) *cobra.Command {
	opts := &upOptions{globalOptions: global}
	cmd := &cobra.Command{
		Use:   "watch [OPTIONS] [SERVICE...]",
		Short: "Like up, then watch the build context and sync or rebuild on changes",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runUp(cmd.Context(), dockerCli, opts, args, true)
		},
		ValidArgsFunction: completeServiceArgs(dockerCli, &global.ProjectOptions),
	}
	f := cmd.Flags()
	opts.intent.addFlags(cmd, dockerCli, &global.ProjectOptions)
	f.BoolVar(&opts.noBuild, "no-build", false, "Don't build an image, even if it's policy")
	f.BoolVar(&opts.removeOrphans, "remove-orphans", false, "Remove containers for services not defined in the Compose file")
	return cmd
}

func (o *upOptions) mode(detach, watch bool) lifecycle.Mode {
	switch {
	case watch:
		return lifecycle.Watch
	case detach:
		return lifecycle.Detached
	}
	return lifecycle.Attached
}

func (o *upOptions) buildPolicy() lifecycle.BuildPolicy {
	switch {
	case o.noBuild:
		return lifecycle.BuildNever
	case o.build:
		return lifecycle.BuildAlways
	}
	return lifecycle.BuildMissing
}

func runUp(ctx context.Context, dockerCli command.Cli, opts *upOptions, services []string, watch bool) error {
	ctx, stop := withSignals(ctx, dockerCli)
	defer stop()
	detach := opts.detach || opts.wait
	backend, err := newBackend(dockerCli, detach)
	if err != nil {
		return err
	}
	project, intent, err := opts.loadIntent(ctx, backend, opts.intent.flags())
	if err != nil {
		return err
	}
	up := lifecycle.UpOptions{
		Project:       project,
		Intent:        intent,
		Services:      services,
		Mode:          opts.mode(detach, watch),
		NoWatch:       opts.noWatch,
		Build:         opts.buildPolicy(),
		RemoveOrphans: opts.removeOrphans,
		Wait:          opts.wait,
		WaitTimeout:   time.Duration(opts.waitTimeout) * time.Second,
		Logs:          formatter.NewLogConsumer(ctx, dockerCli.Out(), dockerCli.Err(), dockerCli.Out().IsTerminal(), true, false),
	}
	err = newRunner(dockerCli, opts.globalOptions, backend).Up(ctx, up)
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

// Package plugin holds the cobra commands of `docker telepresence`. They are
// thin: they read flags, load the project and call the lifecycle package.
package plugin

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/docker/cli/cli-plugins/plugin"
	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"

	"github.com/telepresenceio/docker-telepresence/internal/trace"
	"github.com/telepresenceio/docker-telepresence/metadata"
	"github.com/telepresenceio/docker-telepresence/telepresence"
)

// Environment variables that configure the plugin.
const (
	EnvVolumeDriver = "DOCKER_TELEPRESENCE_VOLUME_DRIVER"
	EnvBinary       = "DOCKER_TELEPRESENCE_BINARY"
	EnvTimeout      = "DOCKER_TELEPRESENCE_TIMEOUT"
	// EnvTrace, set to anything, writes the time of each step on stderr.
	EnvTrace = "DOCKER_TELEPRESENCE_TRACE"
)

// globalOptions are the flags every command has.
type globalOptions struct {
	ProjectOptions
	telepresenceBinary  string
	telepresenceTimeout time.Duration
	volumeDriver        string
	// dryRun is Compose's --dry-run: say what would change, change nothing.
	dryRun bool
	// progress is Compose's --progress: how its progress display renders.
	progress string
	// envErr is a bad value in the environment (DOCKER_TELEPRESENCE_TIMEOUT).
	envErr error
	// trace times the steps (DOCKER_TELEPRESENCE_TRACE); nil times nothing.
	trace *trace.Trace
}

// RootCommand returns the `telepresence` command that the Docker CLI runs as
// `docker telepresence`.
func RootCommand(dockerCli command.Cli) *cobra.Command {
	return rootCommand(dockerCli, traceFromEnv(dockerCli.Err()))
}

// traceFromEnv is the trace DOCKER_TELEPRESENCE_TRACE asks for, on stderr;
// nil when it is not set.
func traceFromEnv(stderr io.Writer) *trace.Trace {
	if os.Getenv(EnvTrace) == "" {
		return nil
	}
	return trace.New(stderr)
}

func rootCommand(dockerCli command.Cli, tr *trace.Trace) *cobra.Command {
	opts := &globalOptions{trace: tr}
	cmd := &cobra.Command{
		Use:              metadata.PluginName + " [OPTIONS] COMMAND",
		Short:            metadata.ShortDescription,
		SilenceUsage:     true,
		SilenceErrors:    true,
		Args:             cobra.ArbitraryArgs,
		TraverseChildren: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			opts.trace.Mark("command line read")
			if err := opts.checkEnv(cmd); err != nil {
				return err
			}
			// The plugin's own pre-run initialises the Docker CLI and client.
			return plugin.PersistentPreRunE(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return unknownCommand(args[0])
			}
			return cmd.Help()
		},
	}
	// The project flags are the root's own, as Compose's are: they come
	// before the command (docker telepresence -f a.yaml -p x logs -f), so
	// that a command's own -f (logs --follow, rm --force) or -p (run
	// --publish, commit --pause) means what it means in Compose.
	opts.addFlags(cmd.Flags())
	registerProjectFlagCompletion(cmd, dockerCli, &opts.ProjectOptions)
	flags := cmd.PersistentFlags()
	flags.StringVar(&opts.telepresenceBinary, "telepresence", envOr(EnvBinary, "telepresence"),
		"Telepresence binary to run (env "+EnvBinary+")")
	timeout, timeoutErr := envDuration(EnvTimeout, telepresence.DefaultTimeout)
	opts.envErr = timeoutErr
	flags.DurationVar(&opts.telepresenceTimeout, "telepresence-timeout", timeout,
		"Time limit of each telepresence command (env "+EnvTimeout+")")
	flags.BoolVar(&opts.dryRun, "dry-run", false, "Execute command in dry run mode")
	flags.StringVar(&opts.progress, "progress", os.Getenv("COMPOSE_PROGRESS"),
		"Set type of progress output ("+strings.Join(progressModes, ", ")+")")
	_ = cmd.RegisterFlagCompletionFunc("progress", cobra.FixedCompletions(progressModes, cobra.ShellCompDirectiveNoFileComp))
	flags.StringVar(&opts.volumeDriver, "volume-driver", os.Getenv(EnvVolumeDriver),
		"Volume driver for the pod's volumes, used as is instead of the Telemount plugin (env "+EnvVolumeDriver+")")

	tree := composeTree(dockerCli)
	for _, v := range composeVerbs {
		cmd.AddCommand(verbCommand(dockerCli, opts, tree, v))
	}
	for _, own := range []*cobra.Command{
		upCommand(dockerCli, opts),
		watchCommand(dockerCli, opts),
		createCommand(dockerCli, opts),
		stopCommand(dockerCli, opts),
		downCommand(dockerCli, opts),
		configCommand(dockerCli, opts),
		statusCommand(dockerCli, opts),
		versionCommand(dockerCli),
	} {
		explainNotApplicable(own)
		cmd.AddCommand(own)
	}
	return cmd
}

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}

// envDuration reads a duration from the environment; unset is the
// fallback, a value that is not a positive duration an error.
func envDuration(key string, fallback time.Duration) (time.Duration, error) {
	v := strings.TrimSpace(os.Getenv(key))
	if v == "" {
		return fallback, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return fallback, fmt.Errorf("%s=%q is not a positive duration (hint: write it like 90s or 5m, or unset it for the default %s)", key, v, fallback)
	}
	return d, nil
}

// checkEnv refuses a bad environment setting, unless its flag overrides it.
func (o *globalOptions) checkEnv(cmd *cobra.Command) error {
	if f := cmd.Flag("telepresence-timeout"); o.envErr != nil && (f == nil || !f.Changed) {
		return o.envErr
	}
	return nil
}

func (o *globalOptions) telepresenceClient() *telepresence.CLI {
	return &telepresence.CLI{Binary: o.telepresenceBinary, Timeout: o.telepresenceTimeout}
}

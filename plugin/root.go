// Package plugin holds the cobra commands of `docker telepresence`. They are
// thin: they read flags, load the project and call the lifecycle package.
package plugin

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/docker/cli/cli-plugins/plugin"
	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"

	"github.com/telepresenceio/docker-telepresence/metadata"
	"github.com/telepresenceio/docker-telepresence/telepresence"
)

// Environment variables that configure the plugin.
const (
	EnvVolumeDriver = "DOCKER_TELEPRESENCE_VOLUME_DRIVER"
	EnvBinary       = "DOCKER_TELEPRESENCE_BINARY"
	EnvTimeout      = "DOCKER_TELEPRESENCE_TIMEOUT"
)

// globalOptions are the flags every command has.
type globalOptions struct {
	ProjectOptions
	telepresenceBinary  string
	telepresenceTimeout time.Duration
	volumeDriver        string
}

// RootCommand returns the `telepresence` command that the Docker CLI runs as
// `docker telepresence`.
func RootCommand(dockerCli command.Cli) *cobra.Command {
	opts := &globalOptions{}
	cmd := &cobra.Command{
		Use:           metadata.PluginName,
		Short:         metadata.ShortDescription,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.ArbitraryArgs,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			// The plugin's own pre-run initialises the Docker CLI and client.
			return plugin.PersistentPreRunE(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unknown command %q for \"docker %s\"\nRun 'docker %s --help' for usage", args[0], metadata.PluginName, metadata.PluginName)
			}
			return cmd.Help()
		},
	}
	flags := cmd.PersistentFlags()
	opts.ProjectOptions.addFlags(flags)
	flags.StringVar(&opts.telepresenceBinary, "telepresence", envOr(EnvBinary, "telepresence"),
		"Telepresence binary to run (env "+EnvBinary+")")
	flags.DurationVar(&opts.telepresenceTimeout, "telepresence-timeout", envDuration(EnvTimeout, telepresence.DefaultTimeout),
		"Time limit of each telepresence command (env "+EnvTimeout+")")
	flags.StringVar(&opts.volumeDriver, "volume-driver", os.Getenv(EnvVolumeDriver),
		"Volume driver for the pod's volumes, used as is instead of the Telemount plugin (env "+EnvVolumeDriver+")")

	cmd.AddCommand(
		upCommand(dockerCli, opts),
		watchCommand(dockerCli, opts),
		downCommand(dockerCli, opts),
		configCommand(dockerCli, opts),
	)
	return cmd
}

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}

func envDuration(key string, fallback time.Duration) time.Duration {
	if d, err := time.ParseDuration(strings.TrimSpace(os.Getenv(key))); err == nil && d > 0 {
		return d
	}
	return fallback
}

func (o *globalOptions) telepresenceClient() *telepresence.CLI {
	return &telepresence.CLI{Binary: o.telepresenceBinary, Timeout: o.telepresenceTimeout}
}

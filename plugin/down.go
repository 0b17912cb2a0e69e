package plugin

import (
	"context"
	"fmt"

	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"

	"github.com/telepresenceio/docker-telepresence/lifecycle"
)

type downOptions struct {
	*globalOptions
	volumes       bool
	removeOrphans bool
	rmi           string
	timeout       int
}

func downCommand(dockerCli command.Cli, global *globalOptions) *cobra.Command {
	opts := &downOptions{globalOptions: global}
	cmd := &cobra.Command{
		Use:   "down [OPTIONS]",
		Short: "Stop and remove the project, leave its intercepts and remove its Telemount volumes",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDown(cmd.Context(), dockerCli, cmd, opts)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&opts.volumes, "volumes", "v", false, "Remove named volumes declared in the volumes section and anonymous volumes")
	f.BoolVar(&opts.removeOrphans, "remove-orphans", false, "Remove containers for services not defined in the Compose file")
	f.StringVar(&opts.rmi, "rmi", "", `Remove images used by services. "local" remove only images that don't have a custom tag ("local"|"all")`)
	f.IntVarP(&opts.timeout, "timeout", "t", 0, "Specify a shutdown timeout in seconds")
	return cmd
}

func runDown(ctx context.Context, dockerCli command.Cli, cmd *cobra.Command, opts *downOptions) error {
	if opts.rmi != "" && opts.rmi != "local" && opts.rmi != "all" {
		return fmt.Errorf("--rmi %q: invalid value (hint: use local or all)", opts.rmi)
	}
	backend, err := newBackend(dockerCli, displayOptions{progress: opts.progress, detached: true, dryRun: opts.dryRun})
	if err != nil {
		return err
	}
	t, err := opts.target(ctx, backend)
	if err != nil {
		return err
	}
	return newRunner(dockerCli, opts.globalOptions, backend).Down(context.WithoutCancel(ctx), lifecycle.DownOptions{
		ProjectName: t.name, Project: t.local, Volumes: opts.volumes, RemoveOrphans: opts.removeOrphans, Images: opts.rmi,
		Timeout: optionalTimeout(cmd.Flags(), opts.timeout),
	})
}

package plugin

import (
	"context"

	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"

	"github.com/telepresenceio/docker-telepresence/lifecycle"
)

type downOptions struct {
	*globalOptions
	volumes       bool
	removeOrphans bool
}

func downCommand(dockerCli command.Cli, global *globalOptions) *cobra.Command {
	opts := &downOptions{globalOptions: global}
	cmd := &cobra.Command{
		Use:   "down [OPTIONS]",
		Short: "Stop and remove the project, leave its intercepts and remove its Telemount volumes",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDown(cmd.Context(), dockerCli, opts)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&opts.volumes, "volumes", "v", false, "Remove named volumes declared in the volumes section and anonymous volumes")
	f.BoolVar(&opts.removeOrphans, "remove-orphans", false, "Remove containers for services not defined in the Compose file")
	return cmd
}

func runDown(ctx context.Context, dockerCli command.Cli, opts *downOptions) error {
	runner, name, err := runnerByName(ctx, dockerCli, opts.globalOptions)
	if err != nil {
		return err
	}
	return runner.Down(context.WithoutCancel(ctx), lifecycle.DownOptions{
		ProjectName: name, Volumes: opts.volumes, RemoveOrphans: opts.removeOrphans,
	})
}

// runnerByName is the runner of a command that finds the project from
// labels (down, status), and the project's name.
func runnerByName(ctx context.Context, dockerCli command.Cli, opts *globalOptions) (*lifecycle.Runner, string, error) {
	backend, err := newBackend(dockerCli, true)
	if err != nil {
		return nil, "", err
	}
	name, err := opts.projectName(ctx, backend)
	if err != nil {
		return nil, "", err
	}
	return newRunner(dockerCli, opts, backend), name, nil
}

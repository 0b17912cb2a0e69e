package plugin

import (
	"context"

	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"

	"github.com/telepresenceio/docker-telepresence/lifecycle"
)

type stopOptions struct {
	*globalOptions
	timeout int
}

func stopCommand(dockerCli command.Cli, global *globalOptions) *cobra.Command {
	opts := &stopOptions{globalOptions: global}
	cmd := &cobra.Command{
		Use:   "stop [OPTIONS] [SERVICE...]",
		Short: "Stop the project's containers and end their attachments; Telepresence stays connected",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			runner, name, err := runnerByName(cmd.Context(), dockerCli, opts.globalOptions)
			if err != nil {
				return err
			}
			return runner.Stop(context.WithoutCancel(cmd.Context()), lifecycle.StopOptions{
				ProjectName: name, Services: args, Timeout: optionalTimeout(cmd.Flags(), opts.timeout),
			})
		},
		ValidArgsFunction: completeServiceArgs(dockerCli, &global.ProjectOptions),
	}
	cmd.Flags().IntVarP(&opts.timeout, "timeout", "t", 0, "Specify a shutdown timeout in seconds")
	return cmd
}

package plugin

import (
	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/telepresenceio/docker-telepresence/lifecycle"
)

func createCommand(dockerCli command.Cli, global *globalOptions) *cobra.Command {
	opts := &upOptions{globalOptions: global}
	cmd := &cobra.Command{
		Use:   "create [OPTIONS] [SERVICE...]",
		Short: "Create the containers for the project, with their attachments' environment and volumes, then end the attachments",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runUp(cmd.Context(), dockerCli, opts, args, lifecycle.Create)
		},
		ValidArgsFunction: completeServiceArgs(dockerCli, &global.ProjectOptions),
	}
	opts.intent.addFlags(cmd, dockerCli, &global.ProjectOptions)
	opts.addCreateFlags(cmd.Flags())
	return cmd
}

// addCreateFlags adds the flags of `docker compose create`.
func (o *upOptions) addCreateFlags(f *pflag.FlagSet) {
	o.flags = f
	o.create.add(f)
}

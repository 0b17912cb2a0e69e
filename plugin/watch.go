package plugin

import (
	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/telepresenceio/docker-telepresence/lifecycle"
)

func watchCommand(dockerCli command.Cli, global *globalOptions) *cobra.Command {
	opts := &upOptions{globalOptions: global}
	cmd := &cobra.Command{
		Use:   "watch [OPTIONS] [SERVICE...]",
		Short: "Like up -d, then watch the build context and sync or rebuild on changes",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runUp(cmd.Context(), dockerCli, opts, args, lifecycle.Watch)
		},
		ValidArgsFunction: completeServiceArgs(dockerCli, &global.ProjectOptions),
	}
	opts.intent.addFlags(cmd, dockerCli, &global.ProjectOptions)
	opts.addWatchFlags(cmd.Flags())
	return cmd
}

// addWatchFlags adds the flags of `docker compose watch`.
func (o *upOptions) addWatchFlags(f *pflag.FlagSet) {
	o.flags = f
	f.BoolVar(&o.create.noBuild, "no-build", false, "Don't build an image, even if it's policy")
	f.BoolVar(&o.create.removeOrphans, "remove-orphans", false, "Remove containers for services not defined in the Compose file")
	f.BoolVar(&o.quietBuild, "quiet", false, "hide build output")
	f.BoolVar(&o.prune, "prune", true, "Prune dangling images on rebuild")
	f.BoolVar(&o.noUp, "no-up", false, "Do not build & start services before watching (the project must be up)")
}

package plugin

import (
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"
)

// Shell completion goes through the Docker CLI's `__complete` protocol:
// `docker __complete telepresence up w` runs the plugin's own cobra
// completion. Service names come from the compose files the project flags
// name, as `docker compose` completes them (cmd/compose/completion.go):
// without resolving the environment, so a missing env_file does not stop it.

// serviceNames lists the project's services, disabled ones included.
func serviceNames(cmd *cobra.Command, dockerCli command.Cli, project *ProjectOptions) []string {
	backend, err := newBackend(dockerCli, true)
	if err != nil {
		return nil
	}
	p, err := backend.LoadProject(cmd.Context(), project.loadOptions(cli.WithoutEnvironmentResolution, cli.WithDiscardEnvFile))
	if err != nil {
		return nil
	}
	return append(p.ServiceNames(), p.DisabledServiceNames()...)
}

// completeServiceArgs completes the SERVICE... arguments of up and watch.
func completeServiceArgs(dockerCli command.Cli, project *ProjectOptions) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, s := range serviceNames(cmd, dockerCli, project) {
			if strings.HasPrefix(s, toComplete) && !slices.Contains(args, s) {
				out = append(out, s)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeServiceFlag completes the SERVICE of --handler and --remote.
func completeServiceFlag(dockerCli command.Cli, project *ProjectOptions) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, s := range serviceNames(cmd, dockerCli, project) {
			if strings.HasPrefix(s, toComplete) {
				out = append(out, s)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

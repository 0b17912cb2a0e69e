package plugin

import (
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"

	"github.com/telepresenceio/docker-telepresence/transform"
)

// Shell completion goes through the Docker CLI's `__complete` protocol:
// `docker __complete telepresence up w` runs the plugin's own cobra
// completion. Service names come from the compose files the project flags
// name, as `docker compose` completes them (cmd/compose/completion.go):
// without resolving the environment, so a missing env_file does not stop it.

// serviceNames lists the project's services, disabled ones included, but
// without those its files declare remote when withoutRemote.
func serviceNames(cmd *cobra.Command, dockerCli command.Cli, project *ProjectOptions, withoutRemote bool) []string {
	backend, err := newBackend(dockerCli, true)
	if err != nil {
		return nil
	}
	p, err := backend.LoadProject(cmd.Context(), project.loadOptions(cli.WithoutEnvironmentResolution, cli.WithDiscardEnvFile))
	if err != nil {
		return nil
	}
	names := append(p.ServiceNames(), p.DisabledServiceNames()...)
	if in, err := transform.ParseIntent(p, transform.Flags{}); err == nil && withoutRemote {
		names = slices.DeleteFunc(names, func(s string) bool { return in.Behavior(s) == transform.Remote })
	}
	return names
}

// completeServiceArgs completes the SERVICE... arguments of up and watch:
// services that run locally (a remote one cannot be started).
func completeServiceArgs(dockerCli command.Cli, project *ProjectOptions) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, s := range serviceNames(cmd, dockerCli, project, true) {
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
		for _, s := range serviceNames(cmd, dockerCli, project, false) {
			if strings.HasPrefix(s, toComplete) {
				out = append(out, s)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

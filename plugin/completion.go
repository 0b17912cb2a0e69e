package plugin

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/cli/cli/command"
	"github.com/docker/compose/v5/pkg/api"
	"github.com/moby/moby/client"
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
	p, err := loadForCompletion(cmd, dockerCli, project)
	if err != nil {
		return nil
	}
	names := append(p.ServiceNames(), p.DisabledServiceNames()...)
	if in, err := transform.ParseIntent(p, transform.Flags{}); err == nil && withoutRemote {
		names = slices.DeleteFunc(names, func(s string) bool { return in.Behavior(s) == transform.Remote })
	}
	return names
}

// loadForCompletion loads the project the flags name, without resolving
// its environment.
func loadForCompletion(cmd *cobra.Command, dockerCli command.Cli, project *ProjectOptions) (*types.Project, error) {
	backend, err := newBackend(dockerCli, displayOptions{detached: true})
	if err != nil {
		return nil, err
	}
	return backend.LoadProject(cmd.Context(), project.loadOptions(cli.WithoutEnvironmentResolution, cli.WithDiscardEnvFile))
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

// registerProjectFlagCompletion completes the project flags as `docker
// compose` does (cmd/compose/compose.go): compose files for -f,
// directories for --project-directory, and the projects the engine knows
// for -p, the profiles the services name for --profile. The plugin
// framework turns file completion off by default, so --env-file asks for
// it too.
func registerProjectFlagCompletion(cmd *cobra.Command, dockerCli command.Cli, project *ProjectOptions) {
	_ = cmd.RegisterFlagCompletionFunc("file", cobra.FixedCompletions([]string{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt))
	_ = cmd.RegisterFlagCompletionFunc("env-file", cobra.FixedCompletions(nil, cobra.ShellCompDirectiveDefault))
	_ = cmd.RegisterFlagCompletionFunc("project-directory", cobra.FixedCompletions(nil, cobra.ShellCompDirectiveFilterDirs))
	_ = cmd.RegisterFlagCompletionFunc("project-name", completeProjectNames(dockerCli))
	_ = cmd.RegisterFlagCompletionFunc("profile", completeProfiles(dockerCli, project))
}

// completeProfiles lists the profiles the project's services name, as
// Compose completes --profile (cmd/compose/completion.go).
func completeProfiles(dockerCli command.Cli, project *ProjectOptions) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		p, err := loadForCompletion(cmd, dockerCli, project)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		profiles := p.AllServices().GetProfiles()
		slices.Sort(profiles)
		return slices.DeleteFunc(profiles, func(n string) bool { return !strings.HasPrefix(n, toComplete) }), cobra.ShellCompDirectiveNoFileComp
	}
}

// completeProjectNames lists the projects the engine has containers or
// volumes of (down and status need nothing more than the name), from
// Compose's project label, through the Docker CLI's client.
func completeProjectNames(dockerCli command.Cli) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Second)
		defer cancel()
		names := projectNames(ctx, dockerCli.Client())
		return slices.DeleteFunc(names, func(n string) bool { return !strings.HasPrefix(n, toComplete) }), cobra.ShellCompDirectiveNoFileComp
	}
}

// projectNames are the values of the project label on the engine's
// containers (stopped ones too) and volumes, sorted.
func projectNames(ctx context.Context, c client.APIClient) []string {
	var names []string
	filter := make(client.Filters).Add("label", api.ProjectLabel)
	if res, err := c.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: filter}); err == nil {
		for _, ctr := range res.Items {
			names = append(names, ctr.Labels[api.ProjectLabel])
		}
	}
	if res, err := c.VolumeList(ctx, client.VolumeListOptions{Filters: filter}); err == nil {
		for _, v := range res.Items {
			names = append(names, v.Labels[api.ProjectLabel])
		}
	}
	slices.Sort(names)
	return slices.DeleteFunc(slices.Compact(names), func(n string) bool { return n == "" })
}

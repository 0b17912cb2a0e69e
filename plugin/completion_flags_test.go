package plugin

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/docker/cli/cli/command"
	"github.com/docker/compose/v5/pkg/api"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/volume"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"

	"github.com/telepresenceio/docker-telepresence/metadata"
)

// engineWith is an engine that has these containers and volumes; nothing
// else of it is used by completion.
type engineWith struct {
	client.APIClient
	containers []container.Summary
	volumes    []volume.Volume
}

func (engineWith) Ping(context.Context, client.PingOptions) (client.PingResult, error) {
	return client.PingResult{}, errors.New("not a real engine")
}

func (e engineWith) ContainerList(_ context.Context, opts client.ContainerListOptions) (client.ContainerListResult, error) {
	if !opts.All {
		return client.ContainerListResult{}, errors.New("stopped containers are left out")
	}
	return client.ContainerListResult{Items: e.containers}, nil
}

func (e engineWith) VolumeList(context.Context, client.VolumeListOptions) (client.VolumeListResult, error) {
	return client.VolumeListResult{Items: e.volumes}, nil
}

// completeThroughThePlugin runs `docker __complete telepresence ARGS...`
// as the Docker CLI hands it to the plugin, through the plugin framework
// (which initialises the Docker CLI, and turns file completion off unless
// a flag asks for it), and returns the candidates and the directive, which
// tells the shell whether to complete files.
func completeThroughThePlugin(t *testing.T, opts []command.CLIOption, args ...string) ([]string, cobra.ShellCompDirective) {
	t.Helper()
	stdout, stderr, status := runPluginWith(t, opts, append([]string{"__complete", metadata.PluginName}, args...)...)
	if status != 0 {
		t.Fatalf("__complete %q: status %d: %s", args, status, stderr)
	}
	var got []string
	directive := -1
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		switch {
		case strings.HasPrefix(line, ":"):
			directive, _ = strconv.Atoi(line[1:])
		case line != "":
			got = append(got, strings.SplitN(line, "\t", 2)[0])
		}
	}
	return got, cobra.ShellCompDirective(directive)
}

// The project flags complete as `docker compose`'s do: compose files,
// env files, directories, and the projects the engine knows. (The plugin
// framework turns file completion off unless a flag asks for it.)
func TestProjectFlagsComplete(t *testing.T) {
	labels := func(project string) map[string]string { return map[string]string{api.ProjectLabel: project} }
	engine := []command.CLIOption{command.WithAPIClient(engineWith{
		containers: []container.Summary{{Labels: labels("shop")}, {Labels: labels("shop")}, {Labels: labels("blog")}, {Labels: map[string]string{}}},
		volumes:    []volume.Volume{{Labels: labels("shopping")}, {Labels: labels("data-only")}},
	})}
	for _, tc := range []struct {
		args      []string
		want      string
		directive cobra.ShellCompDirective
	}{
		{[]string{"-f", ""}, "yaml yml", cobra.ShellCompDirectiveFilterFileExt},
		{[]string{"-p", "x", "--file", "comp"}, "yaml yml", cobra.ShellCompDirectiveFilterFileExt},
		{[]string{"--env-file", ""}, "", cobra.ShellCompDirectiveDefault},
		{[]string{"-p", "x", "--env-file", "."}, "", cobra.ShellCompDirectiveDefault},
		{[]string{"--project-directory", ""}, "", cobra.ShellCompDirectiveFilterDirs},
		{[]string{"-p", ""}, "blog data-only shop shopping", cobra.ShellCompDirectiveNoFileComp},
		{[]string{"-f", "a.yaml", "-p", "sh"}, "shop shopping", cobra.ShellCompDirectiveNoFileComp},
		{[]string{"--project-name", "b"}, "blog", cobra.ShellCompDirectiveNoFileComp},
		{[]string{"version", "--format", ""}, "pretty json", cobra.ShellCompDirectiveNoFileComp},
	} {
		got, directive := completeThroughThePlugin(t, engine, tc.args...)
		if strings.Join(got, " ") != tc.want || directive != tc.directive {
			t.Errorf("%q: %q, directive %d; want %q, directive %d", tc.args, got, directive, tc.want, tc.directive)
		}
	}
}

package plugin

import (
	"bytes"
	"context"
	"fmt"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"
)

type configOptions struct {
	*globalOptions
	intent  intentOptions
	format  string
	showEnv bool
}

func configCommand(dockerCli command.Cli, global *globalOptions) *cobra.Command {
	opts := &configOptions{globalOptions: global}
	cmd := &cobra.Command{
		Use:   "config [OPTIONS]",
		Short: "Print the transformed project without starting anything",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runConfig(cmd.Context(), dockerCli, opts)
		},
	}
	f := cmd.Flags()
	opts.intent.addFlags(cmd, dockerCli, &global.ProjectOptions)
	f.StringVar(&opts.format, "format", "yaml", "Format the output: yaml or json")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"yaml", "json"}, cobra.ShellCompDirectiveNoFileComp))
	f.BoolVar(&opts.showEnv, "show-env", false, "Show the pod environment of running handlers instead of masking it")
	return cmd
}

func runConfig(ctx context.Context, dockerCli command.Cli, opts *configOptions) error {
	if opts.format != "yaml" && opts.format != "json" {
		return fmt.Errorf("--format %q: unsupported (hint: use yaml or json)", opts.format)
	}
	backend, err := newBackend(dockerCli, true)
	if err != nil {
		return err
	}
	project, intent, err := opts.loadIntent(ctx, backend, opts.intent.flags())
	if err != nil {
		return err
	}
	res, err := newRunner(dockerCli, opts.globalOptions, backend).Config(ctx, project, intent, opts.showEnv)
	if err != nil {
		return locateIntentErrors(err, project)
	}
	out, err := render(res.Project, opts.format)
	if err != nil {
		return err
	}
	_, err = dockerCli.Out().Write(out)
	return err
}

// render prints a project as `docker compose config` does
// (cmd/compose/config.go): env_file merged into environment and dropped,
// and every literal $ written $$, so that the output, loaded again, is the
// project that was printed.
func render(p *types.Project, format string) ([]byte, error) {
	p, err := p.WithServicesEnvironmentResolved(true)
	if err != nil {
		return nil, err
	}
	var out []byte
	if format == "json" {
		out, err = p.MarshalJSON()
	} else {
		out, err = p.MarshalYAML()
	}
	if err != nil {
		return nil, err
	}
	return bytes.ReplaceAll(out, []byte("$"), []byte("$$")), nil
}

package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v4"

	"github.com/telepresenceio/docker-telepresence/lifecycle"
)

type configOptions struct {
	*globalOptions
	intent  intentOptions
	format  string
	showEnv bool
	quiet   bool
	output  string
	list    listOptions
}

func configCommand(dockerCli command.Cli, global *globalOptions) *cobra.Command {
	opts := &configOptions{globalOptions: global}
	cmd := &cobra.Command{
		Use:   "config [OPTIONS] [SERVICE...]",
		Short: "Print the transformed project without starting anything",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, services []string) error {
			return runConfig(cmd.Context(), dockerCli, opts, services)
		},
		ValidArgsFunction: completeServiceArgs(dockerCli, &global.ProjectOptions),
	}
	f := cmd.Flags()
	opts.intent.addFlags(cmd, dockerCli, &global.ProjectOptions)
	f.StringVar(&opts.format, "format", "", "Format the output. Values: [yaml | json]")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"yaml", "json"}, cobra.ShellCompDirectiveNoFileComp))
	f.BoolVar(&opts.showEnv, "show-env", false, "Show the pod environment of running handlers instead of masking it")
	f.BoolVarP(&opts.quiet, "quiet", "q", false, "Only validate the configuration, don't print anything")
	f.StringVarP(&opts.output, "output", "o", "", "Save to file (default to stdout)")
	opts.list.addFlags(f)
	return cmd
}

// runConfig prints the transformed project, narrowed to the services named
// and what they depend on, as `docker compose config` prints a project, or
// one of its lists (configlist.go).
func runConfig(ctx context.Context, dockerCli command.Cli, opts *configOptions, services []string) error {
	if opts.format == "" {
		opts.format = "yaml"
	}
	if opts.format != "yaml" && opts.format != "json" {
		return fmt.Errorf("--format %q: unsupported (hint: use yaml or json)", opts.format)
	}
	backend, err := newBackend(dockerCli, displayOptions{detached: true})
	if err != nil {
		return err
	}
	project, intent, err := opts.loadIntent(ctx, backend, opts.intent.flags(), dockerCli.Err(), "config", services...)
	if err != nil {
		return err
	}
	res, err := newRunner(dockerCli, opts.globalOptions, backend).Config(ctx, project, intent,
		lifecycle.ConfigOptions{ShowEnv: opts.showEnv, Services: services})
	if err != nil {
		return locateIntentErrors(err, project)
	}
	var out []byte
	if opts.list.any() {
		out = opts.list.print(res.Project, project)
	} else {
		out, err = render(res.Project, opts.format)
	}
	switch {
	case err != nil:
		return err
	case opts.quiet:
		return nil
	case opts.output != "":
		// As Compose writes it, unless it holds the pod's environment.
		mode := os.FileMode(0o666)
		if opts.showEnv {
			mode = 0o600
		}
		return os.WriteFile(opts.output, out, mode)
	}
	_, err = dockerCli.Out().Write(out)
	return err
}

// render prints a project as `docker compose config` does
// (docs/commands.md#config): env_file merged into environment and dropped,
// and every literal $ written $$, so that the output, loaded again, is the
// project that was printed. Where compose-go's printing would not read
// back as printed, it is mended (mendForReload). JSON is the YAML document
// converted: it then has the keys of the compose file format everywhere,
// which compose-go's own JSON does not (blkio_config.weight_device prints
// Path and Weight).
func render(p *types.Project, format string) ([]byte, error) {
	p, err := p.WithServicesEnvironmentResolved(true)
	if err != nil {
		return nil, err
	}
	out, err := p.MarshalYAML()
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(out, &doc); err != nil {
		return nil, err
	}
	mendForReload(&doc)
	if format == "json" {
		var v any
		if err = doc.Decode(&v); err == nil {
			out, err = json.MarshalIndent(v, "", "  ")
		}
	} else {
		out, err = yamlText(&doc)
	}
	if err != nil {
		return nil, err
	}
	return bytes.ReplaceAll(out, []byte("$"), []byte("$$")), nil
}

func yamlText(doc *yaml.Node) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}

// mendForReload fixes, in each service's build section, what compose-go
// prints but reads back otherwise: an ssh key is printed "id: path", which
// it refuses (it reads "id=path"), and an empty dockerfile, which it reads
// back as the default, Dockerfile.
func mendForReload(doc *yaml.Node) {
	services := child(child(doc, ""), "services")
	if services == nil {
		return
	}
	for i := 1; i < len(services.Content); i += 2 {
		build := child(services.Content[i], "build")
		if build == nil || build.Kind != yaml.MappingNode {
			continue
		}
		if ssh := child(build, "ssh"); ssh != nil {
			for _, key := range ssh.Content {
				if id, path, ok := strings.Cut(key.Value, ": "); ok {
					key.Value, key.Style = id+"="+path, 0
				}
			}
		}
		if child(build, "dockerfile") == nil && child(build, "dockerfile_inline") == nil {
			build.Content = append(build.Content,
				&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "dockerfile"},
				&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "Dockerfile"})
		}
	}
}

// child is the value of key in a mapping node (the document's content for
// key ""), or nil.
func child(n *yaml.Node, key string) *yaml.Node {
	switch {
	case n == nil:
		return nil
	case n.Kind == yaml.DocumentNode && key == "" && len(n.Content) == 1:
		return n.Content[0]
	case n.Kind != yaml.MappingNode:
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

package plugin

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"

	"github.com/telepresenceio/docker-telepresence/metadata"
)

// versionCommand prints the plugin's version as `docker compose version`
// prints Compose's (cmd/compose/version.go): --short, --format json.
func versionCommand(dockerCli command.Cli) *cobra.Command {
	var format string
	var short bool
	cmd := &cobra.Command{
		Use:   "version [OPTIONS]",
		Short: "Show the docker telepresence version information",
		Args:  cobra.NoArgs,
		// Like Compose's: no Docker client, no engine, no environment check.
		PersistentPreRunE: func(*cobra.Command, []string) error { return nil },
		RunE: func(*cobra.Command, []string) error {
			out := dockerCli.Out()
			switch {
			case short:
				_, err := fmt.Fprintln(out, strings.TrimPrefix(metadata.Version, "v"))
				return err
			case format == "json":
				b, err := json.Marshal(struct {
					Version  string `json:"version"`
					Platform string `json:"platform"`
					Compose  string `json:"compose"`
				}{metadata.Version, metadata.Platform(), metadata.ComposeVersion()})
				if err == nil {
					_, err = fmt.Fprintln(out, string(b))
				}
				return err
			case format == "" || format == "pretty":
				_, err := fmt.Fprintf(out, "Docker Telepresence version %s (%s), with Docker Compose %s\n",
					metadata.Version, metadata.Platform(), metadata.ComposeVersion())
				return err
			}
			return fmt.Errorf("--format %q: unsupported (hint: use pretty or json)", format)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "", "Format the output. Values: [pretty | json]")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"pretty", "json"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.Flags().BoolVar(&short, "short", false, "Shows only the version number")
	return cmd
}

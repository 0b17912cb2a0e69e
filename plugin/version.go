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
					Version string `json:"version"`
				}{metadata.Version})
				if err == nil {
					_, err = fmt.Fprintln(out, string(b))
				}
				return err
			case format == "" || format == "pretty":
				_, err := fmt.Fprintf(out, "Docker Telepresence version %s\n", metadata.Version)
				return err
			}
			return fmt.Errorf("--format %q: unsupported (hint: use pretty or json)", format)
		},
	}
	// No -f shorthand, which Compose has: -f is --file here, on every command.
	cmd.Flags().StringVar(&format, "format", "", "Format the output. Values: [pretty | json]")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"pretty", "json"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.Flags().BoolVar(&short, "short", false, "Shows only the version number")
	return cmd
}

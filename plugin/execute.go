package plugin

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/docker/cli/cli"
	climeta "github.com/docker/cli/cli-plugins/metadata"
	"github.com/docker/cli/cli-plugins/plugin"
	"github.com/docker/cli/cli/command"
	"github.com/docker/cli/cli/debug"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.opentelemetry.io/otel"
)

// Run runs the plugin as the Docker CLI's plugin.Run does, except that a
// bad flag given before the subcommand (`docker telepresence --nope up`)
// is reported as every other bad flag is: with the usage line, and exit
// status 125.
func Run(meta climeta.Metadata) {
	otel.SetErrorHandler(debug.OTELErrorHandler)
	dockerCli, err := command.NewDockerCli()
	if err != nil {
		_, _ = fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(exitStatus(dockerCli.Err(), execute(dockerCli, meta)))
}

// execute runs the command line in os.Args.
func execute(dockerCli *command.DockerCli, meta climeta.Metadata) error {
	tr := traceFromEnv(dockerCli.Err())
	defer tr.Mark("done")
	root := rootCommand(dockerCli, tr)
	return flagError(root, plugin.RunPlugin(dockerCli, root, meta))
}

// flagError gives a bad flag before the subcommand the Docker CLI's
// treatment. The plugin framework's command walks down to the subcommand
// (TraverseChildren), parsing on its way the flags of the commands it
// passes; cobra returns a failure there as it is, without the
// FlagErrorFunc that turns a bad flag anywhere else into a StatusError
// with the usage line and status 125.
func flagError(root *cobra.Command, err error) error {
	var (
		notExist      *pflag.NotExistError
		valueRequired *pflag.ValueRequiredError
		invalidValue  *pflag.InvalidValueError
		invalidSyntax *pflag.InvalidSyntaxError
	)
	if errors.As(err, &notExist) || errors.As(err, &valueRequired) || errors.As(err, &invalidValue) || errors.As(err, &invalidSyntax) {
		return cli.FlagErrorFunc(root, err)
	}
	return err
}

// exitStatus prints the error, as plugin.Run does, and says which status
// to exit with.
func exitStatus(stderr io.Writer, err error) int {
	if err == nil {
		return 0
	}
	// A command that ended with its container's status (exec, run) says
	// nothing more, as Compose's.
	if msg := err.Error(); msg != "" {
		_, _ = fmt.Fprintln(stderr, msg)
	}
	if st, ok := errors.AsType[cli.StatusError](err); ok && st.StatusCode != 0 {
		return st.StatusCode
	}
	return 1
}

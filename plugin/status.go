package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"

	"github.com/telepresenceio/docker-telepresence/lifecycle"
)

type statusOptions struct {
	*globalOptions
	format string
}

func statusCommand(dockerCli command.Cli, global *globalOptions) *cobra.Command {
	opts := &statusOptions{globalOptions: global}
	cmd := &cobra.Command{
		Use:   "status [OPTIONS]",
		Short: "Show the project's Telepresence daemon, intercepts, handlers and remote services",
		Long: "Shows what runs of the project with Telepresence, found as down finds it: from the Docker side\n" +
			"and from Telepresence, so it works from any shell, with or without the compose files (-p).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runStatus(cmd.Context(), dockerCli, opts)
		},
	}
	cmd.Flags().StringVar(&opts.format, "format", "table", "Format the output: table or json")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"table", "json"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runStatus(ctx context.Context, dockerCli command.Cli, opts *statusOptions) error {
	if opts.format != "table" && opts.format != "json" {
		return fmt.Errorf("--format %q: unsupported (hint: use table or json)", opts.format)
	}
	runner, name, err := runnerByName(ctx, dockerCli, opts.globalOptions)
	if err != nil {
		return err
	}
	st, err := runner.Status(ctx, name)
	if err != nil {
		return err
	}
	if opts.format == "json" {
		enc := json.NewEncoder(dockerCli.Out())
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	return writeStatus(dockerCli.Out(), st)
}

// writeStatus prints the status as tables, one per kind of thing.
func writeStatus(out io.Writer, st *lifecycle.ProjectStatus) error {
	if !st.Up {
		_, err := fmt.Fprintf(out, "Project %q is not up: it has no containers, networks, volumes or attachments (hint: check the project name, -p, or run `docker telepresence up`)\n", st.Project)
		return err
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "PROJECT\t%s\n", st.Project)
	switch d := st.Daemon; {
	case d != nil:
		fmt.Fprintf(w, "DAEMON\t%s (Telepresence %s, %s model, context %s, namespace %s)\n", d.Container, d.Version, d.Model, d.Context, d.Namespace)
	case st.Problem != "":
		fmt.Fprintf(w, "DAEMON\tunknown: %s\n", st.Problem)
	default:
		fmt.Fprintf(w, "DAEMON\tnone connected\n")
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "ATTACHMENT\tKIND\tSERVICE\tWORKLOAD\tPORTS\tHTTP FILTERS\tCONNECTION\tSTATE")
	ended := false
	for _, a := range st.Attachments {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.Name, a.Kind, a.Service, orDash(a.Workload), orDash(strings.Join(a.Ports, ",")),
			orDash(strings.Join(slices.Concat(a.HTTPHeaders, a.HTTPPaths), " ")), orDash(a.Connection), a.State)
		ended = ended || a.State == lifecycle.StateEnded
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "HANDLER CONTAINER\tSERVICE\tATTACHMENT\tRUNNING")
	for _, h := range st.Handlers {
		fmt.Fprintf(w, "%s\t%s\t%s\t%v\n", h.Container, h.Service, h.Attachment, h.Running)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "REMOTE SERVICE\tRESOLVES TO")
	for _, r := range st.Remote {
		fmt.Fprintf(w, "%s\t%s\n", r.Service, orDash(r.AliasFor))
	}
	if ended {
		fmt.Fprintln(w, "\nAn ended attachment was left (by Ctrl-C, or in the cluster); `docker telepresence down` removes its record, `up` makes it again.")
	}
	for _, h := range stoppedHandlers(st) {
		fmt.Fprintf(w, "\nThe handler %s of service %s is not running, while its attachment %s is live: what Telepresence sends it finds nobody. "+
			"`docker telepresence up` (or `start %s`) runs it again; `down` ends the attachment.\n", h.Container, h.Service, h.Attachment, h.Service)
	}
	return w.Flush()
}

// stoppedHandlers are the handlers that do not run while their attachment
// is live.
func stoppedHandlers(st *lifecycle.ProjectStatus) []lifecycle.HandlerStatus {
	var out []lifecycle.HandlerStatus
	for _, h := range st.Handlers {
		live := slices.ContainsFunc(st.Attachments, func(a lifecycle.AttachmentStatus) bool {
			return a.Name == h.Attachment && a.State == lifecycle.StateLive
		})
		if !h.Running && live {
			out = append(out, h)
		}
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

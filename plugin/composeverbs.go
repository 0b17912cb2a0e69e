package plugin

import (
	"context"
	"fmt"
	"time"

	"github.com/docker/cli/cli/command"
	commands "github.com/docker/compose/v5/cmd/compose"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/telepresenceio/docker-telepresence/metadata"
)

// Compose's commands, offered on the project as docker telepresence runs it
// (docs/commands.md#composes-other-commands). Each has the use line, the
// help and the flags of Compose's own command, read from Compose's command
// tree in the module go.mod names, so that they are Compose's exactly;
// what runs is ours: Compose's API on the project without its remote
// services, or as `up` ran it.

// composeVerbs are Compose's commands that docker telepresence offers
// besides those it has its own commands for (up, create, watch, stop,
// down, config, version); notOffered says why it offers none of the rest.
var composeVerbs = []verb{
	attachVerb, buildVerb, commitVerb, cpVerb, eventsVerb, execVerb, exportVerb, imagesVerb, killVerb, logsVerb, lsVerb,
	pauseVerb, portVerb, psVerb, pullVerb, pushVerb, restartVerb, rmVerb, runVerb, scaleVerb, startVerb, statsVerb, topVerb,
	unpauseVerb, volumesVerb, waitVerb,
}

// notOffered are Compose's commands docker telepresence does not offer,
// and why (docs/commands.md#composes-other-commands).
var notOffered = map[string]string{
	"publish": "it publishes the compose application to a registry for others to run; the project as docker telepresence runs it names this machine's Telepresence daemon and volumes: publish the compose files with `docker compose publish`",
	"bridge":  "it converts the compose application to Kubernetes manifests: the cluster has the workloads already; use `docker compose bridge`",
	"alpha":   "Compose's experimental commands (viz, generate) read or write compose files, not the project as it runs: use `docker compose alpha`",
}

// unknownCommand says that docker telepresence has no such command: why,
// for one of Compose's it does not offer, and the way round, Compose
// itself on the project as it runs.
func unknownCommand(name string) error {
	hint := fmt.Sprintf("docker compose -p PROJECT %s runs Compose's own on the project as docker telepresence runs it", name)
	if why, ok := notOffered[name]; ok {
		hint = "docker telepresence does not offer it: " + why
	}
	return fmt.Errorf("unknown command %q for \"docker %s\" (hint: %s)\nRun 'docker %s --help' for usage", name, metadata.PluginName, hint, metadata.PluginName)
}

// verb is one of Compose's commands as docker telepresence runs it.
type verb struct {
	name string
	// services tells a command whose arguments are the project's services,
	// which completion offers.
	services bool
	// read reads the command's flags into its options, and returns what
	// runs with them. Every flag of Compose's command is read, or is in
	// notApplicable (TestComposeVerbsReadEveryFlag).
	read func(f *verbFlags) (verbRun, error)
}

// verbRun runs a command with the options its flags gave.
type verbRun func(ctx context.Context, c *verbContext, args []string) error

// verbContext is what a command runs with.
type verbContext struct {
	dockerCli command.Cli
	global    *globalOptions
	cmd       *cobra.Command
}

// composeTree is Compose's command tree, whose commands lend ours their
// use line, help and flags. Each of our trees has its own (a flag records
// what it was given).
func composeTree(dockerCli command.Cli) *cobra.Command {
	return commands.RootCommand(dockerCli, &commands.BackendOptions{})
}

// composeCommand is Compose's own command of that name.
func composeCommand(tree *cobra.Command, name string) *cobra.Command {
	for _, c := range tree.Commands() {
		if c.Name() == name {
			return c
		}
	}
	panic(fmt.Sprintf("Compose has no %q command", name)) // TestComposeVerbsReadEveryFlag checks every name
}

// interspersed are the commands whose flags end at their first argument,
// as Compose's (the command they run has flags of its own).
var interspersed = map[string]bool{"exec": false, "run": false}

// verbCommand is the command of a verb, made from Compose's.
func verbCommand(dockerCli command.Cli, global *globalOptions, tree *cobra.Command, v verb) *cobra.Command {
	theirs := composeCommand(tree, v.name)
	cmd := &cobra.Command{
		Use:     theirs.Use,
		Aliases: theirs.Aliases,
		Short:   theirs.Short,
		Long:    theirs.Long,
		Example: theirs.Example,
		Args:    theirs.Args,
		Hidden:  theirs.Hidden,
	}
	flags := cmd.Flags()
	flags.SetNormalizeFunc(theirs.Flags().GetNormalizeFunc())
	flags.AddFlagSet(theirs.Flags())
	if on, ok := interspersed[v.name]; ok {
		flags.SetInterspersed(on)
	}
	if v.services {
		cmd.ValidArgsFunction = completeServiceArgs(dockerCli, &global.ProjectOptions)
	}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		f := &verbFlags{set: cmd.Flags()}
		run, err := v.read(f)
		if err == nil {
			err = f.err
		}
		if err != nil {
			return err
		}
		return run(cmd.Context(), &verbContext{dockerCli: dockerCli, global: global, cmd: cmd}, args)
	}
	return cmd
}

// verbFlags reads a command's flags by name, and remembers which it read.
type verbFlags struct {
	set  *pflag.FlagSet
	read map[string]bool
	err  error
}

func (f *verbFlags) lookup(name string) *pflag.Flag {
	if f.read == nil {
		f.read = map[string]bool{}
	}
	f.read[name] = true
	flag := f.set.Lookup(name)
	if flag == nil && f.err == nil {
		f.err = fmt.Errorf("internal error: no flag --%s", name)
	}
	return flag
}

// Bool is a boolean flag.
func (f *verbFlags) Bool(name string) bool {
	if flag := f.lookup(name); flag != nil {
		return flag.Value.String() == "true"
	}
	return false
}

// String is a flag's value as a string.
func (f *verbFlags) String(name string) string {
	if flag := f.lookup(name); flag != nil {
		return flag.Value.String()
	}
	return ""
}

// Int is an integer flag.
func (f *verbFlags) Int(name string) int {
	f.lookup(name)
	n, err := f.set.GetInt(name)
	if err != nil && f.err == nil {
		f.err = err
	}
	return n
}

// Strings is a flag of several values (a string array or slice, or a
// Docker CLI list).
func (f *verbFlags) Strings(name string) []string {
	flag := f.lookup(name)
	switch v := flagValue(flag).(type) {
	case interface{ GetSlice() []string }: // pflag's slices and arrays, the Docker CLI's lists
		return v.GetSlice()
	case nil:
		return nil
	}
	if f.err == nil {
		f.err = fmt.Errorf("internal error: --%s has no list of values", name)
	}
	return nil
}

// Changed tells a flag given on the command line.
func (f *verbFlags) Changed(name string) bool {
	flag := f.lookup(name)
	return flag != nil && flag.Changed
}

// Timeout is -t in seconds, as Compose reads it: only when given.
func (f *verbFlags) Timeout() *time.Duration {
	if !f.Changed("timeout") {
		f.Int("timeout")
		return nil
	}
	d := time.Duration(f.Int("timeout")) * time.Second
	return &d
}

func flagValue(flag *pflag.Flag) pflag.Value {
	if flag == nil {
		return nil
	}
	return flag.Value
}

// errNeedsOneService is Compose's refusal of --index with other than one
// service.
func errNeedsOneService(flag string) error {
	return fmt.Errorf("%s requires one service to be selected", flag)
}

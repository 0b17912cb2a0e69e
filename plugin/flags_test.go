package plugin

import (
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/cli/cli/command"
	commands "github.com/docker/compose/v5/cmd/compose"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/telepresenceio/docker-telepresence/transform"
)

// Every flag of Compose's up, watch, create, stop, down and config (read from
// Compose's own commands, in the module go.mod names) is a flag of ours,
// with the same type and shorthand, or is listed in notApplicable with its
// reason. --dry-run is Compose's persistent flag.
func TestComposeFlagsAreOurs(t *testing.T) {
	for _, env := range []string{"COMPOSE_PROGRESS", "COMPOSE_ENV_FILES", "COMPOSE_REMOVE_ORPHANS"} {
		t.Setenv(env, "")
	}
	cli, err := command.NewDockerCli()
	if err != nil {
		t.Fatal(err)
	}
	theirs := commands.RootCommand(cli, &commands.BackendOptions{})
	ours := RootCommand(cli)
	for _, name := range []string{"up", "watch", "create", "stop", "down", "config"} {
		their := find(t, theirs, name)
		our := find(t, ours, name)
		flags := their.LocalFlags()
		flags.AddFlagSet(theirs.PersistentFlags())
		flags.VisitAll(func(f *pflag.Flag) {
			if f.Hidden || f.Deprecated != "" {
				return
			}
			if why, ok := notApplicable[name+" --"+f.Name]; ok {
				if why == "" {
					t.Errorf("%s --%s is listed without a reason", name, f.Name)
				}
				return
			}
			mine := our.Flags().Lookup(f.Name)
			if mine == nil {
				mine = our.InheritedFlags().Lookup(f.Name)
			}
			switch {
			case mine == nil:
				t.Errorf("%s --%s: not a flag of docker telepresence %s, nor listed as not applicable", name, f.Name, name)
			case mine.Value.Type() != f.Value.Type() || mine.Shorthand != f.Shorthand:
				t.Errorf("%s --%s: ours is %s -%s, Compose's %s -%s", name, f.Name, mine.Value.Type(), mine.Shorthand, f.Value.Type(), f.Shorthand)
			case mine.DefValue != f.DefValue:
				t.Errorf("%s --%s: our default is %q, Compose's %q", name, f.Name, mine.DefValue, f.DefValue)
			}
		})
	}
	for key := range notApplicable {
		t.Logf("not applicable: %s: %s", key, notApplicable[key])
	}
}

func find(t *testing.T, root *cobra.Command, name string) *cobra.Command {
	t.Helper()
	cmd, _, err := root.Find([]string{name})
	if err != nil || cmd == root {
		t.Fatalf("no %s command: %v", name, err)
	}
	return cmd
}

// watch has no --pull: its flags leave the pull policy as the compose
// file says, and are valid.
func TestWatchKeepsThePullPolicy(t *testing.T) {
	var c createFlags // what watch fills: no --pull
	if err := c.validate(); err != nil {
		t.Fatalf("watch's flags are refused: %v", err)
	}
	web := types.ServiceConfig{Name: "web"}
	web.PullPolicy = types.PullPolicyNever
	project := &types.Project{Services: types.Services{"web": web}}
	got, err := c.apply(project, &transform.Intent{})
	if err != nil {
		t.Fatal(err)
	}
	if p := got.Services["web"].PullPolicy; p != types.PullPolicyNever {
		t.Errorf("pull policy = %q, want %q", p, types.PullPolicyNever)
	}
}

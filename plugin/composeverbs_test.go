package plugin

import (
	"slices"
	"testing"

	"github.com/docker/cli/cli/command"
	"github.com/spf13/pflag"
)

// Every command of Compose's `docker compose` (read from Compose's own
// command tree, in the module go.mod names) is a command of docker
// telepresence, or notOffered says why not.
func TestEveryComposeCommandIsOffered(t *testing.T) {
	cli, err := command.NewDockerCli()
	if err != nil {
		t.Fatal(err)
	}
	ours := RootCommand(cli)
	for _, theirs := range composeTree(cli).Commands() {
		name := theirs.Name()
		why, skipped := notOffered[name]
		switch mine, _, err := ours.Find([]string{name}); {
		case skipped && why == "":
			t.Errorf("%s is not offered, without a reason", name)
		case skipped && err == nil && mine != ours:
			t.Errorf("%s is offered, and listed as not offered", name)
		case !skipped && (err != nil || mine == ours):
			t.Errorf("docker compose %s is not a command of docker telepresence, nor listed in notOffered with its reason", name)
		}
	}
}

// Each of Compose's commands that docker telepresence runs reads every
// flag Compose gives it, or notApplicable says why it does not.
func TestComposeVerbsReadEveryFlag(t *testing.T) {
	cli, err := command.NewDockerCli()
	if err != nil {
		t.Fatal(err)
	}
	tree := composeTree(cli)
	for _, v := range composeVerbs {
		theirs := composeCommand(tree, v.name)
		f := &verbFlags{set: theirs.Flags()}
		if _, err := v.read(f); err != nil {
			t.Errorf("%s: its default flags are refused: %v", v.name, err)
		}
		if f.err != nil {
			t.Errorf("%s: %v", v.name, f.err)
		}
		theirs.Flags().VisitAll(func(flag *pflag.Flag) {
			_, listed := notApplicable[v.name+" --"+flag.Name]
			if !f.read[flag.Name] && !listed {
				t.Errorf("%s --%s: Compose has it, and docker telepresence %s neither reads it nor lists it in notApplicable", v.name, flag.Name, v.name)
			}
		})
	}
	if !slices.IsSortedFunc(composeVerbs, func(a, b verb) int { return compareStrings(a.name, b.name) }) {
		t.Error("composeVerbs are not in alphabetical order")
	}
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

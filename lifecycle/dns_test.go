package lifecycle

import (
	"slices"
	"testing"
)

// A project that has no remote service, and had none, leaves the daemon's
// DNS mappings alone: the one status call of the connection, then the
// attachment, and no more (each `telepresence status` asks every daemon,
// and the set, with nothing to take out or put in, cannot change).
func TestNoRemoteServiceLeavesTheDNSAlone(t *testing.T) {
	f := newFixture(t, `
services:
  api:
    image: api
    x-telepresence: {behavior: interceptHandler, intercept: {port: "9000"}}
`, v227)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	assertSteps(t, f.j, []string{
		"tp status",
		"tp version",
		"tp connect --docker",
		"tp status",
		"docker volume create proj_telepresence-intercept-api",
		"tp intercept api --port 9000 --address tp-proj-api --detailed-output --output json",
		"compose up attached=false watch=false",
	})
}

// An unchanged `up` of a project that is up asks Telepresence for its
// status once: the status the connection read shows the project's
// mappings set already, so there is nothing to change, and no second
// status to read under the DNS lock.
func TestUpAgainAsksForTheStatusOnce(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	f.upRunning(t)
	f.upAgain(t)
	if asked := tpAsked(f.j); !slices.Equal(asked, []string{"tp status"}) {
		t.Errorf("the re-up asked Telepresence %q, want only its status, once", asked)
	}
}

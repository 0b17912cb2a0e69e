package lifecycle

import "testing"

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

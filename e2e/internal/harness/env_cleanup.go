package harness

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Docker runs the docker CLI and returns trimmed stdout; err carries stderr.
func (e *Env) Docker(args ...string) (string, error) {
	return Docker(args...)
}

// ContainersOfProject lists the names of all containers (running or not)
// labelled with the Env's compose project.
func (e *Env) ContainersOfProject() []string {
	return e.listByProject("container", "ls", "-a", "--format", "{{.Names}}")
}

// VolumesOfProject lists the volumes labelled with the compose project.
func (e *Env) VolumesOfProject() []string {
	return e.listByProject("volume", "ls", "--format", "{{.Name}}")
}

// NetworksOfProject lists the networks labelled with the compose project.
func (e *Env) NetworksOfProject() []string {
	return e.listByProject("network", "ls", "--format", "{{.Name}}")
}

func (e *Env) listByProject(args ...string) []string {
	e.T.Helper()
	args = append(args, "--filter", "label=com.docker.compose.project="+e.Project)
	out, err := Docker(args...)
	if err != nil {
		e.T.Fatal(err)
	}
	names := strings.Fields(out)
	slices.Sort(names)
	return names
}

// Leftovers describes what of this test still exists on the engine and in
// the stand-in: containers, volumes and networks of the project, and active
// attachments of every kind. Empty after a clean `down`.
func (e *Env) Leftovers() []string {
	e.T.Helper()
	var left []string
	for _, c := range e.ContainersOfProject() {
		left = append(left, "container "+c)
	}
	for _, v := range e.VolumesOfProject() {
		left = append(left, "volume "+v)
	}
	for _, n := range e.NetworksOfProject() {
		left = append(left, "network "+n)
	}
	for _, i := range e.ActiveIntercepts() {
		if !strings.HasPrefix(i, ingestPrefix) {
			i = "intercept " + i
		}
		left = append(left, i)
	}
	return left
}

// AllowLeft declares leftovers (written as Leftovers writes them, e.g.
// "volume "+e.Project+"_data") that the test expects to find after its last
// `down`: the named volumes its compose file declares, which `down` without
// -v keeps, as `docker compose down` does. The cleanup does not fail the
// test for them.
func (e *Env) AllowLeft(left ...string) {
	e.allowed = append(e.allowed, left...)
}

// cleanup ends the test's world, and fails the test when the test left
// anything of its project behind.
//
// When the test ran the plugin, the cleanup first runs `docker telepresence
// down` in the test's last project directory, as a user ends a session.
// Only what is still there after that down counts: tests stop projects
// half-way on purpose (a killed or failed up) and some run down
// themselves, and what a user is left with after `down` is what matters.
// Any container, volume or network of the project, or intercept active in
// the stand-in, that is left then and not declared with AllowLeft fails
// the test (t.Errorf with the list): a leak is reported, never swept up in
// silence. A test that never ran the plugin gets no down: what it made
// with the stand-in or the docker CLI, it ends itself.
//
// Everything is removed all the same, so that the next test starts clean,
// and the stand-in's daemon is quit (`down` leaves it running, by design).
func (e *Env) cleanup() {
	e.T.Helper()
	if e.lastDir != "" { // the test ran the plugin: a user's final down
		ctx, cancel := context.WithTimeout(context.WithoutCancel(e.T.Context()), 2*time.Minute) // in a cleanup: the test's context has ended
		_, _, _ = e.Run(ctx, e.lastDir, "down")
		cancel()
	}
	e.CheckLeftovers()
	// Images the test built: Compose names them <project>-<service>.
	if out, err := Docker("image", "ls", "--format", "{{.Repository}}:{{.Tag}}", "--filter", "reference="+e.Project+"-*"); err == nil {
		for _, img := range strings.Fields(out) {
			_, _ = Docker("image", "rm", img)
		}
	}
	_, _, _ = e.Telepresence("quit")
}

// CheckLeftovers fails the test for what is left of the project and was
// not allowed (AllowLeft), and removes all that is left, as the cleanup
// does after its down.
func (e *Env) CheckLeftovers() {
	e.T.Helper()
	e.removeLeftovers(e.reportLeftovers())
}

// Copy returns a copy of the Env for a second compose project of the same
// test, with the same stand-in (state, daemon): the test sets the copy's
// Project, and COMPOSE_PROJECT_NAME in Extra. The copy allows no leftovers
// (AllowLeft) and has no cleanup of its own: the test registers one, which
// ends with CheckLeftovers.
func (e *Env) Copy() *Env {
	c := *e
	c.allowed = nil
	return &c
}

// reportLeftovers fails the test for what is left of the project and was
// not allowed (AllowLeft), and returns all that is left.
func (e *Env) reportLeftovers() []string {
	e.T.Helper()
	left := e.Leftovers()
	var leaked []string
	for _, l := range left {
		if !slices.Contains(e.allowed, l) {
			leaked = append(leaked, l)
		}
	}
	if len(leaked) > 0 {
		e.T.Errorf("the test left behind (after its last down): %s", strings.Join(leaked, ", "))
	}
	return left
}

// removeLeftovers removes what Leftovers listed; intercepts go with quit.
func (e *Env) removeLeftovers(left []string) {
	for _, l := range left {
		kind, name, _ := strings.Cut(l, " ")
		switch kind {
		case "container", "volume":
			_, _ = Docker(kind, "rm", "-f", name)
		case "network":
			_, _ = Docker("network", "rm", name)
		default:
			continue
		}
		e.T.Logf("cleanup: removed leftover %s", l)
	}
}

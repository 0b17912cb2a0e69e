package e2e

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// interruptNetnsYAML has three intercept handlers, all that the netns
// model allows several of.
var interruptNetnsYAML = `
services:
  alpha:
` + sleeper + `    x-telepresence: {behavior: interceptHandler, intercept: {port: "8088"}}
  beta:
` + sleeper + `    x-telepresence: {behavior: interceptHandler, intercept: {port: "8089"}}
  gamma:
` + sleeper + `    x-telepresence: {behavior: interceptHandler, intercept: {port: "8090"}}
`

// Ctrl-C while several attachments are being made, in each model: `up -d`
// exits 130 saying that what it did is undone, and nothing is left: no
// attachment in the stand-in, nothing of the project on the engine, not
// the daemon it connected. The slow attachments (fixture DelayMS) take an
// hour, so that all of them waiting at once proves that they are made
// concurrently (docs/attachments.md#made-concurrently); in the Teleroute
// model the ingest, which has no delay, is made meanwhile and must be
// ended by the undo.
func TestCtrlCWhileAttaching(t *testing.T) {
	parallel(t) // each subtest has an Env of its own
	for _, tc := range []struct {
		model, release, yaml string
		slow                 []string
		ingest               bool
	}{
		{"netns", Release220, interruptNetnsYAML, []string{"alpha", "beta", "gamma"}, false},
		{"teleroute", Release227, kindsYAML, []string{"api", "audit", "billing"}, true},
	} {
		t.Run(tc.model, func(t *testing.T) {
			e := newEnvAt(t, tc.release)
			fx := Fixture{Workloads: kindsWorkloads, ClusterServices: kindsServices, Intercepts: map[string]InterceptFixture{}}
			for _, name := range tc.slow {
				fx.Intercepts[name] = InterceptFixture{DelayMS: int(time.Hour / time.Millisecond)}
			}
			e.WriteFixture(fx)
			p := e.Start(e.WriteProject(map[string]string{"compose.yaml": tc.yaml}), "up", "-d")
			for i := range tc.slow {
				if ev := e.AwaitCreator(i, "the slow attachments are all being made at once"); ev.Event != fixture.CreatorWaiting {
					t.Fatalf("creator event %d: %+v, want %s", i, ev, fixture.CreatorWaiting)
				}
			}
			if tc.ingest {
				eventually(t, patience, "the ingest is made", func() bool { return len(e.ActiveIntercepts()) > 0 })
			}
			if err := p.CtrlC(); err != nil {
				t.Fatal(err)
			}
			assertInterruptUndone(t, e, p, len(tc.slow))
		})
	}
}

// assertInterruptUndone checks what an `up -d` interrupted while n slow
// attachments were being made leaves: exit 130 and the message, each of
// their creators canceled, and nothing of the project, its attachments or
// the daemon it connected.
func assertInterruptUndone(t *testing.T, e *Env, p *Proc, n int) {
	t.Helper()
	err := p.Wait(patience)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 || !strings.Contains(p.Stderr.String(), "Interrupted: what this up had done is undone") {
		t.Fatalf("up -d after Ctrl-C: %v (want exit 130, saying what it did)\n%s", err, p.Stderr.String())
	}
	// Each attachment in flight says it was canceled, as Compose says it,
	// never the context's error.
	if out := p.Stderr.String(); strings.Contains(out, "context canceled") || !strings.Contains(out, " Canceled") {
		t.Errorf("up -d after Ctrl-C shows the cancel as an error, or not at all:\n%s", out)
	}
	// Once every creator has ended, nothing can make an attachment.
	for i := n; i < 2*n; i++ {
		if ev := e.AwaitCreator(i, "the creators end"); ev.Event != fixture.CreatorCanceled {
			t.Errorf("creator event %d: %+v, want %s", i, ev, fixture.CreatorCanceled)
		}
	}
	e.assertNoLeftovers()
	if _, err := dockerCmd("inspect", e.DaemonContainer()); err == nil {
		t.Errorf("the daemon this up connected is still there")
	}
}

package lifecycle

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

const twoConnections = `
x-tele:
  connections: [{name: test, namespace: default}, {name: west, namespace: west}]
services:
  api: {image: api, ports: ["9000:9000"], x-tele: {type: intercept, connection: west}}
  echo: {image: echo, ports: ["8088:8088"], x-tele: {type: intercept, workload: echo-server, connection: test}}
  db: {image: db, x-tele: {type: proxy, name: psql, connection: test}}
  web: {image: web, depends_on: [db]}
`

// Each connection has its own daemon, connected by name; each attachment
// is made, and ended, on its service's daemon; the transform puts each
// handler on its own daemon's network.
func TestSeveralConnectionsEachHaveTheirDaemon(t *testing.T) {
	f := newFixture(t, twoConnections, v227)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"tp connect --docker --name test --namespace default",
		"tp connect --docker --name west --namespace west",
		"tp intercept api --port 9000 --address tp-proj-api --use ^west$ --detailed-output --output json",
		"tp intercept echo --workload echo-server --port 8088 --address tp-proj-echo --use ^test$ --detailed-output --output json",
	} {
		if !hasStep(f.j, want) {
			t.Errorf("no step %q: %v", want, f.j.all())
		}
	}
	p := f.lastProject()
	if _, ok := p.Services["api"].Networks["teleroute-west"]; !ok {
		t.Errorf("api is not on west's network: %v", p.Services["api"].Networks)
	}
	if _, ok := p.Services["echo"].Networks["teleroute"]; !ok {
		t.Errorf("echo is not on test's network: %v", p.Services["echo"].Networks)
	}
	if n := p.Networks["teleroute-west"]; n.Name != "west" {
		t.Errorf("west's network: %+v", n)
	}
	f.j.reset()
	if err := f.newRunner().Down(t.Context(), DownOptions{ProjectName: "proj"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"tp leave api --use west", "tp leave echo --use test"} {
		if !slices.Contains(f.j.all(), want) {
			t.Errorf("down does not end %q on its daemon: %v", want, f.j.all())
		}
	}
	f.assertNothingLeft(t)
}

// When one of the connections' daemons goes, the project stops, and the
// attachments on the daemons still running end; those of the one that
// went went with it, and their records stay for `down`.
func TestADaemonGoneEndsTheOtherConnectionsAttachments(t *testing.T) {
	f := newFixture(t, twoConnections, v227)
	f.runner.DaemonCheck = 10 * time.Millisecond
	f.compose.blockAttached = true
	f.compose.keepRunning = true
	f.compose.onUp = func() { f.engine.StopDaemon("tp-west") }
	err := f.up(t.Context(), false)
	if !errors.Is(err, ErrDaemonGone) || !strings.Contains(err.Error(), "tp-west stopped while the project ran") {
		t.Fatalf("err = %v", err)
	}
	if !slices.Contains(f.j.all(), "tp leave echo --use test") {
		t.Errorf("the attachment on the daemon still running was not ended: %v", f.j.all())
	}
	if slices.ContainsFunc(f.j.all(), func(s string) bool { return strings.HasPrefix(s, "tp leave api") }) {
		t.Errorf("the gone daemon was asked to end its attachment: %v", f.j.all())
	}
}

// The netns model cannot put one handler in two namespaces: several
// connections are refused before anything is created.
func TestSeveralConnectionsRefusedInTheNetnsModel(t *testing.T) {
	f := newFixture(t, twoConnections, v220)
	err := f.up(t.Context(), true)
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "cannot use several connections in one project") {
		t.Fatalf("err = %v", err)
	}
	assertSteps(t, f.j, []string{"tp status", "tp version"})
}

// A dry run of a project of named connections pretends each daemon it
// would connect, under the name the connection gives it, and says what it
// would make on each; it changes nothing.
func TestDryRunOfNamedConnections(t *testing.T) {
	f := newFixture(t, twoConnections, v227)
	f.runner.DryRun = true
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	assertChangedNothing(t, f)
	assertSaid(t, f,
		DryRunPrefix+"would run: telepresence connect --docker --name test --namespace default",
		DryRunPrefix+"would run: telepresence connect --docker --name west --namespace west",
		DryRunPrefix+"would run: telepresence intercept api --port 9000 --address tp-proj-api --use ^west$",
		DryRunPrefix+"would run: telepresence intercept echo --workload echo-server --port 8088 --address tp-proj-echo --use ^test$",
	)
}

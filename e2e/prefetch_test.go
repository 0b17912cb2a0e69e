package e2e

import (
	"errors"
	"net"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// buildProject is a handler whose image is built from a Dockerfile, with
// the step given.
func buildProject(e *Env, step string) string {
	return e.WriteProject(map[string]string{
		"compose.yaml": `
services:
  echo:
    build: ./echo
    init: true
    command: ["sleep", "3600"]
    x-telepresence: {behavior: interceptHandler, intercept: {workload: echo-server, port: "8088"}}
`,
		"echo/Dockerfile": "FROM " + busyboxImage + "\n" + step + "\n",
	})
}

// A build that fails while an attachment is made stops `up` with the
// build's error, and leaves nothing: the attachment in flight is canceled
// (its creator says so), what was made is undone. The build waits, at a
// RUN step that dials the test, until the attachment is under way.
func TestAFailedBuildWhileAttachingLeavesNothing(t *testing.T) {
	// Alone: it removes the build cache its builds left, which is told
	// apart from other builds' only by when it appeared.
	eachModelAlone(t, func(t *testing.T, e *Env) {
		e.WriteFixture(Fixture{Intercepts: map[string]InterceptFixture{"echo-server": {DelayMS: 3600 * 1000}}})
		gate := newBuildGate(t)
		// Then a COPY that fails: a failed RUN would leave its container
		// behind with the classic builder of Engines before 23 (as plain
		// Compose does there), which is not this test's subject.
		dir := buildProject(e, "RUN nc "+gate.host+" "+gate.port+" </dev/null\nCOPY no-such-file /")
		p := e.Start(dir, "up", "-d")
		if ev := e.AwaitCreator(0, "the attachment is under way"); ev.Event != fixture.CreatorWaiting {
			t.Fatalf("creator event %+v, want %s", ev, fixture.CreatorWaiting)
		}
		gate.release()
		err := p.Wait(patience)
		var exit *exec.ExitError
		if !errors.As(err, &exit) || !strings.Contains(p.Stderr.String(), "building echo") {
			t.Errorf("up -d: %v; want the build's error:\n%s", err, p.Stderr.String())
		}
		if ev := e.AwaitCreator(1, "the attachment in flight ends"); ev.Event != fixture.CreatorCanceled {
			t.Errorf("creator event %+v, want %s", ev, fixture.CreatorCanceled)
		}
		e.assertNoLeftovers()
	})
}

// buildGate holds a build at a RUN step that dials it, until the test
// opens it: it listens on the engine's default bridge, which the classic
// builder's containers are on.
type buildGate struct {
	host, port string
	open       chan struct{}
	once       sync.Once
}

// release lets the builds through.
func (g *buildGate) release() { g.once.Do(func() { close(g.open) }) }

func newBuildGate(t *testing.T) *buildGate {
	t.Helper()
	removeNewBuildCache(t)
	// The host's address on the bridge: its interface's (20.10 does not
	// tell the default bridge's gateway).
	name, err := dockerCmd("network", "inspect", "bridge", "-f", `{{index .Options "com.docker.network.bridge.name"}}`)
	if err != nil {
		t.Fatal(err)
	}
	iface, err := net.InterfaceByName(strings.TrimSpace(name))
	if err != nil {
		t.Fatal(err)
	}
	addrs, err := iface.Addrs()
	if err != nil || len(addrs) == 0 {
		t.Fatalf("the bridge %s has no address: %v", name, err)
	}
	gw, _, _ := net.ParseCIDR(addrs[0].String())
	l, err := net.Listen("tcp", net.JoinHostPort(gw.String(), "0"))
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(l.Addr().String())
	g := &buildGate{host: host, port: port, open: make(chan struct{})}
	t.Cleanup(func() {
		g.release()
		_ = l.Close()
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			<-g.open
			_, _ = c.Write([]byte("go\n"))
			_ = c.Close()
		}
	}()
	return g
}

// An attachment that fails while an image builds stops `up` with the
// attachment's error: the build is canceled, and nothing is left.
func TestAFailedAttachmentWhileBuildingLeavesNothing(t *testing.T) {
	// Alone: it removes the build cache its builds left (as above), and
	// checks that no container of the busybox image runs any more.
	eachModelAlone(t, func(t *testing.T, e *Env) {
		e.WriteFixture(Fixture{Intercepts: map[string]InterceptFixture{"echo-server": {Fail: "the traffic-manager refuses"}}})
		removeNewBuildCache(t)
		dir := buildProject(e, "RUN tail -f /dev/null") // never ends: only a cancel stops it
		_, stderr, err := e.Run(ctx(t), dir, "up", "-d")
		if err == nil || !strings.Contains(stderr, "the traffic-manager refuses") {
			t.Errorf("up -d: %v; want the attachment's error:\n%s", err, stderr)
		}
		// A build that went on would keep its step's container running.
		eventually(t, patience, "the build's step ends", func() bool {
			out, err := dockerCmd("ps", "-q", "--filter", "ancestor="+busyboxImage, "--filter", "status=running")
			return err == nil && strings.TrimSpace(out) == ""
		})
		e.assertNoLeftovers()
	})
}

// removeNewBuildCache removes, once the test is done, the untagged images
// its builds left: the classic builder keeps each step it ran as one, its
// build cache, which Compose leaves as `docker compose build` does.
func removeNewBuildCache(t *testing.T) {
	t.Helper()
	dangling := func() []string {
		out, err := dockerCmd("images", "-q", "--no-trunc", "-f", "dangling=true")
		if err != nil {
			t.Fatal(err)
		}
		return strings.Fields(out)
	}
	before := dangling()
	t.Cleanup(func() {
		for _, id := range dangling() {
			if !slices.Contains(before, id) {
				_, _ = dockerCmd("rmi", id)
			}
		}
	})
}

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// model is a Telepresence release standing for its network model.
type model struct{ name, release string }

// models are the releases every scenario runs against, one per network
// model (docs/network-models.md): the shared namespace of 2.20–2.22 and the Teleroute
// network of 2.23 and newer.
var models = []model{{"netns", fixture.Release220}, {"teleroute", fixture.Release227}}

// eachModel runs test once per model, each with an Env of its own, beside
// the other tests.
func eachModel(t *testing.T, test func(t *testing.T, e *Env)) {
	t.Helper()
	parallel(t)
	for _, m := range models {
		t.Run(m.name, func(t *testing.T) { test(t, newEnvAt(t, m.release)) })
	}
}

// eachModelAlone is eachModel for a test that runs apart from every other
// (see newSerialEnvAt), one model after the other.
func eachModelAlone(t *testing.T, test func(t *testing.T, e *Env)) {
	t.Helper()
	for _, m := range models {
		t.Run(m.name, func(t *testing.T) { test(t, newSerialEnvAt(t, m.release)) })
	}
}

// teleroute tells whether the Env's release has the Teleroute model.
func (e *Env) teleroute() bool {
	parts := strings.Split(e.Release, ".")
	minor, _ := strconv.Atoi(parts[1])
	return minor >= 23
}

// telerouteNetwork is the stand-in daemon's Teleroute network: the daemon's
// name, without tp-.
func (e *Env) telerouteNetwork() string {
	return e.DaemonName()
}

// daemonIP is the daemon container's IP on a network.
func (e *Env) daemonIP(network string) string {
	e.T.Helper()
	return e.Inspect(fmt.Sprintf(`{{(index .NetworkSettings.Networks %q).IPAddress}}`, network), e.DaemonContainer())
}

// networksOf lists the networks a container is on, with its aliases:
// "network:alias,alias".
func (e *Env) networksOf(container string) []string {
	e.T.Helper()
	return strings.Fields(e.Inspect(`{{range $k, $v := .NetworkSettings.Networks}}{{$k}}:{{join $v.Aliases ","}} {{end}}`, container))
}

// sendTraffic is cluster traffic for an intercept: the stand-in daemon
// dials the intercept's address and port, and the answer comes back. It
// tries until the handler answers (it may still be starting) or patience
// runs out. args are more standin-send flags, such as the --header that a
// personal intercept needs (e2e/standin/fixture).
func (e *Env) sendTraffic(intercept string, args ...string) (out string, err error) {
	for deadline := time.Now().Add(patience); ; time.Sleep(250 * time.Millisecond) {
		out, _, err = e.Telepresence(append([]string{"standin-send", intercept, "/"}, args...)...)
		if err == nil || time.Now().After(deadline) {
			return strings.TrimSpace(out), err
		}
	}
}

// Names from the stand-in's contract, for the scenarios.
const (
	Release220   = fixture.Release220
	Release222   = fixture.Release222
	Release227   = fixture.Release227
	Release230   = fixture.Release230
	ClusterReply = fixture.ClusterReply
)

// WriteProjectIn writes files into a project directory, as an edit would.
func (e *Env) WriteProjectIn(dir string, files map[string]string) {
	e.T.Helper()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			e.T.Fatal(err)
		}
	}
}

// dockerIn runs the docker CLI in dir with the Env's environment (its
// DOCKER_CONFIG holds the plugin) and returns stdout.
func (e *Env) dockerIn(dir string, args ...string) (string, error) {
	var out, errb bytes.Buffer
	cmd := e.Command(context.WithoutCancel(e.T.Context()), dir, "docker", args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%w: %s", err, errb.String())
	}
	return out.String(), nil
}

package e2e

import (
	"os"
	"testing"

	"github.com/telepresenceio/docker-telepresence/e2e/internal/harness"
	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// TestMain builds the plugin as well as the stand-ins, and starts a
// registry: these tests run the plugin, and some pull.
func TestMain(m *testing.M) {
	os.Exit(harness.Main(m, harness.Options{Plugin: true, Registry: true}))
}

// Env is the harness's Env with the methods the plugin's tests add to it
// (helpers_test.go, models_test.go, ...).
type Env struct{ *harness.Env }

// newEnv prepares an Env whose stand-in emulates the release most users
// run (the Teleroute model); see harness.NewEnv.
func newEnv(t *testing.T) *Env {
	t.Helper()
	return &Env{harness.NewEnv(t)}
}

// newEnvAt prepares an Env whose stand-in emulates release; see
// harness.NewEnvAt.
func newEnvAt(t *testing.T, release string) *Env {
	t.Helper()
	return &Env{harness.NewEnvAt(t, release)}
}

// Short names for what the tests use most of the harness and the fixture
// package.
type (
	Fixture          = fixture.Fixture
	InterceptFixture = fixture.Intercept
	Mapping          = fixture.DNSMapping
	Proc             = harness.Proc
)

const (
	busyboxImage    = harness.BusyboxImage
	daemonImage     = harness.DaemonImage
	telemountDriver = harness.TelemountDriver
	tpNetwork       = harness.TPNetwork
	daemonLabel     = harness.DaemonLabel
	patience        = harness.Patience
)

var (
	dockerCmd  = harness.Docker
	eventually = harness.Eventually
)

package e2e

import (
	"os"
	"sync"
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
// run (the Teleroute model), for a test that runs beside the others; see
// harness.NewEnv and parallel.
func newEnv(t *testing.T) *Env {
	t.Helper()
	parallel(t)
	return &Env{harness.NewEnv(t)}
}

// newEnvAt prepares an Env whose stand-in emulates release, for a test
// that runs beside the others; see harness.NewEnvAt and parallel.
func newEnvAt(t *testing.T, release string) *Env {
	t.Helper()
	parallel(t)
	return &Env{harness.NewEnvAt(t, release)}
}

// newSerialEnvAt prepares an Env for a test that runs alone: one that uses
// something every test shares as its own. Such a test says why.
func newSerialEnvAt(t *testing.T, release string) *Env {
	t.Helper()
	return &Env{harness.NewEnvAt(t, release)}
}

// parallel runs t beside the other tests that call it (t.Parallel, once;
// `go test -parallel` sets how many at a time). A test's world is its own:
// its project and stand-in state are named after it, its daemon after its
// own kubeconfig context, the engine chooses its host ports, and the
// subnets of the networks the plugin makes are chosen under the plugin's
// lock (docs/network-models.md#subnets). A test whose subtests each make
// an Env calls it first, so that it runs beside the others too.
func parallel(t *testing.T) {
	t.Helper()
	if _, called := parallelTests.LoadOrStore(t, true); !called {
		t.Parallel()
	}
}

var parallelTests sync.Map

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

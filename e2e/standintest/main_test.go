package standintest

import (
	"os"
	"testing"

	"github.com/telepresenceio/docker-telepresence/e2e/internal/harness"
	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// TestMain builds the stand-ins, not the plugin: these tests never run it.
func TestMain(m *testing.M) {
	os.Exit(harness.Main(m, harness.Options{}))
}

// Short names for what the tests use of the harness and the fixture
// package.
type (
	Env              = harness.Env
	Fixture          = fixture.Fixture
	InterceptFixture = fixture.Intercept
	Mapping          = fixture.DNSMapping
)

var (
	newEnv     = harness.NewEnv
	newEnvAt   = harness.NewEnvAt
	dockerCmd  = harness.Docker
	eventually = harness.Eventually
)

const (
	busyboxImage    = harness.BusyboxImage
	daemonImage     = harness.DaemonImage
	telemountDriver = harness.TelemountDriver
	tpNetwork       = harness.TPNetwork
	daemonLabel     = harness.DaemonLabel
	patience        = harness.Patience
)

// Package e2e holds the end-to-end tests of docker-telepresence. They drive
// the real plugin binary through the docker CLI against a real Docker Engine,
// with stand-ins for the telepresence CLI and the Telemount volume plugin
// (see e2e/standin), so no Kubernetes cluster and no registry are needed.
//
// The e2e tree:
//
//   - e2e (this package): the plugin's tests, the scenarios;
//   - e2e/standintest: the stand-in's own tests, which prove the stand-ins
//     behave as each Telepresence release does, and never run the plugin;
//   - e2e/internal/harness: what both test packages share: the setup that
//     builds the binaries and images and installs the Telemount stand-in,
//     the Env of a test, background processes, the cleanup of each test and
//     the check that a run leaves the engine as it found it;
//   - e2e/standin: the stand-in programs and the fixture they read.
//
// Run them all with:
//
//	E2E=1 go test -p 1 -count=1 -timeout 60m -parallel 4 -v ./e2e/...
//
// or one package (E2E=1 go test -count=1 -v ./e2e/), or one test
// (-run). Without E2E=1 the test packages do nothing, so `go test ./...`
// stays a unit test run. With E2E=1 an engine that does not answer is a
// failure, never a skip. Each test package has its own TestMain, which
// calls harness.Main: the stand-in's tests ask for no plugin, so it is not
// built for them; E2E_SKIP_PLUGIN_BUILD=1 skips building it here too (only
// for working on the stand-ins while the plugin does not build).
//
// Only one e2e run at a time per engine: runs share the image names, the
// Telemount socket and the "telepresence" network. go test runs packages
// side by side unless -p 1, so use -p 1 when running more than one package;
// the harness also makes a second run on the same machine wait for the
// first (a lock file in the temporary directory).
//
// Both packages' tests run side by side (t.Parallel; `go test -parallel`
// sets how many): each Env has its own stand-in state and kubeconfig
// context, so its daemons, their containers and Teleroute networks have
// names of their own; its compose project is named after the test; host
// ports are the engine's choice; and the netns releases' shared
// "telepresence" network is made once by the harness. The plugin chooses
// the subnets of the networks it makes under a lock of its own, so that
// two projects started at once never choose the same one
// (docs/network-models.md#subnets); the stand-in retries a Teleroute
// network the engine refused for an address pool another create took at
// the same moment. The few plugin tests that use something every test
// shares as their own (a daemon an unnamed x-tele connection names, the
// Telemount plugin, the whole engine's state) make their Env with
// newSerialEnvAt and run alone, each saying why.
package e2e

// Package e2e holds the end-to-end tests of docker-telepresence. They drive
// the real plugin binary through the docker CLI against a real Docker Engine,
// with stand-ins for the telepresence CLI and the Telemount volume plugin
// (see e2e/standin), so no Kubernetes cluster and no registry are needed.
//
// Run them with:
//
//	E2E=1 go test -count=1 ./e2e/ -v
//
// Without E2E=1 the package does nothing, so `go test ./...` stays a unit
// test run. With E2E=1 an engine that does not answer is a failure, never a
// skip. E2E_SKIP_PLUGIN_BUILD=1 skips building the plugin (only for working
// on the stand-ins while the plugin does not build). Only one e2e run at a
// time per engine: runs share the image names, the Telemount socket and the
// "telepresence" network.
//
// The stand-in's own tests (standin_*_test.go, which never run the plugin)
// run side by side (t.Parallel; `go test -parallel` sets how many): each Env
// has its own stand-in state and kubeconfig context, so its daemons, their
// containers and Teleroute networks have names of their own, and the netns
// releases' shared "telepresence" network is made once by the harness. The
// plugin's tests run one at a time: Compose creates the project's networks,
// and an engine that creates two networks at the same moment may give both
// one address pool and refuse the second ("Pool overlaps"; the stand-in
// retries its own).
package e2e

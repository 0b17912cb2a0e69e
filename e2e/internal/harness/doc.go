// Package harness is what the e2e test packages share (e2e, the plugin's
// tests, and e2e/standintest, the stand-in's own): a test package's
// TestMain calls Main, and its tests make an Env each.
//
// Main, with E2E=1, makes sure the Docker Engine answers (a failure, never
// a skip), waits for any other e2e run on this machine, removes what a
// killed run left, builds the stand-ins (and the plugin, if Options ask for
// it) and the images, makes the "telepresence" network if there is none,
// installs the Telemount stand-in as a managed plugin, runs the tests,
// undoes all that, and fails the run when the engine is not as it found
// it. Without E2E=1 it runs nothing.
//
// An Env is one test's world: its stand-in state and kubeconfig context,
// its compose project, the commands it runs (the plugin through the docker
// CLI, the stand-in telepresence), what the stand-in recorded, and its
// cleanup, which fails the test for what it left behind.
//
// Files: main.go (Main, the names shared by a run, Docker), setup.go (the
// setup and the sweep of leftovers), images.go (the images, built without
// a registry), env.go, env_cleanup.go and env_standin.go (the Env), proc.go
// (background plugin commands), helpers.go (small helpers of the tests).
package harness

// Package standintest holds the stand-in's own tests: they prove, against
// the real Docker Engine and release by release, that the stand-in
// telepresence (e2e/standin/telepresence) and the stand-in Telemount
// plugin honour the Telepresence contract (docs/telepresence-contract.md),
// so that the plugin's tests (package e2e) can trust them. They never run
// the plugin, and TestMain does not build it.
//
// They share the harness of package e2e (e2e/internal/harness) and run
// only with E2E=1, side by side (t.Parallel; `go test -parallel` sets how
// many). Only one e2e run at a time per engine: see the e2e package for
// how to run them, and for the command that runs the whole tree.
//
//	E2E=1 go test -count=1 -parallel 4 -v ./e2e/standintest/
package standintest

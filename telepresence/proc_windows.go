//go:build windows

package telepresence

import "os/exec"

// detach is a no-op on Windows, where console signals are not sent to a
// process group the same way.
func detach(*exec.Cmd) {}

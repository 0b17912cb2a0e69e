//go:build windows

package telepresence

import "os/exec"

// ownProcessGroup keeps exec's default on Windows, where console signals are not
// sent to a process group the same way: the command is killed when the
// plugin gives up on it.
func ownProcessGroup(*exec.Cmd, bool) {}

//go:build !windows

package telepresence

import (
	"os/exec"
	"syscall"
)

// detach puts the command in its own process group: a Ctrl-C in the
// terminal reaches the plugin, which then decides what to stop and undo.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

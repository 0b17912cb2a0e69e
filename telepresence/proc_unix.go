//go:build !windows

package telepresence

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup puts the command in its own process group: a Ctrl-C in the
// terminal reaches the plugin, which then decides what to stop and undo.
// When the plugin gives up on the command, it interrupts the group with
// SIGINT, as a Ctrl-C would, so that telepresence ends what it was doing
// (an attachment half-made, say) instead of dying half-way.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
	}
}

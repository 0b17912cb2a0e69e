//go:build !windows

package telepresence

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup puts the command in its own process group: a Ctrl-C in the
// terminal reaches the plugin, which then decides what to stop and undo.
// When the plugin gives up on a command that may change something, it
// interrupts the group with SIGINT, as a Ctrl-C would, so that telepresence
// ends what it was doing (an attachment half-made, say) instead of dying
// half-way; a command that only reads is killed.
func ownProcessGroup(cmd *exec.Cmd, interrupt bool) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	sig := syscall.SIGKILL
	if interrupt {
		sig = syscall.SIGINT
	}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, sig)
	}
}

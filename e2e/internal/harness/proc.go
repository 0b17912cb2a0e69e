package harness

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Proc is a background `docker telepresence ...` (attached up, watch).
// Stdout and Stderr may be read while it runs. Cmd is already started and
// waited for by the Proc: use Proc.Wait, never Cmd.Wait.
type Proc struct {
	Cmd    *exec.Cmd
	Stdout *SyncBuffer
	Stderr *SyncBuffer
	args   []string
	done   chan struct{}
	err    error // exit status, valid once done is closed
}

// SyncBuffer is a bytes.Buffer that is safe to write and read concurrently.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p to the buffer.
func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Start runs `docker telepresence args...` in dir in the background, in its
// own process group. At the end of the test it is interrupted (then killed)
// if still running, and its output is logged.
func (e *Env) Start(dir string, args ...string) *Proc {
	e.T.Helper()
	requirePlugin(e.T)
	e.lastDir = dir
	p := &Proc{Stdout: &SyncBuffer{}, Stderr: &SyncBuffer{}, args: args, done: make(chan struct{})}
	cmd := e.Command(context.WithoutCancel(e.T.Context()), dir, "docker", append([]string{"telepresence"}, args...)...)
	cmd.Stdout, cmd.Stderr = p.Stdout, p.Stderr
	if err := cmd.Start(); err != nil {
		e.T.Fatalf("starting docker telepresence %s: %v", strings.Join(args, " "), err)
	}
	p.Cmd = cmd
	go func() { p.err = cmd.Wait(); close(p.done) }()
	e.T.Cleanup(func() {
		if !p.Exited() {
			_ = p.CtrlC()
			if p.Wait(Patience) != nil && !p.Exited() {
				_ = syscall.Kill(-p.Cmd.Process.Pid, syscall.SIGKILL)
				<-p.done
			}
		}
		e.T.Logf("background docker telepresence %s -> %v\n--- stdout:\n%s--- stderr:\n%s",
			strings.Join(args, " "), p.err, p.Stdout, p.Stderr)
	})
	return p
}

// CtrlC sends SIGINT to the whole process group (docker CLI, plugin and
// their children), as a terminal does on Ctrl-C.
func (p *Proc) CtrlC() error { return syscall.Kill(-p.Cmd.Process.Pid, syscall.SIGINT) }

// Signal sends sig to the docker CLI process only. Without a terminal the
// CLI does not forward it; it closes the plugin's socket instead, which the
// plugin sees as a cancelled context (docker/cli cli-plugins behaviour).
func (p *Proc) Signal(sig syscall.Signal) error { return p.Cmd.Process.Signal(sig) }

// Exited reports whether the process has ended.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Wait waits up to timeout for the process to end and returns its exit
// error (nil for status 0), or a timeout error if it still runs.
func (p *Proc) Wait(timeout time.Duration) error {
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		return fmt.Errorf("docker telepresence %s still running after %v", strings.Join(p.args, " "), timeout)
	}
}

// WaitForOutput waits up to timeout until stdout or stderr contains s.
func (p *Proc) WaitForOutput(s string, timeout time.Duration) bool {
	for deadline := time.Now().Add(timeout); ; time.Sleep(100 * time.Millisecond) {
		if strings.Contains(p.Stdout.String(), s) || strings.Contains(p.Stderr.String(), s) {
			return true
		}
		if p.Exited() || time.Now().After(deadline) {
			return strings.Contains(p.Stdout.String(), s) || strings.Contains(p.Stderr.String(), s)
		}
	}
}

//go:build unix

package telepresence

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A read (status, version) that the plugin gives up on is killed, not
// interrupted: it leaves nothing half-done, and the plugin need not wait
// for it to end.
func TestAReadIsKilledNotInterrupted(t *testing.T) {
	dir := t.TempDir()
	got := filepath.Join(dir, "got")
	started := filepath.Join(dir, "started") // a named pipe: reading it waits for the script
	if err := syscall.Mkfifo(started, 0o600); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\ntrap 'echo INT > " + got + "; exit 3' INT\necho started > " + started + "\nwhile :; do sleep 0.05; done\n"
	bin := filepath.Join(dir, "telepresence")
	if err := os.WriteFile(bin, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := (&CLI{Binary: bin}).Status(ctx)
		done <- err
	}()
	if _, err := os.ReadFile(started); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if b, err := os.ReadFile(got); err == nil {
		t.Errorf("the status was interrupted (it got %q), not killed", b)
	}
}

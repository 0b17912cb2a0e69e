package lock

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestFileLocker(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no advisory locks on Windows: documented limitation")
	}
	dir := filepath.Join(t.TempDir(), "locks")
	l := FileLocker{Dir: dir}
	unlock, err := l.Lock("proj")
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.Lock("proj")
	if !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("second lock: %v", err)
	}
	other, err := l.Lock("other")
	if err != nil {
		t.Fatalf("another project is not locked: %v", err)
	}
	other()
	unlock()
	again, err := l.Lock("proj")
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, "proj.lock"): 0o600} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", path, st.Mode().Perm(), want)
		}
	}
	again()
}

// Wait takes a lock once its holder lets go, and says who held it when
// the holder does not let go in time.
func TestWait(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no advisory locks on Windows: documented limitation")
	}
	l := FileLocker{Dir: t.TempDir()}
	unlock, err := l.Lock("daemon@x")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Wait(t.Context(), l, "daemon@x", 200*time.Millisecond)
	var busy *BusyError
	if !errors.As(err, &busy) || busy.PID != strconv.Itoa(os.Getpid()) {
		t.Fatalf("waiting for a held lock: %v", err)
	}
	released := make(chan struct{})
	go func() {
		defer close(released)
		unlock()
	}()
	<-released
	again, err := Wait(t.Context(), l, "daemon@x", time.Minute)
	if err != nil {
		t.Fatalf("waiting for a released lock: %v", err)
	}
	again()
}

// Wait ends when its context does.
func TestWaitEndsWithTheContext(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no advisory locks on Windows: documented limitation")
	}
	l := FileLocker{Dir: t.TempDir()}
	unlock, err := l.Lock("p")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Wait(ctx, l, "p", time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

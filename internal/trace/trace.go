// Package trace times the steps of a command, for a user or a benchmark
// that asks where the time goes (DOCKER_TELEPRESENCE_TRACE, see
// docs/failures.md#where-the-time-goes).
package trace

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// origin is when the plugin's process began, as near as a Go package can
// tell: this leaf package is initialised before the packages that import it.
var origin = time.Now()

// Trace writes one line per step: when it began since the process started,
// and how long it took. Steps may overlap (the images are fetched while
// Telepresence attaches). A nil Trace times nothing, so that the steps
// call it unconditionally.
type Trace struct {
	mu     sync.Mutex
	w      io.Writer
	origin time.Time
	now    func() time.Time
}

// New is a Trace writing to w, its times counted from the process's start.
func New(w io.Writer) *Trace {
	return &Trace{w: w, origin: origin, now: time.Now}
}

// Step begins the step name; the function it returns ends it and writes
// its line. Call it as `defer t.Step("connect")()`.
func (t *Trace) Step(name string) func() {
	if t == nil {
		return func() {}
	}
	begin := t.now()
	return func() {
		end := t.now()
		t.mu.Lock()
		defer t.mu.Unlock()
		fmt.Fprintf(t.w, "trace: %-28s at %8s  took %8s\n", name, ms(begin.Sub(t.origin)), ms(end.Sub(begin)))
	}
}

// Mark writes a moment that is no step: when the command began to run,
// when the process ends.
func (t *Trace) Mark(name string) {
	if t == nil {
		return
	}
	at := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.w, "trace: %-28s at %8s\n", name, ms(at.Sub(t.origin)))
}

// ms writes d in milliseconds with one decimal, as the benchmarks do.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
}

package trace

import (
	"bytes"
	"testing"
	"time"
)

// Each step writes when it began, since the process started, and how long
// it took; a mark writes its moment; a nil Trace writes nothing.
func TestTheLinesSayWhenAndHowLong(t *testing.T) {
	var out bytes.Buffer
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := start
	tr := &Trace{w: &out, origin: start, now: func() time.Time { return clock }}
	clock = start.Add(10 * time.Millisecond)
	tr.Mark("command line read")
	end := tr.Step("connect")
	clock = clock.Add(32500 * time.Microsecond)
	end()
	want := "trace: command line read            at   10.0ms\n" +
		"trace: connect                      at   10.0ms  took   32.5ms\n"
	if out.String() != want {
		t.Errorf("trace:\n%s\nwant:\n%s", out.String(), want)
	}

	var none *Trace
	none.Mark("done")
	none.Step("connect")()
}

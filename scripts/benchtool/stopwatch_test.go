package main

import "testing"

// The plugin's trace lines (internal/trace) are read back by the step's
// name; a step that ran twice counts twice, and a missing step is an
// error, not a zero.
func TestTracedStep(t *testing.T) {
	out := "[+] Running 2/2\n" +
		"trace: command line read            at   10.0ms\n" +
		"trace: wait for telepresence status at   45.5ms  took   27.5ms\n" +
		"trace: connect                      at   45.5ms  took   30.0ms\n" +
		"trace: wait for telepresence status at   80.0ms  took    2.5ms\n"
	got, err := tracedStep(out, "wait for telepresence status")
	if err != nil || got != 30 {
		t.Errorf("tracedStep = %v, %v; want 30", got, err)
	}
	if _, err := tracedStep(out, "attach"); err == nil {
		t.Error("a step the trace lacks was read as taking no time")
	}
}

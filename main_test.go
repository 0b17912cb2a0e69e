package main

import (
	"math"
	"runtime/debug"
	"testing"
)

// The plugin paces the collector for a short command, and a user's own
// GOGC or GOMEMLIMIT wins over it.
func TestTheCollectorsPace(t *testing.T) {
	t.Cleanup(func() {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
	})
	for _, tc := range []struct {
		name, gogc, gomemlimit string
		percent                int
		limit                  int64
	}{
		{"neither set", "", "", gcPercent, memoryLimit},
		{"GOGC set", "50", "", 100, math.MaxInt64},
		{"GOMEMLIMIT set", "", "1GiB", 100, math.MaxInt64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GOGC", tc.gogc)
			t.Setenv("GOMEMLIMIT", tc.gomemlimit)
			debug.SetGCPercent(100)
			debug.SetMemoryLimit(math.MaxInt64)
			paceCollector()
			if got := debug.SetGCPercent(100); got != tc.percent {
				t.Errorf("GC percent %d, want %d", got, tc.percent)
			}
			if got := debug.SetMemoryLimit(-1); got != tc.limit {
				t.Errorf("memory limit %d, want %d", got, tc.limit)
			}
		})
	}
}

package plugin

import (
	"context"
	"sync"

	"github.com/docker/compose/v5/pkg/api"
)

// nestedEvents lets Compose's operations run inside the plugin's own: the
// images `up` builds and pulls while Telepresence attaches
// (docs/commands.md#up). Compose's terminal display keeps one operation:
// a Start while one is open would take its block over, and the Done that
// follows would close it, leaving the plugin's later rows as plain lines.
// So only the outermost Start and its last Done reach the display; an
// operation inside another adds its rows to that one's block.
//
// Inside another, a row that says "Building" is shown as "Building " in the
// terminal display, which pauses its block for the builder's own output on
// that exact word: the build the plugin runs there writes elsewhere.
type nestedEvents struct {
	api.EventProcessor
	// terminal is true for the terminal display.
	terminal bool

	mu    sync.Mutex
	depth int
	// outer is the operation that opened the block: its Done closes it
	// even when an inner one never ended (a canceled build that did not
	// return).
	outer string
}

func (n *nestedEvents) Start(ctx context.Context, operation string) {
	n.mu.Lock()
	n.depth++
	first := n.depth == 1
	if first {
		n.outer = operation
	}
	n.mu.Unlock()
	if first {
		n.EventProcessor.Start(ctx, operation)
	}
}

func (n *nestedEvents) Done(operation string, success bool) {
	n.mu.Lock()
	n.depth = max(0, n.depth-1)
	if operation == n.outer {
		n.depth = 0
	}
	last := n.depth == 0
	n.mu.Unlock()
	if last {
		n.EventProcessor.Done(operation, success)
	}
}

func (n *nestedEvents) On(events ...api.Resource) {
	n.mu.Lock()
	inner := n.depth > 1
	n.mu.Unlock()
	if inner && n.terminal {
		for i := range events {
			if events[i].Text == api.StatusBuilding {
				events[i].Text += " "
			}
		}
	}
	n.EventProcessor.On(events...)
}

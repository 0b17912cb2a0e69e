package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// journal is the undo log of a run: every step that did something pushes
// how to undo it, once it has done it. When the run fails, undo runs the
// entries newest first, so that each step is undone while what it depends
// on still exists.
type journal struct {
	mu      sync.Mutex
	entries []undoEntry
}

type undoEntry struct {
	what string
	undo func(ctx context.Context) error
}

// push records how to undo what a step just did.
func (j *journal) push(what string, undo func(ctx context.Context) error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries = append(j.entries, undoEntry{what, undo})
}

// replace drops every entry in favour of one policy: once the project has
// started, a failure or an interruption no longer removes it.
func (j *journal) replace(what string, undo func(ctx context.Context) error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries = []undoEntry{{what, undo}}
}

// clear drops every entry: what the run did stays.
func (j *journal) clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries = nil
}

// undo runs the entries newest first, each given the chance to run even
// when an earlier one failed, and empties the journal.
func (j *journal) undo(ctx context.Context) error {
	j.mu.Lock()
	entries := j.entries
	j.entries = nil
	j.mu.Unlock()
	var errs []error
	for _, e := range slices.Backward(entries) {
		if err := e.undo(ctx); err != nil {
			errs = append(errs, fmt.Errorf("undoing %s: %w", e.what, err))
		}
	}
	return errors.Join(errs...)
}

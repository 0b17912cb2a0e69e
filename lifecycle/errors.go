package lifecycle

import (
	"errors"
	"fmt"
	"strings"

	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// ErrUnsupported means the Telepresence that runs cannot do what the
// project asks.
var ErrUnsupported = errors.New("not supported by this Telepresence")

// ErrInterrupted means the run was interrupted (Ctrl-C, SIGTERM); the
// error says what became of what it had done.
var ErrInterrupted = errors.New("interrupted")

// interrupted is the error of an interrupted run: what it had done was
// undone, or, once the project had started, the project is stopped and its
// attachments ended; undoErr is what could not be undone.
func interrupted(started bool, undoErr error) error {
	what := "what this up had done is undone"
	if started {
		what = "the project is stopped and its attachments ended (`docker telepresence down` removes the rest)"
	}
	if undoErr != nil {
		return fmt.Errorf("%w: %s, but not all of it: %w", ErrInterrupted, what, undoErr)
	}
	return fmt.Errorf("%w: %s", ErrInterrupted, what)
}

// ReleaseError says that the Telepresence release that runs cannot do what
// a service declares. The intent is valid; the release is too old (or too
// new) for it. It wraps ErrUnsupported.
type ReleaseError struct {
	// Source is the compose file (or flag) that declared it; empty until
	// the caller locates it.
	Source  string
	Service string
	// Key is the key of the declaration, e.g. x-telepresence.intercept.httpHeaders.
	Key     string
	Release vocab.Version
	Problem string
	Hint    string
}

func (e *ReleaseError) Error() string {
	var b strings.Builder
	if e.Source != "" {
		b.WriteString(e.Source + ": ")
	}
	if e.Service != "" {
		fmt.Fprintf(&b, "service %q: ", e.Service)
	}
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	fmt.Fprintf(&b, "Telepresence %s %s", e.Release, e.Problem)
	if e.Hint != "" {
		fmt.Fprintf(&b, " (hint: %s)", e.Hint)
	}
	return b.String()
}

func (e *ReleaseError) Unwrap() error { return ErrUnsupported }

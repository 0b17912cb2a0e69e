package transform

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidIntent is wrapped by every error about what the user declared in
// x-telepresence extensions or in --handler/--remote flags.
var ErrInvalidIntent = errors.New("invalid telepresence intent")

// ErrInvalidProject is wrapped by errors about a compose project that cannot
// be transformed as declared (for example a handler that sets network_mode).
var ErrInvalidProject = errors.New("project cannot run with telepresence")

// IntentError says what is wrong, where, and what to do about it.
type IntentError struct {
	// Source is where the intent was declared: a compose file, a flag such as
	// "--handler", or empty when the caller has not located it yet.
	Source string
	// Service is the compose service; empty for the top-level extension.
	Service string
	// Key is the offending key, e.g. "x-telepresence.intercept.port".
	Key string
	// Problem says what is wrong.
	Problem string
	// Hint says what to do.
	Hint string
	// Kind is the sentinel this error wraps (ErrInvalidIntent by default).
	Kind error
}

func (e *IntentError) Error() string {
	var b strings.Builder
	if e.Source != "" {
		b.WriteString(e.Source)
		b.WriteString(": ")
	}
	if e.Service != "" {
		fmt.Fprintf(&b, "service %q: ", e.Service)
	}
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Problem)
	if e.Hint != "" {
		b.WriteString(" (hint: ")
		b.WriteString(e.Hint)
		b.WriteString(")")
	}
	return b.String()
}

func (e *IntentError) Unwrap() error {
	if e.Kind != nil {
		return e.Kind
	}
	return ErrInvalidIntent
}

// Errors collects every IntentError found, so the user fixes them in one go.
type Errors []*IntentError

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap exposes the individual errors to errors.Is and errors.As.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// orNil returns nil for an empty list, so callers can `return errs.orNil()`.
func (es Errors) orNil() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

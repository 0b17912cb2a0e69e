package lifecycle

import (
	"context"
	"io"
	"strings"

	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// Telepresence's steps are shown in Compose's own progress display, as
// rows beside Compose's (docs/commands.md): "Telepresence" for the
// connection, "Telemount" for the volume plugin, "<Kind> <name>" for each
// attachment (Creating, then Created with its time), "DNS <service>" for
// the mappings. Without a display (tests, config) each event is a line on
// Err, as Compose's plain display writes it.

// operation is an operation of the display: while it is open, the rows
// get a spinner and a timer on a terminal; Compose's own operation that
// follows extends the same block.
type operation struct {
	r    *Runner
	name string
	open bool
}

// start opens an operation of the display.
func (r *Runner) start(ctx context.Context, name string) *operation {
	op := &operation{r: r, name: name, open: r.Events != nil}
	if op.open {
		r.Events.Start(ctx, name)
	}
	return op
}

// done closes the operation, once: Compose's operation, or the undo, comes
// next.
func (op *operation) done(ok bool) {
	if op.open {
		op.open = false
		op.r.Events.Done(op.name, ok)
	}
}

// event shows one step's state.
func (r *Runner) event(id string, status api.EventStatus, text, details string) {
	if r.DryRun {
		r.printf("%s%s", DryRunPrefix, strings.TrimSpace(id+" "+text+" "+details))
		return
	}
	if r.Events != nil {
		r.Events.On(api.Resource{ID: id, Status: status, Text: text, Details: details})
		return
	}
	r.printf("%s", strings.TrimSpace(id+" "+text+" "+details))
}

// attachmentID is the row of an attachment: its kind and name.
func attachmentID(kind vocab.Kind, name string) string {
	k := string(kind)
	first := min(1, len(k))
	return strings.ToUpper(k[:first]) + k[first:] + " " + name
}

// failed shows a step that failed: canceled, as Compose shows it, when the
// run was (Ctrl-C, or another step failed), else with its error.
func (r *Runner) failed(ctx context.Context, id string, err error) {
	if ctx.Err() != nil {
		r.event(id, api.Warning, "Canceled", "")
		return
	}
	r.event(id, api.Error, api.StatusError, briefly(err))
}

// briefly is the first line of an error, for the Details of an event (the
// whole error is returned too).
func briefly(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// progressOutput is where a step that has its own progress (a plugin's
// download) writes it: nowhere while Compose's display draws, which the
// lines would garble.
func (r *Runner) progressOutput() io.Writer {
	if r.Events != nil || r.Err == nil {
		return io.Discard
	}
	return r.Err
}

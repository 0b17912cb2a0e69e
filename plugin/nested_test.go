package plugin

import (
	"context"
	"slices"
	"testing"

	"github.com/docker/compose/v5/pkg/api"
)

// recordedEvents is an event processor that records what reaches it.
type recordedEvents struct{ got []string }

func (r *recordedEvents) Start(_ context.Context, op string) { r.got = append(r.got, "start "+op) }
func (r *recordedEvents) Done(op string, _ bool)             { r.got = append(r.got, "done "+op) }
func (r *recordedEvents) On(events ...api.Resource) {
	for _, e := range events {
		r.got = append(r.got, e.ID+" "+e.Text)
	}
}

// Compose's build and pull inside the plugin's up add their rows to its
// block: only the outermost operation starts and ends; on a terminal an
// inner "Building" does not pause the display.
func TestNestedOperationsShareTheOutermostBlock(t *testing.T) {
	for _, terminal := range []bool{true, false} {
		rec := &recordedEvents{}
		n := &nestedEvents{EventProcessor: rec, terminal: terminal}
		n.Start(t.Context(), "up")
		n.On(api.Resource{ID: "Telepresence", Text: "Connecting"})
		n.Start(t.Context(), "build")
		n.On(api.Resource{ID: "Image app", Text: api.StatusBuilding})
		n.Done("build", true)
		n.Done("up", true)
		n.Start(t.Context(), "up") // Compose's own, once the plugin's ended
		n.On(api.Resource{ID: "Image app", Text: api.StatusBuilding})
		n.Done("up", true)
		building := "Image app Building"
		if terminal {
			building += " "
		}
		want := []string{"start up", "Telepresence Connecting", building, "done up", "start up", "Image app Building", "done up"}
		if !slices.Equal(rec.got, want) {
			t.Errorf("terminal %v: %q, want %q", terminal, rec.got, want)
		}
	}
}

// An inner operation that never ends (a canceled build that did not
// return) does not keep the block open: the outer operation's Done closes
// it, and the next operation opens its own.
func TestTheOuterDoneClosesTheBlock(t *testing.T) {
	rec := &recordedEvents{}
	n := &nestedEvents{EventProcessor: rec}
	n.Start(t.Context(), "up")
	n.Start(t.Context(), "build") // never done
	n.Done("up", false)
	n.Start(t.Context(), "down")
	n.Done("down", true)
	if want := []string{"start up", "done up", "start down", "done down"}; !slices.Equal(rec.got, want) {
		t.Errorf("%q, want %q", rec.got, want)
	}
}

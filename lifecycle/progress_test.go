package lifecycle

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/docker/compose/v5/pkg/api"
)

// events records what the lifecycle shows in Compose's display.
type events struct {
	mu   sync.Mutex
	list []string
}

func (e *events) Start(_ context.Context, op string) { e.add("start " + op) }
func (e *events) Done(op string, ok bool) {
	if ok {
		e.add("done " + op)
	} else {
		e.add("failed " + op)
	}
}

func (e *events) On(list ...api.Resource) {
	for _, r := range list {
		e.add(r.ID + " " + r.Text)
	}
}

func (e *events) add(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.list = append(e.list, s)
}

// Telepresence's steps are rows of Compose's display, inside an operation
// (a spinner and a time on a terminal): the connection, and each
// attachment its own row, Creating then Created.
func TestStepsAreShownInComposesDisplay(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	ev := &events{}
	f.runner.Events = ev
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	got := ev.list
	if got[0] != "start up" || !slices.Contains(got, "done up") {
		t.Fatalf("not inside an operation: %v", got)
	}
	before := func(a, b string) bool {
		i, j := slices.Index(got, a), slices.Index(got, b)
		return i >= 0 && j > i && j < slices.Index(got, "done up")
	}
	for _, pair := range [][2]string{
		{"Telepresence Connecting", "Telepresence Connected"},
		{"Intercept api Creating", "Intercept api Created"},
		{"Intercept echo-server Creating", "Intercept echo-server Created"},
		{"Telepresence Connected", "DNS db Mapped"},
	} {
		if !before(pair[0], pair[1]) {
			t.Errorf("%q then %q, in the operation: %v", pair[0], pair[1], got)
		}
	}
	if strings.Contains(f.stderr.String(), "Intercept") {
		t.Errorf("steps written beside the display: %s", f.stderr.String())
	}
}

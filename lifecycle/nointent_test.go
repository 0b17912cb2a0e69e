package lifecycle

import (
	"testing"

	"github.com/telepresenceio/docker-telepresence/telepresence"
)

// A project that declares no intent runs as Compose runs it, without
// Telepresence, which need not be installed: up and down never call it
// (the plugin's up asks for its status as it starts, and leaves it unread:
// TestAProjectWithoutIntentIgnoresTheStatusAskedAhead).
// One whose earlier run left records still asks it, to end them.
func TestAProjectWithoutIntentNeedsNoTelepresence(t *testing.T) {
	f := newFixture(t, "services:\n  web: {image: web}\n", v227)
	f.tp.statusErr = telepresence.ErrNotInstalled
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	if err := f.newRunner().Down(t.Context(), DownOptions{ProjectName: "proj"}); err != nil {
		t.Fatal(err)
	}
	if hasStep(f.j, "tp ") {
		t.Errorf("asked Telepresence: %v", f.j.all())
	}

	f = newFixture(t, projectYAML, v227)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	f.load(t, "services:\n  echo: {image: echo}\n  api: {image: api}\n")
	f.upAgain(t)
	if !hasStep(f.j, "tp leave echo-server") {
		t.Errorf("the attachments of the earlier run are not ended: %v", f.j.all())
	}
}

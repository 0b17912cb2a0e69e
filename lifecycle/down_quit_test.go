package lifecycle

import (
	"strings"
	"testing"
)

// down leaves the daemon running, and says so at the end, with how to quit
// it; when no daemon runs, it says nothing of the kind.
func TestDownSaysTheDaemonStaysConnected(t *testing.T) {
	const hint = "The Telepresence daemon stays connected (other projects may use it): `telepresence quit` disconnects it"
	f := newFixture(t, projectYAML, v227)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	f.stderr.Reset()
	if err := f.newRunner().Down(t.Context(), DownOptions{ProjectName: "proj"}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(f.stderr.String()), "\n")
	if last := lines[len(lines)-1]; last != hint {
		t.Errorf("down's last line is %q, want %q", last, hint)
	}

	f = newFixture(t, projectYAML, v227)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	f.tp.daemon = nil // telepresence quit, between up and down
	f.stderr.Reset()
	if err := f.newRunner().Down(t.Context(), DownOptions{ProjectName: "proj"}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(f.stderr.String(), "stays connected") {
		t.Errorf("down without a daemon says it stays connected:\n%s", f.stderr.String())
	}
}

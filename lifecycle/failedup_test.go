package lifecycle

import (
	"errors"
	"testing"

	"github.com/telepresenceio/docker-telepresence/lifecycle/engine"
)

// When one service's image cannot be had, Compose cancels the creates of
// the others; the engine may still finish one after Compose's down listed
// the containers. The failed up's undo takes that container too.
func TestAFailedUpRemovesAContainerThatLandsLate(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	f.compose.upErr = errors.New("Error response from daemon: No such image: nosuch:1")
	landed := false
	f.compose.onDown = func() {
		if !landed { // once: the create the engine finished after the first down
			landed = true
			f.engine.Lock()
			f.engine.Containers["proj"] = append(f.engine.Containers["proj"], engine.Container{Name: "proj-web-1", Project: "proj", Service: "web"})
			f.engine.Unlock()
		}
	}
	if err := f.up(t.Context(), true); err == nil {
		t.Fatal("up succeeded")
	}
	if left := f.engine.Containers["proj"]; len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
	f.assertNothingLeft(t)
}
